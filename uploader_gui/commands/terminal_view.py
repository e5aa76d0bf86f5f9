"""How a delivery session reads in a terminal: the headless twin's three output modes.

- `JsonLines`: one JSON object per event (`Event.to_json_dict()`), for scripts.
- `LiveStatus` (a TTY): one status line redrawn in place (files by state, bytes processed of
  the total, speed, ETA, the current problem), with lasting lines above it for what a person
  must not miss: state changes, warnings, invalid or failed files.
- `PlainLines` (not a TTY, e.g. a log file): the same lasting lines, each file's verdict, and a
  progress line every `progress_every_s`.

Views are fed on the terminal's own thread (never a worker's), so they need no locks.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TextIO

from uploader_gui.core.engine.receipt import one_line
from uploader_gui.core.engine.session_summary import SessionSummary
from uploader_gui.core.events import (
    ArchiveReachable,
    ArchiveUnreachable,
    Event,
    FileStateChanged,
    FileStatesLoaded,
    SessionCrashed,
    SessionEnded,
    SessionPlanned,
    SessionStateChanged,
    TransferProgressed,
    VerdictReceived,
    WarningRaised,
)
from uploader_gui.core.formatting import human_rate, human_size

STATUS_REDRAW_S = 0.2
PLAIN_PROGRESS_EVERY_S = 10.0
# The order counts are listed in on the status line.
_SHOWN_STATES = (
    "valid",
    "invalid",
    "failed",
    "transferring",
    "retrying",
    "pending",
    "done",
    "paused",
    "ready",
)
_STATE_WORDS = {
    "transferring": "uploading",
    "pending": "queued",
    "done": "awaiting verdict",
}


class JsonLines:
    """One event per line, as JSON."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def show(self, event: Event) -> None:
        self._out.write(json.dumps(event.to_json_dict(), default=str) + "\n")
        self._out.flush()

    def tick(self) -> None:
        pass

    def note(self, text: str) -> None:
        del text

    def close(self, summary: SessionSummary | None) -> None:
        del summary


