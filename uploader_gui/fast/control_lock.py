"""The client lock `lock/client` in the control bucket (PROTOCOL.md §3), made safe.

Upstream checks then writes, so two clients can both win; we create the lock with
`If-None-Match: *` and replace a stale or invalid one with `If-Match: <ETag seen>`, so exactly one
writer succeeds. A stale lock is taken over only after the person says so. Refreshing never
crashes the session: `LockRefresher` retries failures and gives up only when the lock is really
someone else's. The lock is deleted only when S3 says we hold it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from uploader_gui.aws.errors import (
    AWS_EXCEPTIONS,
    error_code,
    is_not_found,
    is_not_implemented,
    is_precondition_failed,
    translate,
)
from uploader_gui.core.errors import FatalError, UploaderError
from uploader_gui.core.events import Event, LockLost, WarningRaised
from uploader_gui.core.protocol.lock_status import (
    MAX_LOCK_SIZE_BYTES,
    ListedLock,
    LockCheck,
    LockHeldElsewhere,
    LockStatus,
    decode_holder,
    lock_age_s,
    locked_message,
    new_agent_id,
    status_before_read,
    status_from_body,
    takeover_question,
)
from uploader_gui.core.protocol.naming import LockWriter, lock_key
from uploader_gui.core.questions import ask
from uploader_gui.core.upload.fault_streak import FaultStreak

AskTakeover = Callable[[LockCheck], bool]
TAKE_OVER = "Take over"
STOP = "Stop"


def utc_now() -> datetime:
    return datetime.now(UTC)


class LockTakeoverDeclined(FatalError):
    """The person chose not to take over a stale or invalid lock."""


class LockLostError(FatalError):
    """Our lock now belongs to someone else: the session must stop (without deleting it)."""


class ClientLock:
    """Acquire, refresh and release one lock object, as `agent_id`."""

    def __init__(
        self,
        s3: Any,
        bucket: str,
        *,
        staleness_threshold_s: float,
        agent_id: str | None = None,
        writer: LockWriter = "client",
        now: Callable[[], datetime] = utc_now,
        max_attempts: int = 4,
    ) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._key = lock_key(writer)
        self._threshold_s = staleness_threshold_s
        self._agent_id = agent_id or new_agent_id()
        self._now = now
        self._max_attempts = max_attempts
        self._uses_conditions = True
        self._is_held = False

    @property
    def agent_id(self) -> str:
        return self._agent_id

    @property
    def key(self) -> str:
        return self._key

    @property
    def is_held(self) -> bool:
        """True between a successful acquire and a release or loss."""
        return self._is_held

    @property
    def refresh_interval_s(self) -> float:
        return self._threshold_s / 4

    @property
    def uses_conditional_writes(self) -> bool:
        """False once the store answered that it does not implement If-(None-)Match."""
        return self._uses_conditions

    def check(self, *, ignore_staleness: bool = False) -> LockCheck:
        """§3 `check_lock`, reading the holder's id even when STALE so it can be shown."""
        listed = self._listed()
        now = self._now()
        threshold = None if ignore_staleness else self._threshold_s
        status = status_before_read(listed, threshold, now)
        if listed is None:
            return LockCheck(LockStatus.UNLOCKED)
        holder = None
        if listed.size_bytes <= MAX_LOCK_SIZE_BYTES:
            body = self._body()
            if body is None:  # deleted between the listing and the GET
                return LockCheck(LockStatus.UNLOCKED)
            holder = decode_holder(body)
            if status is None:
                status = status_from_body(body, self._agent_id)
        assert status is not None
        return LockCheck(status, listed, holder, lock_age_s(listed, now))

    def acquire(self, ask_takeover: AskTakeover) -> LockCheck:
        """Take the lock; returns the check seen before writing (STALE/INVALID = taken over)."""
        for _ in range(self._max_attempts):
            check = self.check()
            if check.status is LockStatus.LOCKED:
                raise LockHeldElsewhere(locked_message(check, self._key), check, self._key)
            if check.status in (LockStatus.STALE, LockStatus.INVALID) and not ask_takeover(check):
                raise LockTakeoverDeclined(
                    f"Stopped: the lock {self._key} was not taken over. Nothing was uploaded."
                )
            if self._write(check) and self._confirm_after_write():
                self._is_held = True
                return check
        raise FatalError(
            f"could not take the lock {self._key}: it kept changing while we tried. "
            "Another uploader may be starting; try again in a minute."
        )

    def refresh(self) -> LockStatus:
        """Rewrite the lock so it stays fresh; returns the status seen before the write.

        Raises LockLostError if someone else's id is in it, and RetryableError on faults.
        """
        for _ in range(self._max_attempts):
            # Staleness is ignored: what matters is whose id is in it, not how long we were away.
            check = self.check(ignore_staleness=True)
            if check.status not in (LockStatus.HELD, LockStatus.UNLOCKED):
                self._is_held = False
                holder = check.holder_agent_id or "unreadable content"
                raise LockLostError(
                    f"The upload lock {self._key} was taken over by {holder}; this upload stops "
                    "so that two uploads never run at once."
                )
            if self._write(check):
                self._is_held = True
                return check.status
        raise FatalError(f"the lock {self._key} kept changing while it was being refreshed")

    def release(self) -> bool:
        """Delete the lock if S3 says we hold it; True if it was deleted."""
        check = self.check(ignore_staleness=True)
        self._is_held = False
        if check.status is not LockStatus.HELD:
            return False
        try:
            self._s3.delete_object(Bucket=self._bucket, Key=self._key)
        except AWS_EXCEPTIONS as exc:
            raise translate(exc, f"releasing the lock {self._key}") from exc
        return True

    def _listed(self) -> ListedLock | None:
        # Directory buckets only list real "/"-terminated prefixes, hence Prefix + Delimiter.
        kwargs: dict[str, Any] = {"Bucket": self._bucket, "Prefix": "lock/", "Delimiter": "/"}
        try:
            while True:
                page = self._s3.list_objects_v2(**kwargs)
                for item in page.get("Contents", []):
                    if item["Key"] == self._key:
                        return ListedLock(
                            self._key, int(item["Size"]), item["LastModified"], item["ETag"]
                        )
                token = page.get("NextContinuationToken")
                if not page.get("IsTruncated") or not token:
                    return None
                kwargs["ContinuationToken"] = token
        except AWS_EXCEPTIONS as exc:
            raise translate(exc, f"listing lock/ in {self._bucket}") from exc

    def _body(self) -> bytes | None:
        try:
            answer = self._s3.get_object(Bucket=self._bucket, Key=self._key)
            return bytes(answer["Body"].read())
        except AWS_EXCEPTIONS as exc:
            if is_not_found(exc):
                return None
            raise translate(exc, f"reading the lock {self._key}") from exc

    def _write(self, seen: LockCheck) -> bool:
        """Write our id, conditional on what we saw; False if someone changed it meanwhile."""
        kwargs: dict[str, Any] = {
            "Bucket": self._bucket,
            "Key": self._key,
            "Body": self._agent_id.encode("utf-8"),
        }
        if self._uses_conditions:
            if seen.status is LockStatus.UNLOCKED:
                kwargs["IfNoneMatch"] = "*"
            elif seen.etag:
                kwargs["IfMatch"] = seen.etag
        try:
            self._s3.put_object(**kwargs)
        except AWS_EXCEPTIONS as exc:
            if is_precondition_failed(exc) or error_code(exc) == "ConditionalRequestConflict":
                return False
            if is_not_implemented(exc) and self._uses_conditions:
                self._uses_conditions = False
                return self._write(seen)
            raise translate(exc, f"writing the lock {self._key}") from exc
        return True

    def _confirm_after_write(self) -> bool:
        """Without conditional writes another client may have written last: read back."""
        if self._uses_conditions:
            return True
        return self.check(ignore_staleness=True).status is LockStatus.HELD


