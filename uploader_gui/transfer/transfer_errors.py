"""Errors about the local file being sent: permanent for that file.

`SourceFileError`: it vanished, cannot be read, or is not a regular file. `SourceChangedError`:
its size or modification time moved. Errors from the archive are translated in one place,
`fast.aws_errors.translate`.
"""

from __future__ import annotations

from uploader_gui.core.checksums.crc32 import FileChangedError
from uploader_gui.core.errors import PermanentError


class SourceFileError(PermanentError):
    """The local file cannot be sent: it vanished, cannot be read, or is not a regular file."""


class SourceChangedError(FileChangedError):
    """The local file's size or modification time is not what was indexed or read before."""

    def __init__(self, path: str, detail: str, *, when: str) -> None:
        PermanentError.__init__(
            self,
            f"{path} changed {when} ({detail}). Re-index the folder so its checksum describes "
            "the file as it is now, then deliver it again.",
        )
        self.path = path
        self.detail = detail
