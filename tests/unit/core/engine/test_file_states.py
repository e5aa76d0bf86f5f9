"""The file state machine: the transition table, the §6.3 verdict rules and FileTracker."""

from __future__ import annotations

import itertools
import threading

import pytest

from uploader_gui.core.engine.file_states import (
    ALLOWED_TRANSITIONS,
    DOUBLE_VALIDATION_MESSAGE,
    MAX_TRANSFER_FAILURES,
    PREMATURE_VERDICT_MESSAGE,
    FileState,
    FileTracker,
    VerdictOutcome,
    apply_verdict,
    check_transition,
    has_exceeded_failure_limit,
)
from uploader_gui.core.errors import FatalError, IllegalTransitionError
from uploader_gui.core.events import Event, FileStateChanged, VerdictReceived, WarningRaised

S = FileState
LEGAL = sorted((old, new) for old, targets in ALLOWED_TRANSITIONS.items() for new in targets)
ILLEGAL = sorted(
    (old, new) for old, new in itertools.product(FileState, FileState) if (old, new) not in LEGAL
)
NOT_YET_UPLOADED = [S.HASHING, S.READY, S.PENDING, S.TRANSFERRING, S.RETRYING, S.PAUSED, S.FAILED]


def pair_id(pair: tuple[FileState, FileState]) -> str:
    return f"{pair[0].value}->{pair[1].value}"


class RecordingSink:
    """The simplest honest FileStateSink: a list of what was saved, optionally failing."""

    def __init__(self, events: list[object] | None = None) -> None:
        self.saved: list[tuple[str, FileState, str]] = []
        self.log = events if events is not None else []
        self.failure: Exception | None = None

    def record_file_state(self, path: str, state: FileState, reason: str) -> None:
        if self.failure is not None:
            raise self.failure
        self.saved.append((path, state, reason))
        self.log.append(("saved", path, state))


def make_tracker(
    files: dict[str, FileState],
) -> tuple[FileTracker, RecordingSink, list[object]]:
    log: list[object] = []
    sink = RecordingSink(log)
    tracker = FileTracker(sink, log.append)
    tracker.track(files.items())
    return tracker, sink, log


def emitted(log: list[object]) -> list[Event]:
    return [entry for entry in log if isinstance(entry, Event)]


# --- the table -----------------------------------------------------------------------------


def test_every_state_has_a_row_and_a_label() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(FileState)
    assert {state.label for state in FileState} == {
        "ready", "queued", "uploading", "uploaded", "failed", "valid", "invalid",
        "hashing", "retrying", "paused",
    }  # fmt: skip
    assert S.PENDING.label == "queued"
    assert S.TRANSFERRING.label == "uploading"
    assert S.DONE.label == "uploaded"


def test_fast_states_are_upstreams_seven() -> None:
    upstream = {"ready", "pending", "transferring", "done", "failed", "valid", "invalid"}
    assert {state.fast_state for state in FileState} == upstream
    assert S.PAUSED.fast_state == "ready"
    assert S.RETRYING.fast_state == "failed"


@pytest.mark.parametrize("pair", LEGAL, ids=pair_id)
def test_legal_transition_passes(pair: tuple[FileState, FileState]) -> None:
    check_transition(*pair)


@pytest.mark.parametrize("pair", ILLEGAL, ids=pair_id)
def test_illegal_transition_raises_naming_both_states(pair: tuple[FileState, FileState]) -> None:
    old, new = pair
    with pytest.raises(IllegalTransitionError) as raised:
        check_transition(old, new, path="raw/a.fits")
    message = str(raised.value)
    assert f"{old.value} → {new.value}" in message
    assert "raw/a.fits" in message


@pytest.mark.parametrize(
    "pair",
    [
        (S.HASHING, S.READY),
        (S.READY, S.PENDING),
        (S.PENDING, S.TRANSFERRING),
        (S.TRANSFERRING, S.DONE),
        (S.DONE, S.VALID),
        (S.DONE, S.INVALID),
        (S.PENDING, S.READY),  # cancel
        (S.TRANSFERRING, S.READY),  # cancel discards
        (S.TRANSFERRING, S.PAUSED),  # pause keeps
        (S.PAUSED, S.PENDING),  # resume
        (S.TRANSFERRING, S.RETRYING),
        (S.RETRYING, S.PENDING),
        (S.FAILED, S.PENDING),  # retry failed files
        (S.READY, S.VALID),  # found valid on resume
        (S.INVALID, S.INVALID),  # double verdict
    ],
    ids=pair_id,
)
def test_the_journeys_people_rely_on_are_legal(pair: tuple[FileState, FileState]) -> None:
    assert pair in LEGAL


