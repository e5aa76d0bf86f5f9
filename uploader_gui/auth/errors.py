"""Why a sign-in did not happen, in words a person can act on.

Every class here is a `FatalError`: the session cannot start (or go on) without a sign-in. The
renewal failure the engine pauses on is `core.errors.SignInRequired`, re-exported here. No message
ever contains a token, a code or a credential.
"""

from __future__ import annotations

from uploader_gui.core.errors import FatalError, SignInRequired

__all__ = [
    "NotAuthorisedForDelivery",
    "RedirectPortBusy",
    "SignInCancelled",
    "SignInFailed",
    "SignInRequired",
    "SignInTimedOut",
    "TokenRejected",
]


class SignInFailed(FatalError):
    """The browser sign-in or the token exchange did not produce tokens."""


class SignInCancelled(SignInFailed):
    """The person cancelled the sign-in (button, Ctrl-C)."""


class SignInTimedOut(SignInFailed):
    """The browser never came back to the redirect address in time."""


class RedirectPortBusy(SignInFailed):
    """Another program listens on the redirect port the archive registered for this app."""


class TokenRejected(SignInFailed):
    """The token endpoint refused a code or a refresh token (`invalid_grant` and friends)."""

    def __init__(self, message: str, *, error_code: str = "") -> None:
        super().__init__(message)
        self.error_code = error_code


class NotAuthorisedForDelivery(FatalError):
    """The account has no (or more than one) role for the delivery it wants to upload."""
