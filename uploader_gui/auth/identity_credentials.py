"""AWS credentials for one delivery's role that botocore renews before they expire.

The refresh function first makes sure the id token is fresh (renewing it with the refresh
token when needed), then asks the identity pool again for the same delivery's role.

Refresh windows are fractions of the credentials' lifetime rather than upstream's fixed
15/10 minutes, which would refresh on every request with moto's 90-second credentials:

* advisory = a quarter of the lifetime, at most 15 min: botocore tries to renew, and on failure
  keeps using the current credentials (they are still valid);
* mandatory = a sixth of the lifetime, at most 10 min: every request waits for a renewal, and a
  failure is raised (`SignInRequired` → the engine pauses and asks for a new sign-in).

So one-hour Cognito credentials get upstream's 15/10 minutes, and 90-second ones 22.5/15 s, always
well before expiry, with room for the renewal round trip.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from botocore.credentials import RefreshableCredentials

from uploader_gui.auth.identity_pool import IdentityPool
from uploader_gui.auth.roles import select_delivery_role
from uploader_gui.auth.time_source import Clock, utc_now
from uploader_gui.auth.tokens import UserPoolTokens
from uploader_gui.core.errors import SignInRequired

log = logging.getLogger(__name__)

CREDENTIALS_METHOD = "cognito-identity"
ADVISORY_FRACTION = 1 / 4
MANDATORY_FRACTION = 1 / 6
MAX_ADVISORY_S = 15 * 60.0
MAX_MANDATORY_S = 10 * 60.0

SecretSink = Callable[[str], None]


def refresh_windows_s(lifetime_s: float) -> tuple[float, float]:
    """(advisory, mandatory) seconds before expiry, from the credentials' lifetime."""
    lifetime_s = max(lifetime_s, 1.0)
    return (
        min(lifetime_s * ADVISORY_FRACTION, MAX_ADVISORY_S),
        min(lifetime_s * MANDATORY_FRACTION, MAX_MANDATORY_S),
    )


class TokenSource(Protocol):
    """Hands out user-pool tokens whose id token is not about to expire (see ProfileSignIn)."""

    def fresh_tokens(self) -> UserPoolTokens: ...


class DeliveryCredentials:
    """The role, its current expiry, and a botocore credentials object that renews itself.

    Hand `botocore_credentials` to `fast.aws_clients.make_session(profile, ...)`.
    """

    def __init__(
        self,
        tokens: TokenSource,
        identity: IdentityPool,
        dataset: str,
        delivery_id: str,
        *,
        clock: Clock = utc_now,
        on_secret: SecretSink | None = None,
    ) -> None:
        self._tokens = tokens
        self._identity = identity
        self._dataset = dataset
        self._delivery_id = delivery_id
        self._clock = clock
        self._on_secret = on_secret
        self._lock = threading.Lock()
        self._role_arn = ""
        self._account = ""
        self._expires_at: datetime | None = None
        self._fetch_count = 0
        self._is_sign_in_lost = False
        first = self._fetch_metadata()
        assert self._expires_at is not None
        lifetime_s = (self._expires_at - self._clock()).total_seconds()
        advisory_s, mandatory_s = refresh_windows_s(lifetime_s)
        self.botocore_credentials: RefreshableCredentials = RefreshableCredentials(
            access_key=first["access_key"],
            secret_key=first["secret_key"],
            token=first["token"],
            expiry_time=self._expires_at,
            refresh_using=self._fetch_metadata,
            method=CREDENTIALS_METHOD,
            time_fetcher=self._clock,
            advisory_timeout=advisory_s,
            mandatory_timeout=mandatory_s,
        )

    def __repr__(self) -> str:
        return (
            f"DeliveryCredentials({self._dataset}-{self._delivery_id}, role={self._role_arn!r}, "
            f"expires_at={self._expires_at})"
        )

    @property
    def role_arn(self) -> str:
        return self._role_arn

    @property
    def account(self) -> str:
        return self._account

    @property
    def expires_at(self) -> datetime:
        """When the current credentials expire, on this computer's clock."""
        assert self._expires_at is not None
        return self._expires_at

    @property
    def fetch_count(self) -> int:
        """How many times credentials were obtained (1 + renewals)."""
        return self._fetch_count

    def needs_sign_in(self) -> bool:
        """True since a renewal failed for want of a sign-in, until one succeeds again."""
        return self._is_sign_in_lost

    def _fetch_metadata(self) -> dict[str, Any]:
        try:
            return self._fetch_locked()
        except SignInRequired:
            # The same object continues after a new sign-in: the next renewal clears this.
            self._is_sign_in_lost = True
            raise

    def _fetch_locked(self) -> dict[str, Any]:
        with self._lock:
            tokens = self._tokens.fresh_tokens()
            account = tokens.account
            role_arn = select_delivery_role(
                tokens.claims, self._dataset, self._delivery_id, account=account
            )
            credentials = self._identity.credentials(tokens.id_token, role_arn)
            now = self._clock()
            # Lifetime on the server's clock, added to ours: a skewed local clock still renews
            # on time (the skew itself is reported separately).
            lifetime = credentials.expires_at - (credentials.server_date or now)
            expires_at = now + max(lifetime, timedelta(seconds=1))
            if self._on_secret is not None:
                for secret in credentials.secret_values():
                    self._on_secret(secret)
            self._role_arn, self._account, self._expires_at = role_arn, account, expires_at
            self._fetch_count += 1
            self._is_sign_in_lost = False
            log.info("credentials for %s obtained, valid until %s", role_arn, expires_at)
            return {
                "access_key": credentials.access_key_id,
                "secret_key": credentials.secret_access_key,
                "token": credentials.session_token,
                "expiry_time": expires_at.isoformat(),
            }
