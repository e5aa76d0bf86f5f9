"""How past deliveries read in the window: the resume offer's line, the History view's outcome,
start, duration and "stopped 2 h ago", in the same words as the end summary where they exist.

Plain functions of a delivery's summary (`wiring.delivery_history.HistoryEntry`) and the time
now, so they are tested without a window or a clock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from uploader_gui.core.durations import duration_text
from uploader_gui.core.engine.session_states import SessionOutcome, SessionState
from uploader_gui.core.events import SessionEnded
from uploader_gui.core.formatting import count_text
from uploader_gui.ui.end_summary import outcome_text

if TYPE_CHECKING:
    from uploader_gui.wiring.delivery_history import HistoryEntry

NOT_ENDED_TEXT = "Not finished — the app closed while delivering; Resume to go on"
DISCARDED_PREFIX = "Discarded"
_FINAL_STATES = {state.value for state in SessionState if state.is_final}
_OUTCOMES = {outcome.value: outcome for outcome in SessionOutcome}


def seconds_of(iso_text: str | None) -> float | None:
    """The store's UTC ISO 8601 text as a POSIX time (None for no time or unreadable text)."""
    if not iso_text:
        return None
    try:
        moment = datetime.fromisoformat(iso_text)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def ago_text(seconds: float) -> str:
    """`just now`, `5 min ago`, `2 h ago`, `3 days ago` (coarse: when, not how long)."""
    whole = max(0, int(seconds))
    if whole < 60:
        return "just now"
    if whole < 3600:
        return f"{whole // 60} min ago"
    if whole < 2 * 86400:
        return f"{whole // 3600} h ago"
    return f"{whole // 86400} days ago"


def local_time_text(iso_text: str | None) -> str:
    """`2026-12-03 10:50` in the computer's time zone ("" for none)."""
    seconds = seconds_of(iso_text)
    if seconds is None:
        return ""
    return datetime.fromtimestamp(seconds).astimezone().strftime("%Y-%m-%d %H:%M")


def duration_of(entry: HistoryEntry) -> str:
    """How long its last session ran (`3 min 05 s`), "" when it did not record an end."""
    record = entry.summary.record
    started, ended = seconds_of(record.started_at), seconds_of(record.ended_at)
    if started is None or ended is None:
        return ""
    return duration_text(ended - started)


def _as_ended(entry: HistoryEntry) -> SessionEnded:
    """The stored delivery as the `SessionEnded` the end summary words (no message kept)."""
    summary, record = entry.summary, entry.summary.record
    outcome = _OUTCOMES.get(record.outcome)
    state = record.state if record.state in _FINAL_STATES else ""
    if not state and outcome is not None:
        state = outcome.final_state.value
    return SessionEnded(
        outcome=record.outcome,
        state=state,
        message="",
        files_total=summary.files_total,
        files_valid=summary.files_valid,
        files_invalid=summary.files_invalid,
        files_failed=summary.files_failed,
        exit_status=outcome.exit_status if outcome is not None else 0,
    )


def outcome_words(entry: HistoryEntry) -> str:
    """`Delivered — all 4 files valid`, `Stopped — Start again to resume (interrupted)`, or
    `Not finished — …` for a session that never recorded its end; `Discarded — …` first."""
    record = entry.summary.record
    words = NOT_ENDED_TEXT if not record.outcome else outcome_text(_as_ended(entry))
    return f"{DISCARDED_PREFIX} — {words}" if entry.summary.is_discarded else words


def folder_name(entry: HistoryEntry) -> str:
    root = entry.summary.record.source_root
    return Path(root).name or root


def offer_text(entry: HistoryEntry, now_s: float) -> str:
    """`demo_set from data — 1,234 of 5,000 files delivered, stopped 2 h ago`."""
    summary = entry.summary
    record = summary.record
    delivered = f"{summary.files_judged:,} of {count_text(summary.files_total, 'file')} delivered"
    problems = []
    if summary.files_invalid:
        problems.append(f"{summary.files_invalid:,} invalid")
    if summary.files_failed:
        problems.append(f"{summary.files_failed:,} failed")
    if problems:
        delivered = f"{delivered} ({', '.join(problems)})"
    last = seconds_of(summary.last_activity_at)
    when = f", stopped {ago_text(now_s - last)}" if last is not None else ""
    return f"{record.dataset} from {folder_name(entry)} — {delivered}{when}"
