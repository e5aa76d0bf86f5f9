"""What a drag onto the window carries, and why a path that is not a folder cannot be opened.

Both look only at what they are given (URLs, the probe's verdict): the path itself is looked at
on `PathProbe`'s thread, never here.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData

from uploader_gui.ui.path_probe import PathKind


def single_local_path(mime: QMimeData) -> tuple[str | None, str]:
    """The one local path a drag carries, or None and why it cannot be used (URLs only, no I/O)."""
    urls = mime.urls() if mime.hasUrls() else []
    if not urls:
        return None, "Only folders can be dropped here."
    if len(urls) > 1:
        return None, f"Drop one folder at a time (this drag holds {len(urls):,} items)."
    if not urls[0].isLocalFile():
        return None, "Only folders on this computer or a mounted drive can be delivered."
    return urls[0].toLocalFile(), ""


def refusal_text(path: str, kind: str, detail: str) -> str:
    """Why a path that is not a folder cannot be opened, and what to do instead."""
    name = Path(path).name or path
    if kind == PathKind.FILE:
        return f"“{name}” is a file. Drop or choose the folder that holds it."
    if kind == PathKind.MISSING:
        return f"“{path}” does not exist (any more). Choose another folder."
    return f"“{path}” cannot be opened as a folder: {detail or 'unknown reason'}."
