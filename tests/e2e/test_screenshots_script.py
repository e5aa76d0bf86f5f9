"""packaging/screenshots.py, the README's pictures: it drives a real window to each state and
saves what the window shows, in the theme asked for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageStat

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "packaging" / "screenshots.py"
TIMEOUT_S = 300


def shoot(out: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out), *arguments],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT_S,
        check=False,
    )


def lightness(path: Path) -> float:
    with Image.open(path) as image:
        return float(ImageStat.Stat(image.convert("L")).mean[0]) / 255


def test_the_first_launch_is_photographed_in_light_and_dark(tmp_path: Path) -> None:
    done = shoot(tmp_path, "--only", "first-launch")

    assert done.returncode == 0, done.stderr
    light, dark = tmp_path / "first-launch-light.png", tmp_path / "first-launch-dark.png"
    assert "first-launch-light.png: First launch" in done.stdout
    with Image.open(light) as image:
        width, height = image.size
    assert width >= 800  # the whole window, not one widget of it
    assert height >= 500
    # The pictures show the theme they are named for.
    assert lightness(light) > 0.6
    assert lightness(dark) < 0.4
