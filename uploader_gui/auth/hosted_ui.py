"""One browser sign-in through the hosted UI: authorization code + PKCE (S256) + state.

Driven from a worker thread by the window or the CLI::

    sign_in = SignIn(profile.cognito, token_endpoint)
    url = sign_in.start()          # binds the redirect port; raises RedirectPortBusy
    open_in_browser(url)           # the caller's business: desktop URL handler, or print it
    tokens = sign_in.wait()        # blocks; SignInCancelled / SignInTimedOut / SignInFailed

`cancel()` may be called from any thread at any moment, and `wait()` always closes the socket.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from uploader_gui.auth.endpoints import HostedUiEndpoints
from uploader_gui.auth.errors import SignInCancelled, SignInFailed, SignInTimedOut
from uploader_gui.auth.pkce import PkcePair, new_pkce_pair, new_state
from uploader_gui.auth.redirect_listener import RedirectListener, timed_out_message
from uploader_gui.auth.tokens import TokenEndpoint, UserPoolTokens
from uploader_gui.core.delivery.profile import CognitoSettings

log = logging.getLogger(__name__)

SIGN_IN_TIMEOUT_S = 300.0


class SignIn:
    def __init__(
        self,
        cognito: CognitoSettings,
        token_endpoint: TokenEndpoint,
        *,
        timeout_s: float = SIGN_IN_TIMEOUT_S,
        new_pkce: Callable[[], PkcePair] = new_pkce_pair,
        make_state: Callable[[], str] = new_state,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._cognito = cognito
        self._endpoints = HostedUiEndpoints.from_domain(cognito.domain)
        self._token_endpoint = token_endpoint
        self._timeout_s = timeout_s
        self._pkce = new_pkce()
        self._state = make_state()
        self._monotonic = monotonic
        self._listener = RedirectListener(cognito.redirect_uri, self._state)
        self._cancelled = threading.Event()
        self._deadline: float | None = None

    def __repr__(self) -> str:
        return f"SignIn({self._endpoints.base_url!r}, client_id={self._cognito.client_id!r})"

    def start(self) -> str:
        """Listen on the redirect port and return the address for the browser."""
        self._listener.start()
        self._deadline = self._monotonic() + self._timeout_s
        return self._endpoints.authorization_request_url(
            client_id=self._cognito.client_id,
            redirect_uri=self._cognito.redirect_uri,
            code_challenge=self._pkce.challenge,
            state=self._state,
        )

    def wait(self, timeout_s: float | None = None) -> UserPoolTokens:
        """Wait for the browser (at most `timeout_s`, default what is left of the sign-in
        timeout), then exchange the code for tokens. Closes the listener whatever happens."""
        if self._deadline is None:
            raise RuntimeError("SignIn.wait() before start()")
        remaining_s = max(0.0, self._deadline - self._monotonic())
        try:
            callback = self._listener.wait(remaining_s if timeout_s is None else timeout_s)
        except SignInTimedOut:
            # Name the whole sign-in timeout the person was given, not the rest of it.
            raise SignInTimedOut(timed_out_message(timeout_s or self._timeout_s)) from None
        finally:
            self._listener.close()
        if callback.error:
            reason = callback.error_description or callback.error
            raise SignInFailed(f"The sign-in page reported an error: {reason} ({callback.error})")
        self._raise_if_cancelled()
        tokens = self._token_endpoint.exchange_code(
            code=callback.code,
            verifier=self._pkce.verifier,
            redirect_uri=self._cognito.redirect_uri,
        )
        # A cancel that arrived during the exchange still wins: the person asked to stop.
        self._raise_if_cancelled()
        log.info("signed in through the hosted UI")
        return tokens

    def cancel(self) -> None:
        """Stop waiting; safe from any thread (the GUI thread's Cancel button)."""
        self._cancelled.set()
        self._listener.cancel()

    def close(self) -> None:
        """Release the port without waiting (for a sign-in that was started but abandoned)."""
        self._listener.close()

    def _raise_if_cancelled(self) -> None:
        if self._cancelled.is_set():
            raise SignInCancelled("Sign-in was cancelled.")
