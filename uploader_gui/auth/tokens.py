"""User-pool tokens and the hosted UI's token endpoint (code exchange and refresh).

The id token is decoded without verifying its signature, as upstream does: this app is not the
party that trusts it; the identity pool verifies it before it hands out credentials.
Token values never appear in a repr, a log line or an exception message.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from uploader_gui.auth.endpoints import HostedUiEndpoints
from uploader_gui.auth.errors import SignInFailed, TokenRejected
from uploader_gui.auth.time_source import Clock, utc_now
from uploader_gui.core.delivery.profile import is_loopback_url
from uploader_gui.core.errors import RetryableError

log = logging.getLogger(__name__)

TOKEN_REQUEST_TIMEOUT_S = 15.0
_MAX_ERROR_TEXT = 200


def decode_jwt_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT as a dict (no signature check; see the module docstring)."""
    try:
        payload = token.split(".")[1]
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(raw)
    except (IndexError, ValueError, binascii.Error):
        raise SignInFailed("the sign-in service returned an id token that is not a JWT") from None
    if not isinstance(claims, dict):
        raise SignInFailed("the sign-in service returned an id token without claims")
    return claims


def account_name(claims: Mapping[str, Any]) -> str:
    """How the person is named to themselves: e-mail, else user name, else subject."""
    for key in ("email", "cognito:username", "sub"):
        value = claims.get(key)
        if isinstance(value, str) and value:
            return value
    raise SignInFailed("the id token names no account (no email, cognito:username or sub)")


@dataclass(frozen=True, slots=True)
class UserPoolTokens:
    id_token: str = field(repr=False)
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    received_at: datetime  # on this computer's clock
    id_expires_at: datetime  # on this computer's clock (see `tokens_from_response`)

    @property
    def id_lifetime(self) -> timedelta:
        return self.id_expires_at - self.received_at

    @property
    def claims(self) -> dict[str, Any]:
        return decode_jwt_claims(self.id_token)

    @property
    def account(self) -> str:
        return account_name(self.claims)

    def secret_values(self) -> tuple[str, ...]:
        return (self.id_token, self.access_token, self.refresh_token)


def tokens_from_response(
    body: Mapping[str, Any], *, received_at: datetime, previous_refresh_token: str = ""
) -> UserPoolTokens:
    """Tokens from a token-endpoint JSON body.

    The id token's lifetime (`exp - iat`, both on the server's clock) is added to the local
    time of receipt, so a wrong local clock does not make a fresh token look expired.
    """
    id_token, access_token = body.get("id_token"), body.get("access_token")
    # Cognito does not rotate refresh tokens by default: keep the old one when none comes back.
    refresh_token = body.get("refresh_token") or previous_refresh_token
    if not all(isinstance(v, str) and v for v in (id_token, access_token, refresh_token)):
        raise SignInFailed("the sign-in service's answer lacks id, access or refresh token")
    assert isinstance(id_token, str)
    assert isinstance(access_token, str)
    claims = decode_jwt_claims(id_token)
    lifetime_s = _lifetime_s(claims, body)
    return UserPoolTokens(
        id_token=id_token,
        access_token=access_token,
        refresh_token=str(refresh_token),
        received_at=received_at,
        id_expires_at=received_at + timedelta(seconds=lifetime_s),
    )


def _lifetime_s(claims: Mapping[str, Any], body: Mapping[str, Any]) -> float:
    exp, iat = claims.get("exp"), claims.get("iat")
    if isinstance(exp, int | float) and isinstance(iat, int | float) and exp > iat:
        return float(exp - iat)
    expires_in = body.get("expires_in")
    if isinstance(expires_in, int | float) and expires_in > 0:
        return float(expires_in)
    return 300.0  # unknown lifetime: assume short, so it is refreshed early rather than late


class TokenEndpoint:
    """POSTs to `/oauth2/token` as a public client (no secret), through the system proxy."""

    def __init__(
        self,
        endpoints: HostedUiEndpoints,
        client_id: str,
        *,
        timeout_s: float = TOKEN_REQUEST_TIMEOUT_S,
        clock: Clock = utc_now,
        on_server_date: Callable[[str], None] | None = None,
        opener: urllib.request.OpenerDirector | None = None,
    ) -> None:
        self._endpoints = endpoints
        self._client_id = client_id
        self._timeout_s = timeout_s
        self._clock = clock
        self._on_server_date = on_server_date
        if opener is None:
            # The system proxy is for the real hosted UI; a provider on this machine is direct.
            is_local = is_loopback_url(endpoints.token_url)
            opener = urllib.request.build_opener(
                *([urllib.request.ProxyHandler({})] if is_local else [])
            )
        self._opener = opener

    def __repr__(self) -> str:
        return f"TokenEndpoint({self._endpoints.token_url!r}, client_id={self._client_id!r})"

    def exchange_code(self, *, code: str, verifier: str, redirect_uri: str) -> UserPoolTokens:
        body = self._post(
            {
                "grant_type": "authorization_code",
                "client_id": self._client_id,
                "code": code,
                "code_verifier": verifier,
                "redirect_uri": redirect_uri,
            }
        )
        return tokens_from_response(body, received_at=self._clock())

    def refresh(self, refresh_token: str) -> UserPoolTokens:
        body = self._post(
            {
                "grant_type": "refresh_token",
                "client_id": self._client_id,
                "refresh_token": refresh_token,
            }
        )
        return tokens_from_response(
            body, received_at=self._clock(), previous_refresh_token=refresh_token
        )

    def _post(self, form: dict[str, str]) -> dict[str, Any]:
        url = self._endpoints.token_url
        # The URL is the profile's https (or loopback http) base, checked in HostedUiEndpoints.
        request = urllib.request.Request(  # noqa: S310
            url,
            data=urlencode(form).encode("ascii"),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        host = urlsplit(url).netloc
        log.debug("token request (%s) to %s", form["grant_type"], host)
        try:
            with self._opener.open(request, timeout=self._timeout_s) as response:
                self._saw_date(response.headers.get("Date"))
                raw = response.read()
        except urllib.error.HTTPError as exc:
            self._saw_date(exc.headers.get("Date") if exc.headers else None)
            raise _error_from_http(exc, host) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RetryableError(f"cannot reach the sign-in service at {host}: {reason}") from None
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise SignInFailed(f"the sign-in service at {host} answered with something not JSON")
        return body

    def _saw_date(self, value: str | None) -> None:
        if value and self._on_server_date is not None:
            self._on_server_date(value)


def _error_from_http(exc: urllib.error.HTTPError, host: str) -> Exception:
    try:
        body = json.loads(exc.read())
    except (ValueError, OSError):
        body = {}
    body = body if isinstance(body, dict) else {}
    code = str(body.get("error", ""))[:_MAX_ERROR_TEXT]
    description = str(body.get("error_description", ""))[:_MAX_ERROR_TEXT]
    if exc.code == 429 or exc.code >= 500:
        return RetryableError(f"the sign-in service at {host} is unavailable (HTTP {exc.code})")
    detail = f"{code}: {description}" if description else code or f"HTTP {exc.code}"
    return TokenRejected(f"the sign-in service refused the request ({detail})", error_code=code)