def takeover_asker(
    emit: Callable[[Event], None],
    lock_key_name: str,
    staleness_threshold_s: float,
    *,
    timeout_s: float | None = None,
) -> AskTakeover:
    """An `ask_takeover` that asks the person through a `QuestionAsked` event (default: stop)."""

    def ask_person(check: LockCheck) -> bool:
        answer = ask(
            emit,
            question_id="lock.takeover",
            title="Take over the upload lock?",
            text=takeover_question(check, lock_key_name, staleness_threshold_s),
            choices=(TAKE_OVER, STOP),
            default_choice=STOP,
            timeout_s=timeout_s,
        )
        return answer == TAKE_OVER

    return ask_person


class LockRefresher:
    """Keeps the lock fresh every threshold/4 on its own thread; never raises into the session.

    Faults are retried with growing delays and reported as warnings. Only a lock that S3 says
    belongs to someone else ends the refresher, through `on_lost`.
    """

    def __init__(
        self,
        lock: ClientLock,
        *,
        emit: Callable[[Event], None],
        on_lost: Callable[[LockLostError], None],
        interval_s: float | None = None,
        retry_delays_s: tuple[float, ...] = (2.0, 5.0, 10.0, 30.0, 60.0),
    ) -> None:
        self._lock = lock
        self._emit = emit
        self._on_lost = on_lost
        self._interval_s = interval_s if interval_s is not None else lock.refresh_interval_s
        self._retry_delays_s = retry_delays_s
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lock-refresher", daemon=True)
        self.refresh_count = 0
        self.failure_count = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _run(self) -> None:
        delay_s = self._interval_s
        streak = FaultStreak(
            failing_text="Could not refresh the upload lock",
            recovered_text="The upload lock is being refreshed again",
            emit=self._emit,
            retry_delays_s=self._retry_delays_s,
        )
        while not self._stopped.wait(delay_s):
            try:
                seen = self._lock.refresh()
            except LockLostError as exc:
                self._emit(LockLost(self._lock.key, str(exc)))
                self._on_lost(exc)
                return
            except UploaderError as exc:  # an archive fault never ends the session; a bug does
                self.failure_count += 1
                delay_s = streak.failed(exc)
                continue
            streak.succeeded()
            self.refresh_count += 1
            delay_s = self._interval_s
            if seen is LockStatus.UNLOCKED:
                self._emit(
                    WarningRaised(
                        f"The upload lock {self._lock.key} had disappeared; it was written again"
                    )
                )
