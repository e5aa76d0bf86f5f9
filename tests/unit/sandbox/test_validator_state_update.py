"""`ValidationState.update` semantics (PROTOCOL.md §8.3), with a fake clock and built rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from uploader_gui.core.protocol.log_rows import LogRow, parse_rows_strict
from uploader_gui.sandbox.validation_index import IndexRow, ServerIndex
from uploader_gui.sandbox.validation_state import (
    ClientProtocolViolation,
    ValidationState,
    parse_client_chunk,
)

START = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
MISSING_TIMEOUT_S = 240.0


class FakeClock:
    def __init__(self) -> None:
        self.moment = START

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


def index(**will_transfer: bool) -> ServerIndex:
    return ServerIndex(
        rows={path: IndexRow(path, None, flag, "images") for path, flag in will_transfer.items()}
    )


def row(category: str, ref: str = "self", status: str = "ok", *, at_s: float = 0.0) -> LogRow:
    moment = START + timedelta(seconds=at_s)
    time_text = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return LogRow(time_text, category, ref, status, "", "clientagent")


def make_state(
    clock: FakeClock, *, quirk: bool = True, files: ServerIndex | None = None
) -> ValidationState:
    return ValidationState(
        files or index(a=True, b=True),
        missing_timeout_s=MISSING_TIMEOUT_S,
        reproduce_keepalive_quirk=quirk,
        now=clock,
    )


def test_transfer_ok_rows_are_returned_and_queued() -> None:
    state = make_state(FakeClock())
    ok_rows = state.update([row("init"), row("transfer", "a"), row("transfer", "b", "error")])
    assert [r.ref for r in ok_rows] == ["a"]
    assert state.queue_validation(ok_rows) == ["a"]
    assert state.client_status == "working"
    assert state.files["b"].n_fail == 1
    assert state.n_failures == 1


def test_unknown_ref_is_a_wrong_file_not_a_crash() -> None:
    state = make_state(FakeClock())
    assert state.update([row("transfer", "stray.fits")]) == []
    assert state.wrong_files == ["stray.fits"]


def test_stop_before_completion_is_quit_and_after_is_done() -> None:
    state = make_state(FakeClock(), files=index(a=True))
    state.update([row("stop")])
    assert state.client_status == "quit"
    done = make_state(FakeClock(), files=index(a=True))
    done.queue_validation(done.update([row("transfer", "a")]))
    done.record_verdict("a", "ok")
    done.update([row("stop")])
    assert done.client_status == "done"


def test_client_shutdown_error_means_crashed_and_ok_means_shutting_down() -> None:
    crashed = make_state(FakeClock())
    crashed.update([row("shutdown", status="error")])
    assert crashed.client_status == "crashed"
    closing = make_state(FakeClock())
    closing.update([row("shutdown")])
    assert closing.client_status == "shutting_down"


def test_keepalive_only_traffic_lets_the_client_go_missing_with_the_quirk() -> None:
    clock = FakeClock()
    state = make_state(clock)
    state.update([row("init")])
    for second in range(10, 300, 10):
        clock.advance(10)
        state.update([row("keepalive", at_s=second)])
        state.update([])
    assert state.client_status == "missing"


def test_keepalives_refresh_the_clock_when_the_quirk_is_off() -> None:
    clock = FakeClock()
    state = make_state(clock, quirk=False)
    state.update([row("init")])
    for second in range(10, 300, 10):
        clock.advance(10)
        state.update([row("keepalive", at_s=second)])
        state.update([])
    assert state.client_status == "working"


def test_heartbeat_rows_keep_the_client_working() -> None:
    clock = FakeClock()
    state = make_state(clock)
    for second in range(0, 600, 60):
        clock.advance(60)
        state.update([row("client", at_s=second + 60)])
        state.update([])
    assert state.client_status == "working"


def test_silence_past_the_timeout_is_missing() -> None:
    clock = FakeClock()
    state = make_state(clock)
    state.update([row("init")])
    clock.advance(MISSING_TIMEOUT_S - 1)
    state.update([])
    assert state.client_status == "working"
    clock.advance(2)
    state.update([])
    assert state.client_status == "missing"


def violation(state: ValidationState, *chunks: list[LogRow]) -> ClientProtocolViolation:
    for chunk in chunks[:-1]:
        state.queue_validation(state.update(chunk))
    with pytest.raises(ClientProtocolViolation) as caught:
        state.queue_validation(state.update(chunks[-1]))
    return caught.value


def test_duplicate_transfer_ok_in_one_chunk_crashes() -> None:
    caught = violation(make_state(FakeClock()), [row("transfer", "a"), row("transfer", "a")])
    assert "duplicate 'transfer ok' for 'a'" in caught.reason
    assert "\ttransfer\ta\tok\t" in caught.row_text


def test_transfer_ok_while_queued_crashes() -> None:
    caught = violation(make_state(FakeClock()), [row("transfer", "a")], [row("transfer", "a")])
    assert "already queued" in caught.reason


def test_transfer_ok_after_validation_crashes() -> None:
    state = make_state(FakeClock())
    state.queue_validation(state.update([row("transfer", "a")]))
    state.record_verdict("a", "failure")
    assert "already validated" in violation(state, [row("transfer", "a")]).reason


def test_transfer_ok_for_will_transfer_false_crashes() -> None:
    state = make_state(FakeClock(), files=index(a=True, b=False))
    assert "will_transfer=False" in violation(state, [row("transfer", "b")]).reason


def test_two_stops_in_one_chunk_crash() -> None:
    caught = violation(make_state(FakeClock()), [row("stop"), row("stop")])
    assert "more than one 'stop'" in caught.reason


def test_keepalive_after_stop_crashes_in_a_later_chunk_and_in_the_same_one() -> None:
    later = violation(make_state(FakeClock()), [row("stop")], [row("keepalive")])
    assert "keepalive after the client's stop" in later.reason
    same = violation(make_state(FakeClock()), [row("stop"), row("keepalive")])
    assert "keepalive after the client's stop" in same.reason


def test_transfer_after_completion_crashes() -> None:
    state = make_state(FakeClock(), files=index(a=True))
    state.queue_validation(state.update([row("transfer", "a")]))
    state.record_verdict("a", "ok")
    caught = violation(state, [row("transfer", "a", "error")])
    assert "after all 1 expected files were validated" in caught.reason


def test_unparseable_time_in_last_row_crashes() -> None:
    (bad,) = parse_rows_strict("2026-01-01T00:00:00+00:Z\tinit\tself\tok\t\tclientagent\n")
    caught = violation(make_state(FakeClock()), [bad])
    assert "unparseable time" in caught.reason
    assert caught.row_text.startswith("2026-01-01T00:00:00+00:Z\tinit")


def test_unparseable_time_in_a_keepalive_only_chunk_is_ignored_as_upstream() -> None:
    (bad,) = parse_rows_strict("2026-01-01T00:00:00+00:Z\tkeepalive\tself\tok\t\tclientagent\n")
    state = make_state(FakeClock())
    assert state.update([bad]) == []
    assert state.client_status == "waiting"


def test_malformed_chunk_names_its_first_bad_row() -> None:
    good = "2026-01-01T12:00:00.000Z\tinit\tself\tok\t\tclientagent\n"
    bad = "2026-01-01T12:00:01.000Z\ttransfer\ta\tok\tclientagent\n"
    with pytest.raises(ClientProtocolViolation) as caught:
        parse_client_chunk(good + bad)
    assert caught.value.reason == "malformed client log chunk: 5 columns, expected 6"
    assert caught.value.row_text == bad.rstrip("\n")


def test_carriage_return_rejects_the_whole_chunk() -> None:
    text = "2026-01-01T12:00:00.000Z\tinit\tself\tok\tfine\r\tclientagent\n"
    with pytest.raises(ClientProtocolViolation, match="carriage return"):
        parse_client_chunk(text)
