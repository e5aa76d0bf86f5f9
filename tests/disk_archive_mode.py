"""Run any test file's local archives on disk: `pytest -p tests.disk_archive_mode FILE`.

Every `LocalArchive` started without a `data_dir` gets a fresh one under a temporary folder, so
the protocol-fidelity tests written for the in-memory archive also check the persistent one
(bodies as files, the journal, multipart assembly on disk) without a second copy of each test.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from uploader_gui.sandbox.archive import LocalArchive


@pytest.fixture(autouse=True, scope="session")
def _archives_on_disk() -> Iterator[None]:
    original = LocalArchive.__init__
    with tempfile.TemporaryDirectory(prefix="archives-on-disk-") as root:
        counter = iter(range(1_000_000))

        def on_disk(self: LocalArchive, options: Any = None) -> None:
            original(self, options)
            if self.options.data_dir is None:
                folder = Path(root) / f"archive-{next(counter)}"
                self.options = dataclasses.replace(self.options, data_dir=folder)
                original(self, self.options)

        LocalArchive.__init__ = on_disk  # type: ignore[method-assign]
        try:
            yield
        finally:
            LocalArchive.__init__ = original  # type: ignore[method-assign]
