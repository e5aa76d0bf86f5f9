"""Where the files in the source tree's `resources/` folder are when the app runs.

`resources/` holds the app icon (SVG source and its renderings) and the example label. It is
found in the frozen app's bundle (PyInstaller puts it beside the code), in a source checkout
(next to the package), or, for a pip-installed wheel, under the install prefix's
`share/uploader-gui/` (pyproject.toml's data-files).
"""

from __future__ import annotations

import sys
from pathlib import Path

_IN_CHECKOUT = Path(__file__).resolve().parent.parent / "resources"


def resource_folders() -> list[Path]:
    """The places `resources/` may be, most specific first."""
    folders = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        folders.append(Path(bundle) / "resources")
    folders.append(_IN_CHECKOUT)
    folders.append(Path(sys.prefix) / "share" / "uploader-gui")
    return folders


def find_resource(relative: str) -> Path | None:
    """The file `resources/<relative>` (e.g. `icons/uploader-gui.svg`), or None if absent."""
    for folder in resource_folders():
        candidate = folder / relative
        if candidate.is_file():
            return candidate
    return None
