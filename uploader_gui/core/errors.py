"""The error classes every layer speaks (DESIGN.md §4).

Adapters translate library exceptions into these; the engine decides what happens by class:
retry, fail one file, stop the session, or refuse bad input before anything is sent.
"""

from __future__ import annotations


class UploaderError(Exception):
    """Base of every error the uploader raises on purpose."""


class UserInputError(UploaderError):
    """Bad folder, index, label or settings: nothing is sent.

    The message names the file (and line or key where there is one) and says how to fix it.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line


class RetryableError(UploaderError):
    """Throttling, 5xx, a reset or timeout, an expired token: try again after a backoff."""

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class PermanentError(UploaderError):
    """One file cannot be delivered as it is (4xx, checksum mismatch, vanished or changed)."""


class FatalError(UploaderError):
    """The session cannot go on (lock lost, authorisation revoked, store unwritable)."""


class IllegalTransitionError(UploaderError):
    """A state change the transition table forbids: always a bug in the caller."""


class SignInRequired(FatalError):
    """The sign-in can no longer be renewed: pause the transfer and ask the person to sign in.

    Finished and in-flight work is kept; after a new sign-in the same credentials object resumes.
    """
