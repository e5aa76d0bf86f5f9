"""How the validator reads the client log: upstream's `ValidationState.update` (PROTOCOL.md §8.3).

Each call gets the rows of one chunk (everything read since the previous call) and updates the
client status, the timeout clock and the per-file states. Inputs that crash upstream (§8.4) raise
`ClientProtocolViolation` carrying the offending row text, so the pipeline crashes as upstream
would and the sandbox can say exactly which row a client got wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from dateutil import parser as date_parser

from uploader_gui.core.protocol.log_rows import (
    FIELD_NAMES,
    LogFormatError,
    LogRow,
    MalformedRow,
    parse_rows,
    parse_rows_strict,
)
from uploader_gui.sandbox.validation_index import ServerIndex

TERMINAL_CLIENT_STATUSES = frozenset({"quit", "done", "crashed", "missing"})
# A keepalive-only chunk in one of these states crashes upstream (BadConditionError).
_STOPPED_CLIENT_STATUSES = frozenset({"quit", "done", "crashed"})
_FORBIDDEN_AFTER_COMPLETION = frozenset({"transfer", "initialization", "start"})


class ClientProtocolViolation(Exception):
    """A client input upstream's validator crashes on; `row_text` is the offending row."""

    def __init__(self, reason: str, row_text: str) -> None:
        super().__init__(f"{reason}: {row_text!r}")
        self.reason = reason
        self.row_text = row_text


def row_text(row: LogRow) -> str:
    """The row as the TSV fields it was read from (for error messages)."""
    return "\t".join(getattr(row, name) for name in FIELD_NAMES)


def parse_client_chunk(text: str) -> list[LogRow]:
    """Parse a chunk as strictly as upstream's reader; the violation names the first bad row."""
    try:
        return parse_rows_strict(text)
    except LogFormatError as exc:
        if "\r" in text:  # upstream's pandas reader takes a bare \r as a line break
            line = next(line for line in text.split("\n") if "\r" in line)
            raise ClientProtocolViolation("carriage return in a client log row", line) from exc
        bad = next((item for item in parse_rows(text) if isinstance(item, MalformedRow)), None)
        raw = bad.raw if bad else text
        reason = bad.reason if bad else str(exc)
        raise ClientProtocolViolation(f"malformed client log chunk: {reason}", raw) from exc


def parse_row_time(text: str) -> datetime | None:
    """The row time as upstream's dateutil reads it; None where dateutil gives up."""
    try:
        moment: datetime = date_parser.parse(text)
    except (ValueError, OverflowError):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@dataclass
class FileState:
    path: str
    # waiting -> queued -> validated; `skipped` for rows with will_transfer=False.
    status: str
    n_fail: int = 0


