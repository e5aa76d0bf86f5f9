"""One profile's sign-in: silent resume from the keychain, browser sign-in, renewal, sign-out.

The window and the CLI both drive this from a worker thread::

    auth = ProfileSignIn(profile, store=RefreshTokenStore(), accounts=KnownAccounts(path))
    if not auth.resume():                  # refresh token from the keychain: no browser
        sign_in = auth.new_sign_in()
        url = sign_in.start()              # open it in the browser; Cancel → sign_in.cancel()
        auth.finish_sign_in(sign_in)
    credentials = auth.delivery_credentials(dataset, delivery_id)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from uploader_gui.auth.clock_skew import check_clock_skew
from uploader_gui.auth.endpoints import HostedUiEndpoints
from uploader_gui.auth.errors import TokenRejected
from uploader_gui.auth.hosted_ui import SIGN_IN_TIMEOUT_S, SignIn
from uploader_gui.auth.identity_credentials import DeliveryCredentials, SecretSink
from uploader_gui.auth.identity_pool import IdentityPool
from uploader_gui.auth.time_source import Clock, utc_now
from uploader_gui.auth.token_store import KnownAccounts, RefreshTokenStore
from uploader_gui.auth.tokens import TokenEndpoint, UserPoolTokens
from uploader_gui.core.delivery.profile import CognitoSettings, Profile
from uploader_gui.core.errors import SignInRequired, UserInputError

log = logging.getLogger(__name__)

ID_TOKEN_MARGIN_FRACTION = 1 / 4
MAX_ID_TOKEN_MARGIN_S = 5 * 60.0


class ProfileSignIn:
    def __init__(
        self,
        profile: Profile,
        *,
        store: RefreshTokenStore,
        accounts: KnownAccounts,
        token_endpoint: TokenEndpoint | None = None,
        identity: IdentityPool | None = None,
        clock: Clock = utc_now,
        on_secret: SecretSink | None = None,
        on_warning: Callable[[str], None] = log.warning,
    ) -> None:
        self.profile = profile
        self._cognito = _cognito_of(profile)
        self._store = store
        self._accounts = accounts
        self._clock = clock
        self._on_secret = on_secret
        self._on_warning = on_warning
        self._token_endpoint = token_endpoint or TokenEndpoint(
            HostedUiEndpoints.from_domain(self._cognito.domain, source=profile.source),
            self._cognito.client_id,
            clock=clock,
            on_server_date=self._check_clock,
        )
        self._identity = identity  # created on first use: logout needs no AWS client
        # Held across a token refresh (a network call), so never taken by the properties the
        # window reads: those read `_tokens`, which is only ever replaced whole.
        self._refresh_lock = threading.RLock()
        self._tokens: UserPoolTokens | None = None
        self._has_warned_skew = False

    def __repr__(self) -> str:
        return f"ProfileSignIn({self.profile.name!r}, account={self.account!r})"

    @property
    def account(self) -> str | None:
        tokens = self._tokens
        return tokens.account if tokens else None

    @property
    def is_signed_in(self) -> bool:
        return self._tokens is not None

    @property
    def keeps_sign_in_across_restarts(self) -> bool:
        return self._store.is_persistent

    def resume(self) -> bool:
        """Sign in silently with the keychain's refresh token; False if a browser is needed.

        A network failure raises RetryableError: the token may still be good, so it is kept.
        """
        account = self._accounts.last(self.profile.name)
        refresh_token = self._store.load(self.profile.name, account) if account else None
        if not account or not refresh_token:
            return False
        try:
            tokens = self._token_endpoint.refresh(refresh_token)
        except TokenRejected as exc:
            log.info("the stored sign-in was refused (%s); a browser sign-in is needed", exc)
            self._store.delete(self.profile.name, account)
            return False
        self._adopt(tokens)
        return True

    def new_sign_in(self, *, timeout_s: float = SIGN_IN_TIMEOUT_S) -> SignIn:
        return SignIn(self._cognito, self._token_endpoint, timeout_s=timeout_s)

    def finish_sign_in(self, sign_in: SignIn, timeout_s: float | None = None) -> str:
        """Wait for the browser, keep the tokens, and return the account name."""
        tokens = sign_in.wait(timeout_s)
        self._adopt(tokens)
        return tokens.account

    def fresh_tokens(self) -> UserPoolTokens:
        """Tokens whose id token will not expire soon; renews them with the refresh token.

        Raises SignInRequired when there is no sign-in or the refresh token was refused.
        """
        with self._refresh_lock:
            tokens = self._tokens
            if tokens is None:
                raise SignInRequired(f"Not signed in to {self.profile.name}: sign in to continue.")
            if self._clock() < tokens.id_expires_at - self._id_token_margin(tokens):
                return tokens
            try:
                renewed = self._token_endpoint.refresh(tokens.refresh_token)
            except TokenRejected:
                self._store.delete(self.profile.name, tokens.account)
                self._tokens = None
                raise SignInRequired(
                    f"Your sign-in to {self.profile.name} has ended. Sign in again to continue; "
                    "files already delivered are kept."
                ) from None
            self._adopt(renewed)
            return renewed

    def delivery_credentials(self, dataset: str, delivery_id: str) -> DeliveryCredentials:
        """Credentials for the delivery's role (NotAuthorisedForDelivery if there is none)."""
        if self._identity is None:
            self._identity = IdentityPool(self.profile)
        return DeliveryCredentials(
            self, self._identity, dataset, delivery_id, clock=self._clock, on_secret=self._on_secret
        )

    def sign_out(self) -> None:
        """Forget the tokens and remove every refresh token of this profile from the keychain."""
        with self._refresh_lock:
            accounts = set(self._accounts.accounts(self.profile.name))
            if self._tokens is not None:
                accounts.add(self._tokens.account)
            for account in accounts:
                self._store.delete(self.profile.name, account)
            self._accounts.forget(self.profile.name)
            self._tokens = None

    def _adopt(self, tokens: UserPoolTokens) -> None:
        if self._on_secret is not None:
            for secret in tokens.secret_values():
                self._on_secret(secret)
        account = tokens.account
        with self._refresh_lock:
            previous, self._tokens = self._tokens, tokens
        # Cognito usually hands back no new refresh token: skip the keychain write then.
        if previous is None or (previous.refresh_token, previous.account) != (
            tokens.refresh_token,
            account,
        ):
            self._store.save(self.profile.name, account, tokens.refresh_token)
            self._accounts.remember(self.profile.name, account)

    @staticmethod
    def _id_token_margin(tokens: UserPoolTokens) -> timedelta:
        lifetime_s = max(tokens.id_lifetime.total_seconds(), 0.0)
        return timedelta(seconds=min(lifetime_s * ID_TOKEN_MARGIN_FRACTION, MAX_ID_TOKEN_MARGIN_S))

    def _check_clock(self, server_date: str) -> None:
        warning = check_clock_skew(server_date, clock=self._clock)
        if warning is None or self._has_warned_skew:
            return
        self._has_warned_skew = True
        self._on_warning(warning)


def _cognito_of(profile: Profile) -> CognitoSettings:
    if profile.cognito is None:
        raise UserInputError(
            f"The profile {profile.name!r} has no [cognito] section, so there is nothing to sign "
            "in to (a local archive signs with the profile's [credentials]).",
            path=profile.source or None,
        )
    return profile.cognito
