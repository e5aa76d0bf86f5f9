"""One S3 request of the data plane: errors classified, expired credentials renewed and the
request sent again, and local failures inside a request body told apart from network ones.

botocore runs with one attempt per call (`transfer_clients`): every retry is the engine's, with
backoff, persisted attempts and a reason on screen. The one exception is expired credentials:
the same request is sent again after a refresh, at most `MAX_REFRESHES_PER_REQUEST` times, and
that never counts as a failed attempt. A refresh is shared: when several workers hit the expiry
together, one of them renews and the others just resend.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from uploader_gui.aws.errors import AWS_EXCEPTIONS, ExpiredCredentialsError, translate
from uploader_gui.core.errors import FatalError, RetryableError, SignInRequired
from uploader_gui.transfer.source_reading import RequestBody

MAX_REFRESHES_PER_REQUEST = 3

T = TypeVar("T")


class CredentialsRefresher:
    """Calls the credentials provider's refresh hook once per expiry, however many workers
    noticed it. Without a hook (static keys), an expiry means signing in again."""

    def __init__(self, refresh: Callable[[], None] | None = None) -> None:
        self._refresh = refresh
        self._lock = threading.Lock()
        self.generation = 0

    def refresh(self, seen_generation: int) -> None:
        """Renew the credentials unless someone did since `seen_generation` was read."""
        if self._refresh is None:
            raise SignInRequired(
                "The archive's credentials expired and cannot be renewed from here; sign in "
                "again to continue (finished parts are kept)."
            )
        with self._lock:
            if self.generation != seen_generation:
                return
            try:
                self._refresh()
            except FatalError:
                raise
            except Exception as exc:
                raise RetryableError(f"renewing the archive's credentials failed: {exc}") from exc
            self.generation += 1


def with_fresh_credentials(refresher: CredentialsRefresher, request: Callable[[], T]) -> T:
    """`request()`, sent again after a credentials refresh each time they had expired."""
    for _ in range(MAX_REFRESHES_PER_REQUEST):
        generation = refresher.generation
        try:
            return request()
        except ExpiredCredentialsError:
            refresher.refresh(generation)
    try:
        return request()
    except ExpiredCredentialsError as exc:
        raise SignInRequired(
            f"{exc}; renewing them {MAX_REFRESHES_PER_REQUEST} times did not help. Check the "
            "computer's clock, then sign in again (finished parts are kept)."
        ) from exc


def call(what: str, operation: Callable[..., Any], **parameters: Any) -> Any:
    """`operation(**parameters)` with its botocore errors classified as doing `what`."""
    try:
        return operation(**parameters)
    except AWS_EXCEPTIONS as exc:
        raise translate(exc, what) from exc


def send(what: str, body: RequestBody, operation: Callable[..., Any], **parameters: Any) -> Any:
    """`operation(Body=body, ...)` from the body's start; a local failure inside the body (a
    read error, a cancel) is raised as itself rather than as botocore's wrapper of it."""
    body.seek(0)
    body.failure = None
    try:
        return operation(Body=body, **parameters)
    except Exception as exc:
        if body.failure is not None:
            raise body.failure from exc
        if isinstance(exc, AWS_EXCEPTIONS):
            raise translate(exc, what) from exc
        raise
