"""Connection profiles: how to reach one archive, as a TOML file an archive hands its partners.

```
name = "Local archive"
region = "us-east-1"
endpoint_url = "http://127.0.0.1:PORT"          # absent for real AWS
network_config_parameter = "/mast-fast/delivery"
[credentials]                                    # only for local archives
access_key_id = "..."
secret_access_key = "..."
[cognito]                                        # real archives: browser sign-in
domain = "..."
client_id = "..."
redirect_uri = "http://localhost:3000"
user_pool_id = "..."
identity_pool_id = "..."
```
Static credentials are accepted only for an archive on this machine (a loopback endpoint), so a
profile can never carry real AWS keys to a partner. Plain HTTP is accepted only on loopback.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomli_w

from uploader_gui.core.delivery.problems import Problem, ProblemsFound

DEFAULT_NETWORK_CONFIG_PARAMETER = "/mast-fast/delivery"
_TOP_KEYS = {"name", "region", "endpoint_url", "network_config_parameter", "credentials", "cognito"}
_COGNITO_KEYS = ("domain", "client_id", "redirect_uri", "user_pool_id", "identity_pool_id")
_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


@dataclass(frozen=True, slots=True)
class StaticCredentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class CognitoSettings:
    domain: str
    client_id: str
    redirect_uri: str
    user_pool_id: str
    identity_pool_id: str


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    region: str
    endpoint_url: str | None = None
    network_config_parameter: str = DEFAULT_NETWORK_CONFIG_PARAMETER
    credentials: StaticCredentials | None = field(default=None, repr=False)
    cognito: CognitoSettings | None = None
    source: str = ""

    @property
    def is_local(self) -> bool:
        return self.endpoint_url is not None and is_loopback_url(self.endpoint_url)

    def to_toml_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "region": self.region}
        if self.endpoint_url:
            data["endpoint_url"] = self.endpoint_url
        data["network_config_parameter"] = self.network_config_parameter
        if self.credentials:
            data["credentials"] = {
                "access_key_id": self.credentials.access_key_id,
                "secret_access_key": self.credentials.secret_access_key,
            }
        if self.cognito:
            data["cognito"] = {key: getattr(self.cognito, key) for key in _COGNITO_KEYS}
        return data


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _string(
    data: dict[str, Any],
    key: str,
    where: str,
    problems: list[Problem],
    source: str,
    *,
    required: bool = True,
) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            problems.append(
                Problem(
                    source, f"missing {where}{key}", key=f"{where}{key}", fix=f'add {key} = "..."'
                )
            )
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(
            Problem(source, f"{where}{key} must be a non-empty string", key=f"{where}{key}")
        )
        return None
    return value


def _check_endpoint(url: str, source: str, problems: list[Problem]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problems.append(
            Problem(
                source,
                f"endpoint_url {url!r} is not an http(s) URL",
                key="endpoint_url",
                fix="e.g. https://s3.example.org",
            )
        )
    elif parts.scheme == "http" and not is_loopback_url(url):
        problems.append(
            Problem(
                source,
                "endpoint_url uses plain http to another machine",
                key="endpoint_url",
                fix="use https (TLS) for remote archives",
            )
        )


def _credentials(
    data: dict[str, Any], endpoint: str | None, source: str, problems: list[Problem]
) -> StaticCredentials | None:
    raw = data.get("credentials")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(Problem(source, "[credentials] must be a table", key="credentials"))
        return None
    if endpoint is None or not is_loopback_url(endpoint):
        problems.append(
            Problem(
                source,
                "[credentials] are only allowed for a local archive (loopback endpoint_url)",
                key="credentials",
                fix="remove [credentials]; real archives sign in with [cognito]",
            )
        )
        return None
    key_id = _string(raw, "access_key_id", "credentials.", problems, source)
    secret = _string(raw, "secret_access_key", "credentials.", problems, source)
    return StaticCredentials(key_id, secret) if key_id and secret else None


def _cognito(data: dict[str, Any], source: str, problems: list[Problem]) -> CognitoSettings | None:
    raw = data.get("cognito")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(Problem(source, "[cognito] must be a table", key="cognito"))
        return None
    values = {key: _string(raw, key, "cognito.", problems, source) for key in _COGNITO_KEYS}
    redirect = values["redirect_uri"]
    if redirect and not is_loopback_url(redirect):
        problems.append(
            Problem(
                source,
                "cognito.redirect_uri must point at this machine",
                key="cognito.redirect_uri",
                fix="e.g. http://localhost:3000",
            )
        )
    if redirect and urlsplit(redirect).port is None:
        problems.append(
            Problem(
                source,
                "cognito.redirect_uri needs an explicit port",
                key="cognito.redirect_uri",
                fix="e.g. http://localhost:3000",
            )
        )
    if any(value is None for value in values.values()):
        return None
    return CognitoSettings(**{key: str(value) for key, value in values.items()})


def profile_from_dict(data: dict[str, Any], source: str) -> Profile:
    """Validate a parsed profile; every problem names the key and the fix."""
    problems: list[Problem] = []
    for key in sorted(set(data) - _TOP_KEYS):
        problems.append(
            Problem(
                source,
                f"unknown key {key!r}",
                key=key,
                fix=f"remove it; known keys: {', '.join(sorted(_TOP_KEYS))}",
            )
        )
    name = _string(data, "name", "", problems, source)
    region = _string(data, "region", "", problems, source)
    if region and not _REGION_RE.match(region):
        problems.append(
            Problem(
                source,
                f"region {region!r} is not an AWS region name",
                key="region",
                fix='e.g. region = "us-east-1"',
            )
        )
    endpoint = _string(data, "endpoint_url", "", problems, source, required=False)
    if endpoint:
        _check_endpoint(endpoint, source, problems)
    parameter = _string(data, "network_config_parameter", "", problems, source, required=False)
    if parameter is not None and not parameter.startswith("/"):
        problems.append(
            Problem(
                source,
                "network_config_parameter must start with '/'",
                key="network_config_parameter",
                fix='e.g. "/mast-fast/delivery"',
            )
        )
    credentials = _credentials(data, endpoint, source, problems)
    cognito = _cognito(data, source, problems)
    if problems:
        raise ProblemsFound(problems)
    assert name is not None
    assert region is not None
    return Profile(
        name=name,
        region=region,
        endpoint_url=endpoint,
        network_config_parameter=parameter or DEFAULT_NETWORK_CONFIG_PARAMETER,
        credentials=credentials,
        cognito=cognito,
        source=source,
    )


def parse_profile_text(text: str, source: str) -> Profile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProblemsFound(
            [Problem(source, f"not valid TOML: {exc}", fix="check quotes and [sections]")]
        ) from None
    return profile_from_dict(data, source)


def load_profile(path: Path) -> Profile:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProblemsFound(
            [Problem(str(path), f"cannot read the profile: {exc.strerror}", fix="check the path")]
        ) from None
    except UnicodeDecodeError:
        raise ProblemsFound(
            [Problem(str(path), "the profile is not UTF-8 text", fix="save it as UTF-8")]
        ) from None
    return parse_profile_text(text, str(path))


def save_profile(profile: Profile, path: Path) -> None:
    """Write the profile atomically, readable only by this user (it may hold local keys)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(tomli_w.dumps(profile.to_toml_dict()).encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
