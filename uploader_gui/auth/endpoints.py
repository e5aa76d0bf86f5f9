"""Where the hosted UI lives: `https://{domain}/oauth2/authorize` and `/oauth2/token`.

`[cognito] domain` is normally a bare host name (`example.auth.us-east-1.amazoncognito.com`,
or a custom domain) and always means HTTPS. A full base URL is accepted too; plain
`http://127.0.0.1:PORT` only for a provider on this machine (the local test provider), so a
profile can never send a sign-in code over plain HTTP across a network.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from uploader_gui.core.delivery.problems import Problem, ProblemsFound
from uploader_gui.core.delivery.profile import is_loopback_url

SCOPE = "openid email"


@dataclass(frozen=True, slots=True)
class HostedUiEndpoints:
    base_url: str  # scheme://host[:port][/prefix], no trailing slash

    @classmethod
    def from_domain(cls, domain: str, *, source: str = "profile") -> HostedUiEndpoints:
        text = domain.strip().rstrip("/")
        if "://" not in text:
            text = f"https://{text}"
        parts = urlsplit(text)
        problem: str | None = None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problem = f"cognito.domain {domain!r} is neither a host name nor an http(s) URL"
        elif parts.scheme == "http" and not is_loopback_url(text):
            problem = "cognito.domain uses plain http to another machine"
        elif parts.query or parts.fragment:
            problem = "cognito.domain must not carry a query or fragment"
        if problem:
            raise ProblemsFound(
                [
                    Problem(
                        source,
                        problem,
                        key="cognito.domain",
                        fix="use the hosted UI host name, e.g. auth.example.org",
                    )
                ]
            )
        return cls(base_url=text)

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/oauth2/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/oauth2/token"

    def authorization_request_url(
        self, *, client_id: str, redirect_uri: str, code_challenge: str, state: str
    ) -> str:
        """The address the browser opens: authorization code + PKCE S256 + state."""
        query = urlencode(
            {
                "client_id": client_id,
                "response_type": "code",
                "redirect_uri": redirect_uri,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256",
                "state": state,
                "scope": SCOPE,
            }
        )
        return f"{self.authorize_url}?{query}"