@pytest.mark.parametrize(
    "pair",
    [(S.READY, S.DONE), (S.HASHING, S.PENDING), (S.VALID, S.VALID), (S.DONE, S.FAILED)],
    ids=pair_id,
)
def test_shortcuts_that_would_hide_a_bug_are_illegal(pair: tuple[FileState, FileState]) -> None:
    assert pair in ILLEGAL


# --- verdicts (PROTOCOL.md §6.3) -----------------------------------------------------------


def test_ok_verdict_for_uploaded_file_makes_it_valid() -> None:
    assert apply_verdict(S.DONE, "ok", "") == VerdictOutcome(S.VALID, "", is_failure=False)


@pytest.mark.parametrize("status", ["failure", "error"])
def test_other_verdict_for_uploaded_file_makes_it_invalid_with_the_rows_message(
    status: str,
) -> None:
    outcome = apply_verdict(S.DONE, status, "incorrect crc32 checksum: expected A, got B")
    assert outcome == VerdictOutcome(
        S.INVALID, "incorrect crc32 checksum: expected A, got B", is_failure=True
    )


def test_failed_verdict_without_a_message_still_gives_a_reason() -> None:
    assert apply_verdict(S.DONE, "error", "").message == "validator reported error"


@pytest.mark.parametrize("state", [S.VALID, S.INVALID])
@pytest.mark.parametrize("status", ["ok", "failure"])
def test_second_verdict_is_improper_double_validation(state: FileState, status: str) -> None:
    outcome = apply_verdict(state, status, "whatever")
    assert outcome == VerdictOutcome(S.INVALID, DOUBLE_VALIDATION_MESSAGE, is_failure=True)


@pytest.mark.parametrize("state", NOT_YET_UPLOADED)
@pytest.mark.parametrize("status", ["ok", "failure"])
def test_verdict_before_upload_finished_is_premature(state: FileState, status: str) -> None:
    outcome = apply_verdict(state, status, "")
    assert outcome == VerdictOutcome(S.INVALID, PREMATURE_VERDICT_MESSAGE, is_failure=True)


@pytest.mark.parametrize("state", list(FileState))
@pytest.mark.parametrize("status", ["ok", "failure", "error"])
def test_every_verdict_outcome_is_a_legal_transition(state: FileState, status: str) -> None:
    check_transition(state, apply_verdict(state, status, "m").new_state)


def test_failure_limit_is_exceeded_at_the_eleventh_failure() -> None:
    assert MAX_TRANSFER_FAILURES == 10
    assert not has_exceeded_failure_limit(10)
    assert has_exceeded_failure_limit(11)


# --- FileTracker ---------------------------------------------------------------------------


def test_transition_saves_then_emits_and_returns_the_old_state() -> None:
    tracker, sink, log = make_tracker({"a": S.READY})
    assert tracker.transition("a", S.PENDING, reason="queued by user") == S.READY
    assert tracker.state("a") == S.PENDING
    assert log == [
        ("saved", "a", S.PENDING),
        FileStateChanged("a", "ready", "pending", "queued by user"),
    ]
    assert sink.saved == [("a", S.PENDING, "queued by user")]


def test_event_carries_plain_strings_for_json() -> None:
    tracker, _, log = make_tracker({"a": S.READY})
    tracker.transition("a", S.PENDING)
    assert emitted(log)[0].to_json_dict() == {
        "event": "FileStateChanged",
        "path": "a",
        "old_state": "ready",
        "new_state": "pending",
        "reason": "",
    }


def test_illegal_transition_saves_nothing_and_emits_nothing() -> None:
    tracker, sink, log = make_tracker({"a": S.READY})
    with pytest.raises(IllegalTransitionError, match="ready → done"):
        tracker.transition("a", S.DONE)
    assert tracker.state("a") == S.READY
    assert sink.saved == []
    assert log == []


def test_failed_save_changes_nothing_in_memory_and_emits_nothing() -> None:
    tracker, sink, log = make_tracker({"a": S.READY})
    sink.failure = FatalError("state store full")
    with pytest.raises(FatalError):
        tracker.transition("a", S.PENDING)
    assert tracker.state("a") == S.READY
    assert tracker.count_by_state() == {S.READY: 1}
    assert log == []


