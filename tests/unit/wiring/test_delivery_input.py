"""Reading a delivery's inputs: the folder or the provider's index, CRC32s, and their reuse."""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.core.delivery.label_texts import fits_label_text
from uploader_gui.core.checksums.crc32 import crc32_from_base64
from uploader_gui.core.delivery.delivery_input import DeliveryInput
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.delivery.folder_index import build_folder_index
from uploader_gui.core.delivery.index_file import IndexEntry
from uploader_gui.core.delivery.problems import ProblemsFound
from uploader_gui.core.engine.ports import DeliveryRequest
from uploader_gui.core.errors import UserInputError
from uploader_gui.store.state_store import StateStore
from uploader_gui.wiring.delivery_input import RequestFromFiles
from uploader_gui.wiring.local_lock import DeliveryInUse


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore(tmp_path / "state.sqlite3") as store:
        yield store


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    (root / "sub").mkdir(parents=True)
    (root / "a.fits").write_bytes(b"a\n")
    (root / "sub" / "b.fits").write_bytes(b"bee\n")
    (root / ".DS_Store").write_bytes(b"junk")
    (tmp_path / "label.yaml").write_text(fits_label_text("input_set", "0001"), "utf-8")
    return root


def load(
    store: StateStore, folder: Path, index: Path | None = None, **options: str
) -> DeliveryRequest:
    loader = RequestFromFiles(
        DeliveryInput("profile", folder, folder.parent / "label.yaml", index, **options), store
    )
    try:
        return loader()
    finally:
        loader.release()


def test_a_folder_is_listed_with_crc32s_and_without_junk(store: StateStore, folder: Path) -> None:
    request = load(store, folder)
    assert [(f.path, f.size_bytes, f.crc32) for f in request.files] == [
        ("a.fits", 2, zlib.crc32(b"a\n")),
        ("sub/b.fits", 4, zlib.crc32(b"bee\n")),
    ]
    assert request.index_entries[0] == FileFingerprint(
        "a.fits", 2, (folder / "a.fits").stat().st_mtime_ns, crc32_from_base64("3eqhBw==")
    )
    assert request.source_root == str(folder.resolve())


def test_a_file_unchanged_since_the_last_session_is_not_read_again(
    store: StateStore, folder: Path
) -> None:
    source = str(folder.resolve())
    key = store.create_delivery(
        profile_name="profile",
        dataset="input_set",
        delivery_id="0001",
        transfer_type="staging",
        source_root=source,
    )
    status = (folder / "a.fits").stat()
    stored = [FileFingerprint("a.fits", 2, status.st_mtime_ns, 12345)]
    store.register_files(key, stored)
    # Same size and mtime but other bytes: only a re-read could notice.
    (folder / "a.fits").write_bytes(b"A\n")
    os.utime(folder / "a.fits", ns=(status.st_atime_ns, status.st_mtime_ns))
    (folder / "sub" / "b.fits").write_bytes(b"bees\n")

    request = load(store, folder)

    crcs = {f.path: f.crc32 for f in request.files}
    assert crcs == {"a.fits": 12345, "sub/b.fits": zlib.crc32(b"bees\n")}


def test_the_windows_fresh_listing_of_the_same_folder_is_not_read_again(
    store: StateStore, folder: Path, tmp_path: Path
) -> None:
    listed = build_folder_index(folder)
    # Same size and mtime but other bytes: only a re-read could notice.
    status = (folder / "a.fits").stat()
    (folder / "a.fits").write_bytes(b"A\n")
    os.utime(folder / "a.fits", ns=(status.st_atime_ns, status.st_mtime_ns))
    (folder / "sub" / "b.fits").write_bytes(b"bees\n")  # changed size: read again

    loader = RequestFromFiles(
        DeliveryInput("profile", folder, tmp_path / "label.yaml", listed=listed), store
    )
    try:
        request = loader()
    finally:
        loader.release()

    crcs = {f.path: f.crc32 for f in request.files}
    assert crcs == {"a.fits": zlib.crc32(b"a\n"), "sub/b.fits": zlib.crc32(b"bees\n")}


def test_a_listing_of_another_folder_is_ignored(
    store: StateStore, folder: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.fits").write_bytes(b"Z\n")
    status = (folder / "a.fits").stat()
    os.utime(other / "a.fits", ns=(status.st_atime_ns, status.st_mtime_ns))
    listed = build_folder_index(other)

    loader = RequestFromFiles(
        DeliveryInput("profile", folder, tmp_path / "label.yaml", listed=listed), store
    )
    try:
        request = loader()
    finally:
        loader.release()

    assert {f.path: f.crc32 for f in request.files}["a.fits"] == zlib.crc32(b"a\n")


def test_a_provider_index_gives_the_files_and_their_checksums(
    store: StateStore, folder: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index.csv"
    index.write_text("path,checksum\na.fits,3eqhBw==\nsub/b.fits,AAAAAQ==\n", "utf-8")
    request = load(store, folder, index)
    assert [(f.path, f.crc32) for f in request.files] == [
        ("a.fits", zlib.crc32(b"a\n")),
        ("sub/b.fits", 1),
    ]
    assert request.index_entries == (
        IndexEntry("a.fits", crc32_from_base64("3eqhBw=="), 2),
        IndexEntry("sub/b.fits", crc32_from_base64("AAAAAQ=="), 3),
    )


def test_an_index_naming_a_missing_file_is_refused(
    store: StateStore, folder: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index.csv"
    index.write_text("path\na.fits\nnot-there.fits\n", "utf-8")
    with pytest.raises(ProblemsFound, match=r"not-there\.fits is not in"):
        load(store, folder, index)


def test_a_missing_folder_or_unknown_transfer_type_is_refused(
    store: StateStore, folder: Path
) -> None:
    with pytest.raises(UserInputError, match="does not exist"):
        load(store, folder / "nowhere")
    with pytest.raises(UserInputError, match="unknown transfer type"):
        load(store, folder, transfer_type="final")


def test_two_loaders_of_one_delivery_cannot_both_run(store: StateStore, folder: Path) -> None:
    first = RequestFromFiles(DeliveryInput("p", folder, folder.parent / "label.yaml"), store)
    first()
    try:
        with pytest.raises(DeliveryInUse):
            load(store, folder)
    finally:
        first.release()
    load(store, folder)
