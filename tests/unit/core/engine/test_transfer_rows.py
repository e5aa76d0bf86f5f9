"""The guard on `transfer` rows: none of the rows that crash the real validator (§8.4)."""

from __future__ import annotations

from uploader_gui.core.engine.transfer_rows import TransferRowGuard


def test_a_path_is_reported_ok_once() -> None:
    guard = TransferRowGuard(["a", "b"])
    assert guard.refusal("a", is_ok=True) is None
    guard.note_written("a", is_ok=True)
    assert "already reported uploaded" in (guard.refusal("a", is_ok=True) or "")
    assert guard.refusal("a", is_ok=False) is None  # errors may repeat


def test_paths_outside_the_expected_set_get_no_row() -> None:
    guard = TransferRowGuard(["a"])
    assert "not a file this session sends" in (guard.refusal("valid-before", is_ok=True) or "")


def test_no_transfer_row_once_everything_is_validated() -> None:
    guard = TransferRowGuard(["a", "b"])
    guard.note_verdict("a")
    assert "already validated" in (guard.refusal("a", is_ok=False) or "")
    assert guard.refusal("b", is_ok=False) is None
    guard.note_verdict("b")
    assert guard.is_everything_judged
    assert "every file has been validated" in (guard.refusal("b", is_ok=True) or "")
