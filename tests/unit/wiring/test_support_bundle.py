"""The support bundle on real files and a real SQLite store: what a help desk opens (logs,
receipt, the invalid file's verdict, the versions) and what it must never find (a secret)."""

from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path

import pytest

from uploader_gui import __version__
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.delivery.profile import load_profile
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.store.state_store import StateStore
from uploader_gui.wiring.receipt_writer import ReceiptWriter
from uploader_gui.wiring.support_bundle import (
    BundleSources,
    SupportBundleError,
    write_support_bundle,
)

SECRET_KEY = "fake-secret-key-0123456789abcdef"
SESSION_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwYXJ0bmVyIn0.c2lnbmF0dXJl"
VERDICT = "HDU 1 has no EXTNAME; the archive needs one per extension"
PROFILE_TEXT = f"""\
name = "Local archive"
region = "us-east-1"
endpoint_url = "http://127.0.0.1:9000"
[credentials]
access_key_id = "AKIAFAKE"
secret_access_key = "{SECRET_KEY}"
"""


@pytest.fixture
def sources(tmp_path: Path) -> BundleSources:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "uploader-gui.log").write_text(
        "2026-12-03 INFO MainThread uploader_gui: session started\n"
        f"2026-12-03 DEBUG MainThread botocore: secret {SECRET_KEY} token={SESSION_TOKEN}\n",
        "utf-8",
    )
    (logs / "uploader-gui.log.1").write_text("2026-12-02 INFO older run\n", "utf-8")
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "local.toml").write_text(PROFILE_TEXT, "utf-8")
    return BundleSources(
        store_path=tmp_path / "state.sqlite3",
        log_dir=logs,
        profiles_dir=profiles,
        environment={"qt": "6.11.3"},
    )


def delivered_with_one_invalid(sources: BundleSources, receipts: Path) -> tuple[int, list[str]]:
    """A delivery in the store: one file valid, one invalid; and its receipt on disk."""
    assert sources.store_path is not None
    with StateStore(sources.store_path) as store:
        key = store.create_delivery(
            profile_name="Local archive",
            dataset="gbt",
            delivery_id="d1",
            transfer_type="staging",
            source_root="/data/gbt",
        )
        store.register_files(
            key,
            [FileFingerprint("a.fits", 10, 1, 7), FileFingerprint("b.fits", 20, 2, 9)],
        )
        files = store.delivery_files(key)
        for path in ("a.fits", "b.fits"):
            files.record_file_state(path, FileState.TRANSFERRING)
            files.record_file_state(path, FileState.DONE)
        files.record_file_state("a.fits", FileState.VALID, "ok")
        files.record_file_state("b.fits", FileState.INVALID, VERDICT)
        store.mark_delivery_ended(key, outcome="with-problems")
        receipt_paths = ReceiptWriter(store, receipts).write_receipt(key)
    return key, list(receipt_paths)


def members(bundle: Path) -> dict[str, str]:
    with zipfile.ZipFile(bundle) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def test_the_bundle_holds_logs_receipt_verdict_versions_and_the_profile(
    tmp_path: Path, sources: BundleSources
) -> None:
    _, receipt_paths = delivered_with_one_invalid(sources, tmp_path / "receipts")
    target = tmp_path / "out" / "support.zip"
    target.parent.mkdir()

    saved = write_support_bundle(target, receipt_paths=receipt_paths, sources=sources)

    assert saved == target
    contents = members(target)
    assert "session started" in contents["logs/uploader-gui.log"]
    assert "older run" in contents["logs/uploader-gui.log.1"]
    for path in receipt_paths:
        assert f"receipts/{Path(path).name}" in contents
    summary = json.loads(contents["delivery.json"])
    assert summary["delivery"]["dataset"] == "gbt"
    assert summary["counts_by_state"] == {"invalid": 1, "valid": 1}
    (invalid,) = summary["files_not_valid"]  # the valid file is in the receipt, not here
    assert invalid["path"] == "b.fits"
    assert invalid["verdict_message"] == VERDICT
    assert invalid["attempts"] == 1
    assert any(VERDICT in line["detail"] for line in invalid["journal"])
    about = json.loads(contents["about.json"])
    assert about["versions"]["app"] == __version__
    assert about["versions"]["qt"] == "6.11.3"
    assert about["versions"]["python"]
    assert about["os"]["platform"]
    profile = json.loads(contents["profile.json"])
    assert profile["endpoint_url"] == "http://127.0.0.1:9000"
    assert profile["credentials"] == {"access_key_id": "AKIAFAKE"}


def test_no_member_holds_a_secret(tmp_path: Path, sources: BundleSources) -> None:
    _, receipt_paths = delivered_with_one_invalid(sources, tmp_path / "receipts")
    assert sources.profiles_dir is not None
    profile = load_profile(sources.profiles_dir / "local.toml")
    target = tmp_path / "support.zip"

    write_support_bundle(target, receipt_paths=receipt_paths, profile=profile, sources=sources)

    contents = members(target)
    for name, text in contents.items():
        assert SECRET_KEY not in text, name
        assert SESSION_TOKEN not in text, name
        assert "secret_access_key" not in text, name
    assert "[redacted]" in contents["logs/uploader-gui.log"]


def test_without_a_receipt_the_store_gives_one_for_the_newest_delivery(
    tmp_path: Path, sources: BundleSources
) -> None:
    delivered_with_one_invalid(sources, tmp_path / "receipts")
    target = tmp_path / "support.zip"

    write_support_bundle(target, sources=sources)

    contents = members(target)
    receipt = json.loads(contents["receipts/receipt-from-store.json"])
    assert {f["path"]: f["state"] for f in receipt["files"]} == {
        "a.fits": "valid",
        "b.fits": "invalid",
    }
    assert "profile.json" in contents  # found by the delivery's profile name


def test_a_missing_store_is_said_in_the_bundle(tmp_path: Path, sources: BundleSources) -> None:
    target = tmp_path / "support.zip"

    write_support_bundle(target, sources=sources)

    summary = json.loads(members(target)["delivery.json"])
    assert "no state store" in summary["note"]
    assert sources.store_path is not None
    assert not sources.store_path.exists()  # a bundle does not create a store


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions")
def test_an_unwritable_folder_names_the_file_and_the_fix(
    tmp_path: Path, sources: BundleSources
) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(SupportBundleError) as raised:
            write_support_bundle(folder / "support.zip", sources=sources)
    finally:
        folder.chmod(stat.S_IRWXU)
    message = str(raised.value)
    assert str(folder / "support.zip") in message
    assert "choose a folder you can write to" in message
    assert list(folder.iterdir()) == []  # no half-written bundle left behind


def test_a_target_inside_a_file_names_the_file_and_the_fix(
    tmp_path: Path, sources: BundleSources
) -> None:
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("a file, not a folder", "utf-8")

    with pytest.raises(SupportBundleError) as raised:
        write_support_bundle(not_a_folder / "support.zip", sources=sources)

    assert str(not_a_folder / "support.zip") in str(raised.value)
    assert "choose a folder you can write to" in str(raised.value)
