"""How numbers and states read on screen: sizes (KiB/MiB/GiB), rates, counts, state labels.

Pure functions with no Qt, so the table model, the status bar and tests share one spelling.
"""

from __future__ import annotations

from datetime import UTC, datetime

from uploader_gui.core.engine.file_states import FileState

_SIZE_UNITS = ("KiB", "MiB", "GiB", "TiB", "PiB")
# Looked up for every visible State cell on every repaint, so a plain dict, not an Enum call.
_STATE_LABELS = {state.value: state.label for state in FileState}


def human_size(size_bytes: int | float) -> str:
    """`1536` → `"1.5 KiB"`; whole bytes below 1 KiB (`"512 B"`, `"1 byte"`)."""
    if size_bytes < 1024:
        whole = int(size_bytes)
        return "1 byte" if whole == 1 else f"{whole} B"
    value = float(size_bytes) / 1024
    unit_index = 0
    while value >= 1024 and unit_index < len(_SIZE_UNITS) - 1:
        value /= 1024
        unit_index += 1
    unit = _SIZE_UNITS[unit_index]
    # Three significant figures is what people compare at a glance: 9.87 MiB, 98.7 MiB, 987 MiB.
    if value < 10:
        return f"{value:.2f} {unit}"
    if value < 100:
        return f"{value:.1f} {unit}"
    return f"{value:.0f} {unit}"


def human_rate(bytes_per_s: float) -> str:
    """`1048576.0` → `"1.00 MiB/s"`."""
    return f"{human_size(max(0.0, bytes_per_s))}/s"


def count_text(count: int, singular: str, plural: str | None = None) -> str:
    """`1, "file"` → `"1 file"`; `12345, "file"` → `"12,345 files"`."""
    noun = singular if count == 1 else (plural or f"{singular}s")
    return f"{count:,} {noun}"


def exact_bytes_text(size_bytes: int) -> str:
    """The exact size for tooltips: `"1,234,567 bytes"`."""
    return count_text(size_bytes, "byte")


def state_label(value: str) -> str:
    """What people read for a state value: `"pending"` → `"queued"`; unknown values as they are."""
    return _STATE_LABELS.get(value, value)


def support_bundle_file_name(now: datetime) -> str:
    """`uploader-gui-support-20261203T070500Z.zip`: the support bundle's suggested name (the
    window's save dialog and the CLI's default), dated so a second one does not replace it."""
    return f"uploader-gui-support-{now.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}.zip"
