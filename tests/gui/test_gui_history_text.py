"""How past deliveries read: the resume offer's line with a fixed "now", the outcome of a
session that never recorded its end or was discarded, and "stopped … ago"."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

import pytest

from uploader_gui.core.engine.file_states import FileState
from uploader_gui.store.delivery_history import DeliverySummary
from uploader_gui.store.records import DeliveryRecord
from uploader_gui.ui.history_text import ago_text, offer_text, outcome_words, seconds_of
from uploader_gui.wiring.delivery_history import HistoryEntry

STOPPED_AT = "2026-12-03T08:50:00.000+00:00"


def entry(outcome: str = "", state: str = "transferring", **counts: int) -> HistoryEntry:
    record = DeliveryRecord(
        1, "Local archive", "demo_set", "0001", "staging", "/data/run1", "/l.yaml", "", "a",
        state, outcome, STOPPED_AT, STOPPED_AT, STOPPED_AT if outcome else None,
    )  # fmt: skip
    by_state = MappingProxyType({FileState(name): n for name, n in counts.items()})
    return HistoryEntry(DeliverySummary(record, by_state, STOPPED_AT), is_resumable=True)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "just now"), (59, "just now"), (60, "1 min ago"), (7200, "2 h ago"),
     (47 * 3600, "47 h ago"), (3 * 86400, "3 days ago"), (-5, "just now")],
)  # fmt: skip
def test_ago_is_coarse(seconds: float, text: str) -> None:
    assert ago_text(seconds) == text


def test_the_offer_counts_delivered_files_and_says_when_it_stopped() -> None:
    now = (seconds_of(STOPPED_AT) or 0) + 2 * 3600 + 5
    text = offer_text(entry(valid=1_230, invalid=4, failed=2, ready=3_764), now)
    assert text == (
        "demo_set from run1 — 1,234 of 5,000 files delivered (4 invalid, 2 failed), stopped 2 h ago"
    )


def test_a_session_killed_before_its_end_reads_as_not_finished() -> None:
    assert outcome_words(entry(valid=1, ready=1)).startswith("Not finished — the app closed")


def test_ended_sessions_use_the_end_summarys_words_and_discarded_says_so_first() -> None:
    stopped = entry("interrupted", "stopped", valid=1, ready=1)
    assert outcome_words(stopped) == "Stopped — Start again to resume (interrupted)"
    done = entry("finished with invalid or failed files", "complete", valid=1, failed=1)
    assert outcome_words(done) == "Delivered with 1 failed file"
    record = replace(stopped.summary.record, discarded_at=STOPPED_AT)
    discarded = replace(stopped, summary=replace(stopped.summary, record=record))
    assert outcome_words(discarded) == "Discarded — Stopped — Start again to resume (interrupted)"
