"""The local archive's Cognito identity pool: sign-in credentials that land in its own account
and really expire.

moto's `cognito-identity` hands every caller the same fixed keys (which moto maps to its default
account, not the archive's) and never checks an expiry. For a `[cognito]` profile the archive
answers `GetId` and `GetCredentialsForIdentity` itself instead, in front of moto:

* `GetId` needs the archive's identity pool id and a `Logins` entry for its user pool;
* `GetCredentialsForIdentity` needs the same, and hands out a fresh temporary key of the
  archive's moto account (so S3, SSM and Lambda see the archive's resources) that lives
  `credentials_lifetime_s` (moto's 90 s by default; tests shorten it);
* any later request signed with such a key after its expiry is refused with `ExpiredToken`,
  as AWS does, so a client that does not renew in time notices.

The id token itself is not verified (moto does not either): this is a local test archive.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from uploader_gui.sandbox.provisioning import SandboxAccount

IDENTITY_TARGET_PREFIX = "AWSCognitoIdentityService."
DEFAULT_USER_POOL_ID = "us-east-1_LocalArchive"
MOTO_CREDENTIALS_LIFETIME_S = 90.0
_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]+)/\d{8}/[^/]+/([^/]+)/")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class CognitoSettingsForArchive:
    """What the archive's identity pool trusts, and how long its credentials live."""

    identity_pool_id: str
    logins_key: str  # cognito-idp.{region}.amazonaws.com/{user_pool_id}
    credentials_lifetime_s: float = MOTO_CREDENTIALS_LIFETIME_S


class IdentityPoolGate:
    """WSGI middleware: the identity pool's two calls, and expiry of the keys it issued."""

    def __init__(
        self,
        app: WsgiApp,
        account: SandboxAccount,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._app = app
        self._account = account
        self._clock = clock
        self._lock = threading.Lock()
        self._settings: CognitoSettingsForArchive | None = None
        self._expiry_by_key: dict[str, float] = {}
        self.credentials_issued = 0
        self._issued_secrets: list[str] = []

    def enable(self, settings: CognitoSettingsForArchive) -> None:
        with self._lock:
            self._settings = settings

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if self._settings is not None and target.startswith(IDENTITY_TARGET_PREFIX):
            return self._identity_call(
                target.removeprefix(IDENTITY_TARGET_PREFIX), environ, start_response
            )
        refusal = self._expired(environ)
        if refusal is not None:
            return refusal(start_response)
        return self._app(environ, start_response)

    def issued_secrets(self) -> list[str]:
        """Every secret key and session token handed out (for secret scans in tests)."""
        with self._lock:
            return list(self._issued_secrets)

    # --- the identity pool --------------------------------------------------------------------

    def _identity_call(
        self, operation: str, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        settings = self._settings
        assert settings is not None
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            request = json.loads(environ["wsgi.input"].read(length) or b"{}")
        except ValueError:
            request = {}
        logins = request.get("Logins") or {}
        if not logins.get(settings.logins_key):
            return _json_error(start_response, "NotAuthorizedException", "Logins are missing")
        if operation == "GetId":
            if request.get("IdentityPoolId") != settings.identity_pool_id:
                return _json_error(start_response, "ResourceNotFoundException", "no such pool")
            region = settings.identity_pool_id.split(":", 1)[0]
            return _json_answer(start_response, {"IdentityId": f"{region}:{uuid.uuid4()}"})
        if operation == "GetCredentialsForIdentity":
            return _json_answer(start_response, self._issue(request, settings))
        return _json_error(start_response, "InvalidParameterException", f"not here: {operation}")

    def _issue(self, request: dict[str, Any], settings: CognitoSettingsForArchive) -> Any:
        access_key_id, secret_access_key = self._account.session_key()
        expires_at = self._clock() + settings.credentials_lifetime_s
        session_token = secrets.token_urlsafe(24)
        with self._lock:
            self._expiry_by_key[access_key_id] = expires_at
            self._issued_secrets += [secret_access_key, session_token]
            self.credentials_issued += 1
        return {
            "IdentityId": request.get("IdentityId", ""),
            "Credentials": {
                "AccessKeyId": access_key_id,
                "SecretKey": secret_access_key,
                "SessionToken": session_token,
                "Expiration": expires_at,
            },
        }

    # --- expiry ---------------------------------------------------------------------------------

    def _expired(
        self, environ: dict[str, Any]
    ) -> Callable[[Callable[..., Any]], Iterable[bytes]] | None:
        match = _CREDENTIAL.search(str(environ.get("HTTP_AUTHORIZATION", "")))
        if match is None:
            return None
        key, service = match.group(1), match.group(2)
        with self._lock:
            expires_at = self._expiry_by_key.get(key)
            if expires_at is None or self._clock() < expires_at:
                return None
        if service in ("s3", "s3express"):
            return _s3_expired
        return lambda start_response: _json_error(
            start_response,
            "ExpiredTokenException",
            "The security token included in the request is expired",
        )


def _s3_expired(start_response: Callable[..., Any]) -> Iterable[bytes]:
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>ExpiredToken</Code>'
        b"<Message>The provided token has expired.</Message></Error>"
    )
    start_response(
        "400 Bad Request",
        [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
    )
    return [body]


def _json_answer(start_response: Callable[..., Any], data: Any) -> Iterable[bytes]:
    body = json.dumps(data).encode("utf-8")
    start_response(
        "200 OK",
        [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body)))],
    )
    return [body]


def _json_error(start_response: Callable[..., Any], code: str, message: str) -> Iterable[bytes]:
    body = json.dumps({"__type": code, "message": message}).encode("utf-8")
    start_response(
        "400 Bad Request",
        [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-ErrorType", code),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]
