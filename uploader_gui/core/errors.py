"""The error classes every layer speaks (DESIGN.md §4), in two families kept apart.

`UploaderError` and its subclasses are the environment's doing (the network, the archive, the
disk, the person's input). Adapters translate library exceptions into these; the engine decides
what happens by class: retry, fail one file, stop the session, or refuse bad input before
anything is sent. `UploaderBug` and anything else that is not an `UploaderError` are our own
mistakes: the session ends as *crashed*, with the traceback for a report, never as an ordinary
failed delivery (as qutebrowser keeps "the environment's fault" apart from "our bug").
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


class ArchiveUnreachableError(RetryableError):
    """The archive did not answer at all (refused, reset, DNS, TLS handshake, timeout): the
    network or the archive is away, which is nobody's file's fault. The transfer waits for the
    network instead of spending the file's attempts (issue 12)."""


class PermanentError(UploaderError):
    """One file cannot be delivered as it is (4xx, checksum mismatch, vanished or changed)."""


class FatalError(UploaderError):
    """The session cannot go on (lock lost, authorisation revoked, store unwritable)."""


class UploaderBug(Exception):
    """Base of the errors that can only be a bug in this program, never the environment's."""


class IllegalTransitionError(UploaderBug):
    """A state change the transition table forbids: always a bug in the caller."""


class BugReported(UploaderBug):
    """A bug on another thread (a transfer worker, a background duty), reported to the engine.

    `traceback_text` is the original exception's traceback, for the crash report.
    """

    def __init__(self, message: str, traceback_text: str) -> None:
        super().__init__(message)
        self.traceback_text = traceback_text


class SignInRequired(FatalError):
    """The sign-in can no longer be renewed: pause the transfer and ask the person to sign in.

    Finished and in-flight work is kept; after a new sign-in the same credentials object resumes.
    """
