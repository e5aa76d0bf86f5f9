"""Resume classification (§9) including the size and CRC32 comparison upstream lacks."""

from __future__ import annotations

from uploader_gui.core.protocol.log_rows import LogRow, MalformedRow
from uploader_gui.core.protocol.resume_plan import (
    RemoteObject,
    last_verdicts,
    needs_head,
    plan_resume,
)


def verdict(ref: str, status: str, message: str = "") -> LogRow:
    return LogRow("2026-01-01T00:00:00.000Z", "validation", ref, status, message, "qwertyuiopa")


def test_last_verdict_across_sessions_wins() -> None:
    rows: list[LogRow | MalformedRow] = [
        verdict("a", "failure", "file not found"),
        LogRow("t", "keepalive", "self", "ok", "1 / 2", "x"),
        MalformedRow("junk", "1 columns"),
        verdict("a", "ok"),
        verdict("b", "ok"),
        verdict("b", "failure", "incorrect crc32 checksum: expected X, got Y"),
    ]
    verdicts = last_verdicts(rows)
    assert verdicts["a"].status == "ok"
    assert verdicts["b"].message.startswith("incorrect crc32")


def test_every_path_lands_in_exactly_one_bucket() -> None:
    index = {"ok.fits": "AAAAAA==", "gone.fits": None, "bad.fits": None, "new.fits": None}
    verdicts = {
        "ok.fits": verdict("ok.fits", "ok"),
        "gone.fits": verdict("gone.fits", "ok"),
        "bad.fits": verdict("bad.fits", "failure", "file not found"),
        "elsewhere.fits": verdict("elsewhere.fits", "ok"),
    }
    keys = ["ok.fits", "bad.fits", "elsewhere.fits"]
    assert needs_head(index, verdicts, keys) == ["ok.fits"]
    scan = plan_resume(index, verdicts, keys, {"ok.fits": RemoteObject(4, "AAAAAA==")}, {})
    assert scan.valid == ("ok.fits",)
    assert scan.missing == ("gone.fits",)
    assert scan.invalid == {"bad.fits": "file not found"}
    assert scan.never_validated == ("new.fits",)
    assert not scan.nothing_to_do
    assert not scan.will_transfer("ok.fits")
    assert scan.will_transfer("gone.fits")
    assert scan.will_transfer("new.fits")


def test_a_file_changed_since_validation_is_uploaded_again() -> None:
    index = {"size.fits": None, "crc.fits": "BBBBBB==", "nocrc.fits": "CCCCCC=="}
    verdicts = {path: verdict(path, "ok") for path in index}
    remote = {
        "size.fits": RemoteObject(10, None),
        "crc.fits": RemoteObject(4, "AAAAAA=="),
        "nocrc.fits": RemoteObject(4, None),
    }
    scan = plan_resume(index, verdicts, list(index), remote, {"size.fits": 11, "crc.fits": 4})
    assert scan.valid == ()
    assert scan.changed["size.fits"] == "archive copy has 10 bytes, the local file 11"
    assert "AAAAAA==" in scan.changed["crc.fits"]
    assert "BBBBBB==" in scan.changed["crc.fits"]
    assert "no CRC32" in scan.changed["nocrc.fits"]
    assert any("differ" in line for line in scan.summary_lines())


def test_nothing_to_do_when_all_are_valid_and_unchanged() -> None:
    index = {"a": "AAAAAA==", "b": "BBBBBB=="}
    verdicts = {path: verdict(path, "ok") for path in index}
    remote = {"a": RemoteObject(1, "AAAAAA=="), "b": RemoteObject(2, "BBBBBB==")}
    scan = plan_resume(index, verdicts, ["a", "b"], remote, {"a": 1, "b": 2})
    assert scan.nothing_to_do
    assert scan.summary_lines() == ["2 files were validated before and are unchanged"]


def test_a_fresh_delivery_is_never_nothing_to_do() -> None:
    scan = plan_resume({"a": None}, {}, [], {}, None)
    assert scan.never_validated == ("a",)
    assert not scan.nothing_to_do


def test_large_counts_read_with_thousands_separators() -> None:
    count = 12_345
    index = {f"f{n}": "AAAAAA==" for n in range(count)}
    verdicts = {path: verdict(path, "ok") for path in index}
    remote = {path: RemoteObject(1, "AAAAAA==") for path in index}
    scan = plan_resume(index, verdicts, list(index), remote, dict.fromkeys(index, 1))
    assert scan.summary_lines() == ["12,345 files were validated before and are unchanged"]