def test_untracked_path_is_a_bug() -> None:
    tracker, sink, _ = make_tracker({})
    with pytest.raises(KeyError, match="not a file of this delivery"):
        tracker.transition("ghost", S.PENDING)
    assert sink.saved == []


def test_verdict_is_saved_then_announced_once_with_the_readable_reason() -> None:
    tracker, sink, log = make_tracker({"a": S.DONE, "b": S.DONE})
    report = "HDU 1:\n  BUNIT: not a unit\n"
    outcome = tracker.apply_verdict("a", "failure", report)
    assert outcome == VerdictOutcome(S.INVALID, report, is_failure=True)
    tracker.apply_verdict("b", "ok", "")
    assert emitted(log) == [
        VerdictReceived(
            path="a",
            old_state="done",
            new_state="invalid",
            reason="HDU 1:\n  BUNIT: not a unit",
            status="failure",
            message=report,
        ),
        VerdictReceived(
            path="b", old_state="done", new_state="valid", reason="", status="ok", message=""
        ),
    ]
    # One event per verdict, and it is a state change for everything that counts states.
    assert all(isinstance(event, FileStateChanged) for event in emitted(log))
    assert sink.saved == [("a", S.INVALID, report), ("b", S.VALID, "")]
    assert tracker.failure_count == 1


def test_verdict_for_unknown_path_warns_and_changes_nothing() -> None:
    tracker, sink, log = make_tracker({"a": S.DONE})
    assert tracker.apply_verdict("raw/stray.fits", "ok", "") is None
    (warning,) = emitted(log)
    assert isinstance(warning, WarningRaised)
    assert "raw/stray.fits" in warning.message
    assert sink.saved == []
    assert tracker.state("a") == S.DONE
    assert tracker.failure_count == 0


def test_ok_verdict_does_not_count_as_failure() -> None:
    tracker, _, _ = make_tracker({"a": S.DONE})
    tracker.apply_verdict("a", "ok", "")
    assert tracker.state("a") == S.VALID
    assert tracker.failure_count == 0


def test_eleven_bad_verdicts_exceed_the_limit_ten_do_not() -> None:
    files = {f"f{n}": S.DONE for n in range(11)}
    tracker, _, _ = make_tracker(files)
    for path in list(files)[:10]:
        tracker.apply_verdict(path, "failure", "bad")
    assert not tracker.has_exceeded_failure_limit
    tracker.apply_verdict("f10", "failure", "bad")
    assert tracker.failure_count == 11
    assert tracker.has_exceeded_failure_limit


def test_double_and_premature_verdicts_count_as_failures() -> None:
    tracker, _, _ = make_tracker({"judged": S.DONE, "early": S.TRANSFERRING})
    tracker.apply_verdict("judged", "ok", "")
    tracker.apply_verdict("judged", "ok", "")
    tracker.apply_verdict("early", "ok", "")
    assert tracker.state("judged") == S.INVALID
    assert tracker.state("early") == S.INVALID
    assert tracker.failure_count == 2


def test_counts_and_paths_follow_transitions() -> None:
    tracker, _, _ = make_tracker({"a": S.READY, "b": S.READY, "c": S.HASHING})
    tracker.transition("b", S.PENDING)
    assert tracker.count_by_state() == {S.READY: 1, S.PENDING: 1, S.HASHING: 1}
    assert tracker.paths_in(S.READY) == ["a"]
    assert len(tracker) == 3
    assert "c" in tracker
    assert "z" not in tracker


def test_tracking_again_replaces_a_state_without_double_counting() -> None:
    tracker, sink, log = make_tracker({"a": S.READY})
    tracker.track([("a", S.VALID)])
    assert tracker.count_by_state() == {S.VALID: 1}
    assert sink.saved == []
    assert log == []


def test_workers_on_many_threads_leave_consistent_counts() -> None:
    paths = [f"f{n}" for n in range(400)]
    tracker, sink, log = make_tracker(dict.fromkeys(paths, S.READY))

    def upload(chunk: list[str]) -> None:
        for path in chunk:
            for state in (S.PENDING, S.TRANSFERRING, S.DONE):
                tracker.transition(path, state)

    threads = [threading.Thread(target=upload, args=(paths[n::4],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert tracker.count_by_state() == {S.DONE: 400}
    assert len(sink.saved) == 1200
    assert len(emitted(log)) == 1200
