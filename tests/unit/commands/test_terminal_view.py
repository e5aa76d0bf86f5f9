"""What a person reads in a terminal while a delivery runs, and at its end."""

from __future__ import annotations

import io
import json

from uploader_gui.commands.terminal_view import (
    JsonLines,
    LiveStatus,
    PlainLines,
    summary_lines,
    view_for,
)
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.engine.session_states import SessionOutcome
from uploader_gui.core.engine.session_summary import SessionSummary
from uploader_gui.core.events import (
    FileStateChanged,
    FileStatesLoaded,
    SessionStateChanged,
    TransferProgressed,
    VerdictReceived,
    WarningRaised,
)


class Clock:
    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


PROGRESS = TransferProgressed(
    bytes_uploaded=3 * 1024**3,
    bytes_processed=3 * 1024**3,
    bytes_total=4 * 1024**3,
    files_finished=1,
    files_total=3,
    rate_bytes_per_s=10 * 1024**2,
    eta_s=102.4,
)


def feed(view: PlainLines) -> None:
    view.show(FileStatesLoaded((("a", "valid"), ("b", "ready"), ("c", "ready"))))
    view.show(SessionStateChanged("transferring", "2 files"))
    view.show(FileStateChanged("b", "ready", "pending"))
    view.show(FileStateChanged("b", "pending", "transferring"))
    view.show(FileStateChanged("c", "ready", "failed", "c vanished\nfrom the folder"))
    view.show(PROGRESS)


def test_the_status_line_shows_files_by_state_bytes_speed_eta_and_the_problem() -> None:
    out, clock = io.StringIO(), Clock()
    view = LiveStatus(out, monotonic=clock, width=200)
    feed(view)
    clock.now_s += 1
    view.tick()
    status = out.getvalue().rsplit("\r", 1)[-1].strip()
    assert status == (
        "transferring | 1 valid, 1 failed, 1 uploading | 3.00 GiB of 4.00 GiB | 10.0 MiB/s "
        "| ETA 1m42s | last problem: c: c vanished; from the folder"
    )
    # What the terminal shows: each finished line as it was last overwritten.
    lasting = [line.rsplit("\r", 1)[-1] for line in out.getvalue().split("\n")[:-1]]
    assert "[transferring] 2 files" in lasting
    assert "FAILED: c: c vanished; from the folder" in lasting


def test_the_status_line_never_wraps_on_a_narrow_terminal() -> None:
    out, clock = io.StringIO(), Clock()
    view = LiveStatus(out, monotonic=clock, width=40)
    feed(view)
    clock.now_s += 1
    view.tick()
    assert len(out.getvalue().rsplit("\r", 1)[-1]) == 39


def test_plain_lines_print_verdicts_and_progress_now_and_then() -> None:
    out, clock = io.StringIO(), Clock()
    view = PlainLines(out, monotonic=clock, progress_every_s=10)
    feed(view)
    view.show(FileStateChanged("b", "transferring", "done"))
    view.show(
        VerdictReceived(
            path="b", old_state="done", new_state="valid", reason="", status="ok", message=""
        )
    )
    view.show(WarningRaised("Could not refresh the upload lock; retrying in 2 s", "timeout"))
    view.tick()
    assert "\r" not in out.getvalue()
    clock.now_s += 10
    view.tick()
    lines = out.getvalue().splitlines()
    assert "valid: b" in lines
    assert "warning: Could not refresh the upload lock; retrying in 2 s (timeout)" in lines
    assert lines[-1].startswith("transferring | 2 valid, 1 failed | 3.00 GiB")


def test_json_lines_are_one_event_each() -> None:
    out = io.StringIO()
    view = view_for(out, as_json=True, is_tty=True)
    assert isinstance(view, JsonLines)
    view.show(FileStateChanged("a", "ready", "pending"))
    view.show(PROGRESS)
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first == {
        "event": "FileStateChanged",
        "path": "a",
        "old_state": "ready",
        "new_state": "pending",
        "reason": "",
    }
    assert second["event"] == "TransferProgressed"
    assert second["eta_s"] == 102.4


def test_the_summary_lists_every_problem_and_the_receipt() -> None:
    summary = SessionSummary(
        outcome=SessionOutcome.WITH_PROBLEMS,
        message="the delivery ended with files that are not valid: 1 valid, 1 invalid",
        delivery_key=3,
        counts={FileState.VALID: 1, FileState.INVALID: 1},
        files_total=2,
        problems=(("b.fits", "invalid", "HDU 1/BUNIT: bad\n"),),
        receipt_paths=("/r/x.json", "/r/x.csv"),
    )
    assert list(summary_lines(summary)) == [
        "finished with invalid or failed files: the delivery ended with files that are not "
        "valid: 1 valid, 1 invalid",
        "2 files: 1 valid, 1 invalid, 0 failed",
        "  invalid: b.fits: HDU 1/BUNIT: bad",
        "receipt: /r/x.json",
        "receipt: /r/x.csv",
    ]
    assert "rerun the command to resume" in summary_lines(None)[0]
