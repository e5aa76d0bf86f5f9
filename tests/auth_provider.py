"""A real OpenID Connect provider for tests, serving exactly Cognito's hosted-UI paths.

Authlib's authorization server on Flask, on 127.0.0.1: `GET /oauth2/authorize` shows a sign-in
form, `POST /oauth2/authorize` answers with the redirect (code and state, or
`error=access_denied` when the person presses Cancel), `POST /oauth2/token` exchanges codes
(PKCE S256 required, public client) and refresh tokens. Id tokens carry `email`,
`cognito:username` and `cognito:roles` like a Cognito user pool's. Refresh tokens are not
rotated, as in Cognito's default.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import flask
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode, OpenIDToken, UserInfo
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

SERVER_LOGGERS = ("authlib", "werkzeug", "flask")


@dataclass
class ProviderUser:
    username: str
    email: str
    roles: list[str]


@dataclass
class _Client:
    client_id: str
    redirect_uri: str

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_allowed_scope(self, scope: str) -> str:
        allowed = {"openid", "email"}
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret: str) -> bool:
        return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass
class _AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: ProviderUser
    code_challenge: str
    code_challenge_method: str

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> None:
        return None

    def get_auth_time(self) -> int:
        return int(time.time())

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


@dataclass
class _RefreshToken:
    token: str
    client_id: str
    scope: str
    user: ProviderUser
    is_revoked_now: bool = False

    def check_client(self, client: _Client) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return 30 * 24 * 3600

    def is_expired(self) -> bool:
        return False

    def is_revoked(self) -> bool:
        return self.is_revoked_now


@dataclass
class ProviderState:
    """What the provider holds and what it saw (for assertions)."""

    users: dict[str, ProviderUser] = field(default_factory=dict)
    codes: dict[str, _AuthorizationCode] = field(default_factory=dict)
    refresh_tokens: dict[str, _RefreshToken] = field(default_factory=dict)
    grant_types_seen: list[str] = field(default_factory=list)
    issued_secrets: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class CognitoLikeProvider:
    def __init__(
        self, *, client_id: str, redirect_uri: str, id_token_lifetime_s: int = 3600
    ) -> None:
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.id_token_lifetime_s = id_token_lifetime_s
        self.state = ProviderState()
        self._key = _signing_key()
        self._app = self._make_app()
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def add_user(self, username: str, email: str, roles: list[str]) -> None:
        self.state.users[username] = ProviderUser(username, email, list(roles))

    def revoke_refresh_tokens(self) -> None:
        with self.state.lock:
            for token in self.state.refresh_tokens.values():
                token.is_revoked_now = True

    def grant_types_seen(self) -> list[str]:
        with self.state.lock:
            return list(self.state.grant_types_seen)

    def issued_secrets(self) -> list[str]:
        """Every id, access and refresh token this provider handed out."""
        with self.state.lock:
            return list(self.state.issued_secrets)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _make_app(self) -> flask.Flask:
        app = flask.Flask(__name__)
        app.config["OAUTH2_REFRESH_TOKEN_GENERATOR"] = True
        client = _Client(self.client_id, self.redirect_uri)
        state = self.state

        def query_client(client_id: str) -> _Client | None:
            return client if client_id == client.client_id else None

        def save_token(token: dict[str, Any], request: Any) -> None:
            if "refresh_token" in token:
                with state.lock:
                    state.refresh_tokens[token["refresh_token"]] = _RefreshToken(
                        token["refresh_token"], client.client_id, token["scope"], request.user
                    )

        server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
        openid = _openid_extensions(self)
        server.register_grant(_code_grant(state), [CodeChallenge(required=True), openid[0]])
        server.register_grant(_refresh_grant(state), [openid[1]])
        _add_routes(app, server, state)
        return app


@functools.cache
def _signing_key() -> RSAKey:
    return RSAKey.generate_key(2048)  # ~0.3 s: once per test run is enough


def _openid_extensions(provider: CognitoLikeProvider) -> tuple[Any, Any]:
    class _Claims:
        def resolve_client_private_key(self, client: _Client) -> RSAKey:
            return provider._key

        def get_client_claims(self, client: _Client) -> dict[str, Any]:
            now = int(time.time())
            return {
                "iss": provider.base_url,
                "aud": [client.client_id],
                "iat": now,
                "exp": now + provider.id_token_lifetime_s,
            }

        def generate_user_info(self, user: ProviderUser, scope: str) -> UserInfo:
            return UserInfo(
                sub=f"sub-{user.username}",
                email=user.email,
                **{"cognito:username": user.username, "cognito:roles": list(user.roles)},
            )

    class _Code(_Claims, OpenIDCode):
        def exists_nonce(self, nonce: str, request: Any) -> bool:
            return False

    class _Refresh(_Claims, OpenIDToken):
        pass

    return _Code(require_nonce=False), _Refresh()


def _code_grant(state: ProviderState) -> type[grants.AuthorizationCodeGrant]:
    class _Grant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["none"]  # noqa: RUF012 (authlib's own class attribute)

        def save_authorization_code(self, code: str, request: Any) -> None:
            data = request.payload.data
            with state.lock:
                state.codes[code] = _AuthorizationCode(
                    code=code,
                    client_id=request.client.client_id,
                    redirect_uri=request.payload.redirect_uri,
                    scope=request.payload.scope,
                    user=request.user,
                    code_challenge=data.get("code_challenge", ""),
                    code_challenge_method=data.get("code_challenge_method", ""),
                )

        def query_authorization_code(self, code: str, client: _Client) -> Any:
            with state.lock:
                found = state.codes.get(code)
            return found if found and found.client_id == client.client_id else None

        def delete_authorization_code(self, authorization_code: _AuthorizationCode) -> None:
            with state.lock:
                state.codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code: _AuthorizationCode) -> ProviderUser:
            return authorization_code.user

    return _Grant


def _refresh_grant(state: ProviderState) -> type[grants.RefreshTokenGrant]:
    class _Grant(grants.RefreshTokenGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["none"]  # noqa: RUF012

        def authenticate_refresh_token(self, refresh_token: str) -> Any:
            with state.lock:
                found = state.refresh_tokens.get(refresh_token)
            return found if found and not found.is_revoked() else None

        def authenticate_user(self, refresh_token: _RefreshToken) -> ProviderUser:
            return refresh_token.user

        def revoke_old_credential(self, refresh_token: _RefreshToken) -> None:
            pass  # Cognito keeps the refresh token valid until it expires

    return _Grant


_FORM = """<!doctype html><title>Sign in</title>
<form method="post"><input name="username"><button name="action" value="sign-in">Sign in</button>
<button name="action" value="cancel">Cancel</button></form>"""


def _add_routes(app: flask.Flask, server: AuthorizationServer, state: ProviderState) -> None:
    @app.get("/oauth2/authorize")
    def authorize_form() -> Any:
        server.get_consent_grant(end_user=None)  # rejects a malformed request before the form
        return _FORM

    @app.post("/oauth2/authorize")
    def authorize() -> Any:
        user = state.users.get(flask.request.form.get("username", ""))
        is_cancel = flask.request.form.get("action") == "cancel"
        grant_user = None if is_cancel or user is None else user
        grant = server.get_consent_grant(end_user=grant_user)
        return server.create_authorization_response(grant_user=grant_user, grant=grant)

    @app.post("/oauth2/token")
    def token() -> Any:
        with state.lock:
            state.grant_types_seen.append(flask.request.form.get("grant_type", ""))
        response = server.create_token_response()
        body = response.get_json(silent=True) or {}
        with state.lock:
            state.issued_secrets += [
                body[name] for name in ("id_token", "access_token", "refresh_token") if name in body
            ]
        return response


@contextmanager
def running_provider(**kwargs: Any) -> Iterator[CognitoLikeProvider]:
    """The provider on 127.0.0.1, with its own (server-side) loggers kept quiet."""
    levels = {name: logging.getLogger(name).level for name in SERVER_LOGGERS}
    for name in SERVER_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    provider = CognitoLikeProvider(**kwargs)
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
