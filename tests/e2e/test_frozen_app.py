"""The Linux installer from a clean build: `packaging/build.py` freezes the app, packages it
and smoke-tests the FROZEN binary (--version, --help, the window offscreen with its local
archive, a delivery to the embedded archive ending with every file valid); then the tarball
installs for one user without root, the installed command runs, the menu entry opens profile
files, and uninstalling leaves the deliveries' state alone."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from uploader_gui import __version__

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.timeout(2400)  # a first build makes its own environment (pip) and freezes: minutes
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux package")
def test_the_frozen_app_delivers_and_the_tarball_installs_per_user(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build.py"), "--dist", str(dist)],
        capture_output=True,
        text=True,
        timeout=2300,
        check=False,
    )
    output = built.stdout + built.stderr
    assert built.returncode == 0, output[-5000:]
    assert "smoke test: window shown; local archive running at 127.0.0.1:" in output
    assert "smoke delivery: all 5 files are valid" in output
    (tarball,) = dist.glob("*.tar.gz")
    assert tarball.name.startswith(f"uploader-gui-{__version__}-linux-")

    unpacked = tmp_path / "unpacked"
    with tarfile.open(tarball) as archive:
        archive.extractall(unpacked, filter="tar")
    (package,) = unpacked.iterdir()
    home = tmp_path / "home"
    kept = home / ".local" / "share" / "uploader-gui" / "state.sqlite3"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"the person's deliveries")
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", ""), "QT_QPA_PLATFORM": "offscreen"}
    subprocess.run([str(package / "install.sh")], env=env, check=True, capture_output=True)
    installed = home / ".local" / "bin" / "uploader-gui"
    shown = subprocess.run(
        [str(installed), "--version"], env=env, capture_output=True, text=True, check=True
    )
    assert shown.stdout.strip() == f"uploader-gui {__version__}"
    entry = home / ".local" / "share" / "applications" / "uploader-gui.desktop"
    assert "MimeType=application/x-fastprofile;" in entry.read_text("utf-8")
    assert (home / ".local/share/icons/hicolor/256x256/apps/uploader-gui.png").is_file()

    subprocess.run([str(package / "uninstall.sh")], env=env, check=True, capture_output=True)
    assert not installed.exists()
    assert not entry.exists()
    assert kept.read_bytes() == b"the person's deliveries"
