"""The log file on a full disk: one line on stderr when writing starts failing, not one per
record, and writing picks up again by itself once there is room (a real small tmpfs)."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from tests.small_disk import fill, mounted_tmpfs
from uploader_gui.logging_setup import LogFileHandler


def test_a_full_disk_is_said_once_and_logging_resumes_when_there_is_room(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    logger = logging.getLogger("test.small-disk")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    with mounted_tmpfs(tmp_path / "logs", size_mib=1) as folder:
        handler = LogFileHandler(folder / "uploader-gui.log")
        logger.addHandler(handler)
        try:
            logger.info("before the disk filled")
            filler = fill(folder)
            for number in range(200):
                logger.info("line %d %s", number, "x" * 200)
            assert handler.is_failing
            assert stderr.getvalue().count("cannot write the log file") == 1
            assert "No space left on device" in stderr.getvalue()
            assert "Traceback" not in stderr.getvalue()

            filler.unlink()
            logger.info("after space was freed")
            assert not handler.is_failing
        finally:
            logger.removeHandler(handler)
            handler.close()
        text = (folder / "uploader-gui.log").read_text("utf-8")
    assert "before the disk filled" in text
    assert "after space was freed" in text