class _Tally:
    """Files by state, kept from `FileStatesLoaded` and every `FileStateChanged`."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.progress: TransferProgressed | None = None
        self.state = ""
        self.problem = ""

    def apply(self, event: Event) -> None:
        if isinstance(event, FileStatesLoaded):
            self.counts = Counter(state for _, state in event.states)
        elif isinstance(event, FileStateChanged):
            self.counts[event.old_state] -= 1
            self.counts[event.new_state] += 1
            if event.new_state in ("retrying", "failed", "invalid") and event.reason:
                self.problem = f"{event.path}: {one_line(event.reason)}"
        elif isinstance(event, TransferProgressed):
            self.progress = event
        elif isinstance(event, SessionStateChanged):
            self.state = event.state
        elif isinstance(event, WarningRaised):
            self.problem = event.message

    def line(self) -> str:
        parts = [self.state or "starting"]
        counts = ", ".join(
            f"{self.counts[state]:,} {_STATE_WORDS.get(state, state)}"
            for state in _SHOWN_STATES
            if self.counts[state] > 0
        )
        if counts:
            parts.append(counts)
        progress = self.progress
        if progress is not None:
            parts.append(
                f"{human_size(progress.bytes_processed)} of {human_size(progress.bytes_total)}"
            )
            parts.append(human_rate(progress.rate_bytes_per_s))
            if progress.eta_s is not None and progress.bytes_processed < progress.bytes_total:
                parts.append(f"ETA {_duration(progress.eta_s)}")
        if self.problem:
            parts.append(f"last problem: {self.problem}")
        return " | ".join(parts)


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def lasting_line(event: Event) -> str | None:
    """The permanent line an event deserves in a terminal, if any."""
    if isinstance(event, SessionStateChanged):
        return f"[{event.state}] {event.detail}".rstrip()
    if isinstance(event, SessionPlanned):
        lines = [
            f"{event.files_total:,} files: {event.files_to_send:,} to send "
            f"({human_size(event.bytes_to_send)}), {event.files_valid_before:,} valid already"
        ]
        return "\n".join(lines + [f"  {note}" for note in event.notes])
    if isinstance(event, ArchiveUnreachable):
        return f"cannot reach the archive: {one_line(event.reason)}"
    if isinstance(event, ArchiveReachable):
        return f"the archive answered again after {_duration(event.offline_s)}; going on"
    if isinstance(event, WarningRaised):
        detail = f" ({event.detail})" if event.detail and event.detail not in event.message else ""
        return f"warning: {event.message}{detail}"
    if isinstance(event, FileStateChanged) and event.new_state in ("invalid", "failed"):
        return f"{event.new_state.upper()}: {event.path}: {one_line(event.reason)}"
    if isinstance(event, SessionCrashed):
        return f"BUG: {event.message}\n{event.traceback_text}"
    return None


class PlainLines:
    """Line by line, for logs: lasting lines, verdicts, and progress now and then."""

    def __init__(
        self,
        out: TextIO,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        progress_every_s: float = PLAIN_PROGRESS_EVERY_S,
    ) -> None:
        self._out = out
        self._monotonic = monotonic
        self._progress_every_s = progress_every_s
        self._tally = _Tally()
        self._last_progress_at = monotonic()

    def show(self, event: Event) -> None:
        self._tally.apply(event)
        line = lasting_line(event)
        if line is None and isinstance(event, VerdictReceived) and event.new_state == "valid":
            line = f"valid: {event.path}"
        if line is not None:
            self._print(line)

    def tick(self) -> None:
        now = self._monotonic()
        if now - self._last_progress_at >= self._progress_every_s:
            self._last_progress_at = now
            self._print(self._tally.line())

    def note(self, text: str) -> None:
        self._print(text)

    def close(self, summary: SessionSummary | None) -> None:
        for line in summary_lines(summary):
            self._print(line)

    def _print(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()


class LiveStatus(PlainLines):
    """A terminal: lasting lines scroll up, the status line is redrawn below them."""

    def __init__(
        self, out: TextIO, *, monotonic: Callable[[], float] = time.monotonic, width: int = 120
    ) -> None:
        super().__init__(out, monotonic=monotonic)
        self._width = width
        self._drawn_at = 0.0
        self._is_line_open = False

    def show(self, event: Event) -> None:
        self._tally.apply(event)
        line = lasting_line(event)
        if line is not None:
            self._print(line)
        self.tick()

    def tick(self) -> None:
        now = self._monotonic()
        if now - self._drawn_at < STATUS_REDRAW_S:
            return
        self._drawn_at = now
        status = self._tally.line()[: self._width - 1]
        self._out.write(f"\r{status:<{self._width - 1}}")
        self._out.flush()
        self._is_line_open = True

    def _print(self, text: str) -> None:
        if self._is_line_open:
            self._out.write("\r" + " " * (self._width - 1) + "\r")
            self._is_line_open = False
        super()._print(text)
        self._drawn_at = 0.0  # redraw the status line under it at the next tick


def summary_lines(summary: SessionSummary | None) -> Sequence[str]:
    """The closing words: outcome, counts, every invalid or failed file, the receipt."""
    if summary is None:
        return ["The session did not end (interrupted twice); rerun the command to resume."]
    counts = Counter({state.value: n for state, n in summary.counts.items()})
    lines = [f"{summary.outcome.value}: {summary.message}"]
    if summary.files_total:
        lines.append(
            f"{summary.files_total:,} files: {counts['valid']:,} valid, "
            f"{counts['invalid']:,} invalid, {counts['failed']:,} failed"
        )
    for path, state, reason in summary.problems:
        lines.append(f"  {state}: {path}" + (f": {one_line(reason)}" if reason else ""))
    for path in summary.receipt_paths:
        lines.append(f"receipt: {path}")
    return lines


View = JsonLines | PlainLines


def view_for(out: TextIO, *, as_json: bool, is_tty: bool) -> View:
    if as_json:
        return JsonLines(out)
    if is_tty:
        return LiveStatus(out, width=shutil.get_terminal_size((120, 24)).columns)
    return PlainLines(out)


def ended(event: Event) -> bool:
    return isinstance(event, SessionEnded)