class ValidationState:
    """Client status, timeout clock and per-file states of one validator session."""

    def __init__(
        self,
        index: ServerIndex,
        *,
        missing_timeout_s: float,
        reproduce_keepalive_quirk: bool = True,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.files = {
            path: FileState(path, "waiting" if row.will_transfer else "skipped")
            for path, row in index.rows.items()
        }
        self.n_expected_files = index.n_expected_files
        self.n_completed = 0
        self.n_failures = 0
        self.wrong_files: list[str] = []
        self.client_status = "waiting"
        self._missing_timeout_s = missing_timeout_s
        self._reproduce_keepalive_quirk = reproduce_keepalive_quirk
        self._now = now
        self.last_time = now()

    @property
    def is_transfer_complete(self) -> bool:
        return self.n_completed >= self.n_expected_files

    @property
    def is_client_finished(self) -> bool:
        return self.client_status in TERMINAL_CLIENT_STATUSES

    def update(self, rows: Sequence[LogRow]) -> list[LogRow]:
        """Apply one chunk; returns its `transfer ok` rows, to be queued for validation."""
        if not rows:
            self._check_timeout()
            return []
        if all(row.category == "keepalive" for row in rows):
            self._apply_keepalives(rows)
            return []
        if not self.is_client_finished:
            self.client_status = "working"
        self.last_time = self._chunk_time(rows)
        if self.is_transfer_complete:
            for row in rows:
                if row.category in _FORBIDDEN_AFTER_COMPLETION:
                    raise ClientProtocolViolation(
                        f"{row.category!r} row after all {self.n_expected_files} expected "
                        "files were validated",
                        row_text(row),
                    )
        self._apply_shutdown_rows(rows)
        return self._apply_transfer_rows(rows)

    def queue_validation(self, ok_rows: Sequence[LogRow]) -> list[str]:
        """Mark the reported paths queued; raises where upstream's `queue_validation` raises."""
        batch: list[str] = []
        in_batch: set[str] = set()  # a 10,000-row chunk must not cost 10,000² comparisons
        for row in ok_rows:
            state = self.files[row.ref]
            if row.ref in in_batch:
                raise ClientProtocolViolation(
                    f"duplicate 'transfer ok' for {row.ref!r} in one chunk", row_text(row)
                )
            if state.status == "queued":
                raise ClientProtocolViolation(
                    f"'transfer ok' for {row.ref!r}, which is already queued for validation",
                    row_text(row),
                )
            if state.status != "waiting":
                raise ClientProtocolViolation(_not_waiting_reason(state), row_text(row))
            batch.append(row.ref)
            in_batch.add(row.ref)
        for path in batch:
            self.files[path].status = "queued"
        return batch

    def record_verdict(self, path: str, status: str) -> None:
        self.files[path].status = "validated"
        self.n_completed += 1
        if status != "ok":
            self.n_failures += 1

    def _apply_keepalives(self, rows: Sequence[LogRow]) -> None:
        if self.client_status in _STOPPED_CLIENT_STATUSES:
            raise ClientProtocolViolation(
                f"keepalive after the client's stop (client status {self.client_status})",
                row_text(rows[0]),
            )
        if not self._reproduce_keepalive_quirk:
            moment = parse_row_time(rows[-1].time)
            if moment is not None:
                self.last_time = moment

    def _chunk_time(self, rows: Sequence[LogRow]) -> datetime:
        moment = parse_row_time(rows[-1].time)
        if moment is None:
            raise ClientProtocolViolation(
                "unparseable time in the last row of a chunk", row_text(rows[-1])
            )
        return moment

    def _apply_shutdown_rows(self, rows: Sequence[LogRow]) -> None:
        stop_indexes = [n for n, row in enumerate(rows) if row.category == "stop"]
        if len(stop_indexes) > 1:
            raise ClientProtocolViolation(
                "more than one 'stop' row in one chunk", row_text(rows[stop_indexes[1]])
            )
        if stop_indexes:
            # Upstream crashes on a keepalive after the stop only if it lands in a later chunk;
            # flagging it in the same chunk too makes a bad client fail deterministically.
            for row in rows[stop_indexes[0] + 1 :]:
                if row.category == "keepalive":
                    reason = "keepalive after the client's stop"
                    raise ClientProtocolViolation(reason, row_text(row))
        is_crash = any(
            row.category == "shutdown" and row.status in ("error", "failure") for row in rows
        )
        if is_crash:
            self.client_status = "crashed"
        elif stop_indexes:
            self.client_status = "done" if self.is_transfer_complete else "quit"
        elif any(row.category == "shutdown" and row.status == "ok" for row in rows):
            self.client_status = "shutting_down"

    def _apply_transfer_rows(self, rows: Sequence[LogRow]) -> list[LogRow]:
        ok_rows: list[LogRow] = []
        for row in rows:
            if row.category != "transfer":
                continue
            state = self.files.get(row.ref)
            if state is None:
                self.wrong_files.append(row.ref)
                self.n_failures += 1
            elif row.status in ("error", "failure"):
                state.n_fail += 1
                self.n_failures += 1
            elif row.status == "ok":
                ok_rows.append(row)
        return ok_rows

    def _check_timeout(self) -> None:
        if self.is_client_finished:
            return
        elapsed_s = (self._now() - self.last_time).total_seconds()
        # Upstream also has a 480 s `transfer_timeout` branch, tested after this one and so
        # unreachable (§8.3); it is left out.
        if elapsed_s > self._missing_timeout_s:
            self.client_status = "missing"


def _not_waiting_reason(state: FileState) -> str:
    if state.status == "skipped":
        return f"'transfer ok' for {state.path!r}, which the index marks will_transfer=False"
    return f"'transfer ok' for {state.path!r}, which was already validated in this session"
