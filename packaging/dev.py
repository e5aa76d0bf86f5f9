#!/usr/bin/env python3
"""Set up a development environment and run the app or the whole test suite.

`python3 packaging/dev.py run` and `python3 packaging/dev.py test` are the two commands the README
opens with. Both are idempotent: the virtual environment in `.venv/` is reinstalled only when
`pyproject.toml` (or the Python version) changed, and system packages are installed only when
missing, so the second run starts in a second or two.

This script must run on a bare Python 3.11+ (standard library only).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".dev-stamp"

# Qt's offscreen platform needs these (DESIGN.md §7).
QT_DEBIAN_PACKAGES = [
    "libgl1",
    "libegl1",
    "libxkbcommon0",
    "libfontconfig1",
    "libdbus-1-3",
    "libglib2.0-0",
]
# A real window on an X11 desktop also needs the xcb plugin's libraries.
QT_DESKTOP_DEBIAN_PACKAGES = [
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxcb-shape0",
    "libxkbcommon-x11-0",
]

# The taskbar-progress test listens on a private D-Bus session bus of its own (`dbus-daemon`).
TEST_DEBIAN_PACKAGES = ["dbus-daemon"]


def say(text: str) -> None:
    print(f"[dev] {text}", flush=True)


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def venv_bin(name: str) -> str:
    folder = VENV / ("Scripts" if os.name == "nt" else "bin")
    return str(folder / name)


def missing_debian_packages(names: list[str]) -> list[str]:
    if not shutil.which("dpkg-query"):
        return []
    missing = []
    for name in names:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", name],
            capture_output=True,
            text=True,
            check=False,
        )
        if "install ok installed" not in result.stdout:
            missing.append(name)
    return missing


def ensure_debian_packages(names: list[str]) -> None:
    missing = missing_debian_packages(names)
    if not missing:
        return
    if not shutil.which("apt-get"):
        say(f"warning: missing system packages {missing} and no apt-get to install them")
        return
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        say("Qt needs these system packages; install them with:")
        say(f"  sudo apt-get install -y {' '.join(missing)}")
        sys.exit(1)
    say(f"installing system packages: {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
        check=True,
        env=env,
    )


def wanted_stamp() -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def create_venv() -> None:
    result = subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=False)
    if result.returncode == 0 and venv_python().exists():
        return
    # Debian's python3 ships venv without ensurepip until python3-venv is installed.
    shutil.rmtree(VENV, ignore_errors=True)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}-venv"
    ensure_debian_packages([version])
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)


def ensure_venv() -> None:
    stamp = wanted_stamp()
    if venv_python().exists() and STAMP.exists() and STAMP.read_text() == stamp:
        return
    if not venv_python().exists():
        say(f"creating virtual environment in {VENV}")
        create_venv()
    say("installing the app and its test tools (only when pyproject.toml changes)")
    pip = [str(venv_python()), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(stamp)


def run_app(extra: list[str]) -> int:
    ensure_debian_packages(QT_DEBIAN_PACKAGES + QT_DESKTOP_DEBIAN_PACKAGES)
    ensure_venv()
    return subprocess.run([venv_bin("uploader-gui"), *extra], check=False).returncode


def without_qt(env: dict[str, str]) -> dict[str, str]:
    """`env` with a PySide6 package first on the path whose import fails."""
    shadow = VENV / "hide-qt"
    package = shadow / "PySide6"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text(
        'raise ImportError("PySide6 is hidden: this step proves the code runs without Qt")\n'
    )
    return dict(env, PYTHONPATH=str(shadow))


def run_tests(extra: list[str]) -> int:
    ensure_debian_packages(QT_DEBIAN_PACKAGES + TEST_DEBIAN_PACKAGES)
    ensure_venv()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONDONTWRITEBYTECODE="1")
    steps = [
        ("lint", [venv_bin("ruff"), "check", "uploader_gui", "tests", "packaging"], env),
        (
            "format",
            [venv_bin("ruff"), "format", "--check", "uploader_gui", "tests", "packaging"],
            env,
        ),
        ("types", [venv_bin("mypy")], env),
        ("layers", [venv_bin("lint-imports"), "--no-cache"], env),
        # The unit suite again with PySide6 unimportable: the core and the adapters need no Qt.
        (
            "unit tests without Qt",
            [str(venv_python()), "-m", "pytest", "-q", "-p", "no:pytest-qt", "tests/unit"],
            without_qt(env),
        ),
    ]
    for name, argv, step_env in steps:
        say(f"{name}: {' '.join(Path(a).name if i == 0 else a for i, a in enumerate(argv))}")
        if subprocess.run(argv, cwd=ROOT, env=step_env, check=False).returncode != 0:
            say(f"{name} failed")
            return 1
    say("tests: pytest")
    return subprocess.run(
        [str(venv_python()), "-m", "pytest", *extra], cwd=ROOT, env=env, check=False
    ).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "setup"}:
        print("usage: python3 packaging/dev.py run|test|setup [args passed on]")
        return 2
    command, extra = argv[0], argv[1:]
    if command == "run":
        return run_app(extra)
    if command == "test":
        return run_tests(extra)
    ensure_debian_packages(QT_DEBIAN_PACKAGES)
    ensure_venv()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
