"""What the person chose to deliver: the profile, the folder, the label, the index (optional).

A plain value the window and the CLI make and the session reads (`wiring.delivery_input`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from uploader_gui.core.delivery.folder_index import FolderIndex

TRANSFER_TYPES = ("staging", "sample")


@dataclass(frozen=True)
class DeliveryInput:
    """What the person chose: the profile, the folder, the label, the index (optional)."""

    profile_name: str
    source: Path
    label_path: Path
    index_path: Path | None = None
    transfer_type: str = "staging"
    # A listing of `source` with checksums made moments ago (the window's): files whose size
    # and mtime still match are not read again.
    listed: FolderIndex | None = None
