"""An index whose CRC32 does not match its file is refused with its line, before any upload."""

from __future__ import annotations

from pathlib import Path

from uploader_gui.core.checksums.crc32 import crc32_of_bytes, crc32_to_base64
from uploader_gui.core.delivery.index_checksums import ChecksumProgress, verify_index_checksums
from uploader_gui.core.delivery.index_file import read_provider_index

BODIES = {"a.fits": b"one\n", "deep/b.fits": b"two" * 100_000, "c.fits": b""}


def index_with(tmp_path: Path, crcs: dict[str, str]) -> Path:
    csv_path = tmp_path / "index.csv"
    lines = "".join(f"{path},{crc}\n" for path, crc in crcs.items())
    csv_path.write_text("path,checksum\n" + lines, "utf-8")
    return csv_path


def source(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    for relative, body in BODIES.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(body)
    return root


def right(path: str) -> str:
    return crc32_to_base64(crc32_of_bytes(BODIES[path]))


def test_matching_checksums_pass_with_progress_to_the_last_byte(tmp_path: Path) -> None:
    root = source(tmp_path)
    index = read_provider_index(index_with(tmp_path, {p: right(p) for p in BODIES}), root)
    seen: list[ChecksumProgress] = []
    assert verify_index_checksums(index, root, on_progress=seen.append) == []
    total = sum(len(body) for body in BODIES.values())
    assert seen[-1] == ChecksumProgress(3, 3, total, total)


def test_each_mismatch_names_its_line_both_checksums_and_the_fix(tmp_path: Path) -> None:
    root = source(tmp_path)
    wrong = crc32_to_base64(crc32_of_bytes(b"yesterday's file"))
    crcs = {"a.fits": right("a.fits"), "deep/b.fits": wrong, "c.fits": wrong}
    csv_path = index_with(tmp_path, crcs)
    problems = verify_index_checksums(read_provider_index(csv_path, root), root)
    assert [(p.file, p.line, p.key) for p in problems] == [
        (str(csv_path), 3, "checksum"),
        (str(csv_path), 4, "checksum"),
    ]
    assert f"{wrong} in the index but {right('deep/b.fits')} in the file" in problems[0].message
    assert "BadDigest" in problems[0].message
    assert "uploader-gui index" in problems[0].fix


def test_cancelling_stops_early(tmp_path: Path) -> None:
    root = source(tmp_path)
    index = read_provider_index(index_with(tmp_path, {p: right(p) for p in BODIES}), root)
    seen: list[ChecksumProgress] = []
    verify_index_checksums(index, root, on_progress=seen.append, is_cancelled=lambda: True)
    assert len(seen) == 1
