#!/usr/bin/env python3
"""Build the desktop app's installer for this platform, then smoke-test the frozen app.

    python3 packaging/build.py            # Linux: dist/uploader-gui-VERSION-linux-ARCH.tar.gz
                                          # Windows: ...-windows-x64-setup.exe (Inno Setup)
                                          # macOS: ...-macos-ARCH.dmg (dmgbuild)

Steps: a clean build environment in `.build/venv` (the app as pip installs it, with only its
runtime dependencies, plus PyInstaller; reused until pyproject.toml changes), PyInstaller with
`packaging/uploader-gui.spec` (onedir), the platform's package, then the smoke tests on the
FROZEN app: `--version`, `--help`, the window opening offscreen with its local archive
(`--smoke-test`) and a headless delivery of a small folder to the embedded local archive that
must end with every file valid. Sizes and start-up times are printed beside the venv's.

Standard library only (it runs on a bare Python 3.11+). `--skip-smoke` builds only; `--dist`
puts the result elsewhere.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / ".build"
VENV = BUILD / "venv"
SPEC = ROOT / "packaging" / "uploader-gui.spec"
APP = "uploader-gui"
PYINSTALLER = "pyinstaller==6.22.3"
IS_WINDOWS = os.name == "nt"
IS_MAC = sys.platform == "darwin"


def say(text: str) -> None:
    print(f"[build] {text}", flush=True)


def run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    say(" ".join(str(a) for a in argv))
    return subprocess.run(argv, check=True, text=True, **kwargs)  # type: ignore[call-overload]


def app_version() -> str:
    namespace: dict[str, str] = {}
    exec((ROOT / "uploader_gui" / "__init__.py").read_text(encoding="utf-8"), namespace)  # noqa: S102
    return namespace["__version__"]


def venv_bin(name: str) -> Path:
    folder = VENV / ("Scripts" if IS_WINDOWS else "bin")
    return folder / (f"{name}.exe" if IS_WINDOWS else name)


def build_environment() -> None:
    """`.build/venv` with the app installed as a user gets it, and PyInstaller."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(sys.version.encode() + PYINSTALLER.encode())
    stamp = VENV / ".build-stamp"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        # The app's code changes more often than its dependencies: reinstall just the app.
        pip = [str(venv_bin("python")), "-m", "pip", "-q", "--disable-pip-version-check"]
        run([*pip, "install", "--no-deps", "--force-reinstall", str(ROOT)])
        return
    shutil.rmtree(VENV, ignore_errors=True)
    run([sys.executable, "-m", "venv", str(VENV)])
    pip = [str(venv_bin("python")), "-m", "pip", "-q", "--disable-pip-version-check"]
    run([*pip, "install", "--upgrade", "pip"])
    run([*pip, "install", str(ROOT), PYINSTALLER])
    stamp.write_text(digest.hexdigest())


def freeze() -> Path:
    """The onedir bundle (the `.app` on macOS)."""
    work, dist = BUILD / "work", BUILD / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    run(
        [
            str(venv_bin("pyinstaller")),
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(dist),
            "--workpath",
            str(work),
            str(SPEC),
        ],
        cwd=str(BUILD),
    )
    return dist / "FAST Uploader.app" if IS_MAC else dist / APP


def frozen_executable(bundle: Path) -> Path:
    if IS_MAC:
        return bundle / "Contents" / "MacOS" / APP
    return bundle / (f"{APP}.exe" if IS_WINDOWS else APP)


def machine() -> str:
    arch = platform.machine().lower()
    return {"amd64": "x64", "x86_64": "x86_64", "arm64": "arm64", "aarch64": "aarch64"}.get(
        arch, arch
    )


# --- packages ---------------------------------------------------------------------------------


def linux_tarball(bundle: Path, dist: Path, version: str) -> Path:
    """A tarball: the app folder, its desktop entry, icons, the profile MIME type, and
    per-user install/uninstall scripts (no root needed)."""
    staging = BUILD / "package" / f"{APP}-{version}"
    shutil.rmtree(staging.parent, ignore_errors=True)
    shutil.copytree(bundle, staging / APP, symlinks=True)
    linux = ROOT / "packaging" / "linux"
    for name in ("uploader-gui.desktop", "fastprofile-mime.xml", "install.sh", "uninstall.sh"):
        shutil.copy2(linux / name, staging / name)
    icons = staging / "icons"
    icons.mkdir()
    for source in (ROOT / "resources" / "icons").glob("uploader-gui*.*"):
        if source.suffix in (".png", ".svg"):
            shutil.copy2(source, icons / source.name)
    for script in ("install.sh", "uninstall.sh"):
        (staging / script).chmod(0o755)
    dist.mkdir(parents=True, exist_ok=True)
    tarball = dist / f"{APP}-{version}-linux-{machine()}.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(staging, arcname=staging.name)
    return tarball


def windows_installer(bundle: Path, dist: Path, version: str) -> Path:
    iscc = shutil.which("iscc") or r"C:\Program Files (x86)\Inno Setup 6\ISCC.exe"
    dist.mkdir(parents=True, exist_ok=True)
    run(
        [
            iscc,
            f"/DAppVersion={version}",
            f"/DSourceDir={bundle}",
            f"/DIconFile={ROOT / 'resources' / 'icons' / 'uploader-gui.ico'}",
            f"/O{dist}",
            f"/F{APP}-{version}-windows-x64-setup",
            str(ROOT / "packaging" / "windows" / "uploader-gui.iss"),
        ]
    )
    return dist / f"{APP}-{version}-windows-x64-setup.exe"


def mac_disk_image(bundle: Path, dist: Path, version: str) -> Path:
    dist.mkdir(parents=True, exist_ok=True)
    image = dist / f"{APP}-{version}-macos-{machine()}.dmg"
    run([str(venv_bin("python")), "-m", "pip", "-q", "install", "dmgbuild==1.6.7"])
    run(
        [
            str(venv_bin("dmgbuild")),
            "-s",
            str(ROOT / "packaging" / "macos" / "dmg_settings.py"),
            "-D",
            f"app={bundle}",
            "-D",
            f"icon={ROOT / 'resources' / 'icons' / 'uploader-gui.icns'}",
            "FAST Uploader",
            str(image),
        ]
    )
    return image


# --- smoke tests -------------------------------------------------------------------------------


def smoke_environment(home: Path) -> dict[str, str]:
    env = dict(os.environ, UPLOADER_GUI_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    env.pop("PYTHONPATH", None)  # the frozen app must need nothing from outside its bundle
    return env


def smoke_delivery_folder(where: Path) -> tuple[Path, Path]:
    """A folder the example label accepts, and that label."""
    folder = where / "delivery"
    (folder / "images").mkdir(parents=True)
    for n in range(3):
        (folder / "images" / f"frame_{n:04d}.fits").write_bytes(b"SIMPLE  = T %d\n" % n)
    (folder / "catalog_main.parquet").write_bytes(b"PAR1 demo")
    (folder / "README.md").write_text("demo delivery\n", encoding="utf-8")
    label = ROOT / "resources" / "examples" / "demo-label.yaml"
    return folder, label


def smoke_test(executable: Path, version: str) -> dict[str, float]:
    """Every check raises on failure; returns the frozen app's start-up timings."""
    with tempfile.TemporaryDirectory(prefix="uploader-gui-smoke-") as scratch:
        where = Path(scratch)
        env = smoke_environment(where / "home")
        started = time.perf_counter()
        shown = run([str(executable), "--version"], env=env, capture_output=True)
        version_s = time.perf_counter() - started
        if shown.stdout.strip() != f"{APP} {version}":
            raise SystemExit(f"--version printed {shown.stdout!r}, expected {APP} {version}")
        run([str(executable), "--help"], env=env, capture_output=True)
        started = time.perf_counter()
        window = run([str(executable), "--smoke-test"], env=env, capture_output=True)
        window_s = time.perf_counter() - started
        say(window.stdout.strip())
        folder, label = smoke_delivery_folder(where)
        delivered = subprocess.run(
            [str(executable), "transfer", str(folder), str(label), "--sandbox"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        if delivered.returncode != 0 or "all 5 files are valid" not in delivered.stdout:
            raise SystemExit(
                f"the frozen app's delivery failed ({delivered.returncode}):\n"
                f"{delivered.stdout[-3000:]}\n{delivered.stderr[-3000:]}"
            )
        say("smoke delivery: all 5 files are valid")
    return {"version_s": version_s, "window_s": window_s}


def venv_timings() -> dict[str, float]:
    """The same start-up measured from the build environment (the app run from a venv)."""
    with tempfile.TemporaryDirectory(prefix="uploader-gui-venv-") as scratch:
        env = smoke_environment(Path(scratch))
        python = str(venv_bin("python"))
        started = time.perf_counter()
        run([python, "-m", "uploader_gui", "--version"], env=env, capture_output=True)
        version_s = time.perf_counter() - started
        started = time.perf_counter()
        run([python, "-m", "uploader_gui", "--smoke-test"], env=env, capture_output=True)
        return {"version_s": version_s, "window_s": time.perf_counter() - started}


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def report(bundle: Path, package: Path, frozen: dict[str, float], venv: dict[str, float]) -> None:
    mib = 1024 * 1024
    say(f"bundle {bundle.name}: {folder_bytes(bundle) / mib:.0f} MiB on disk")
    say(f"package {package.name}: {package.stat().st_size / mib:.0f} MiB")
    say("start-up          frozen    venv")
    for key, what in (("version_s", "--version"), ("window_s", "window + archive")):
        say(f"  {what:<16} {frozen[key]:6.2f} s {venv[key]:6.2f} s")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="where the package goes")
    parser.add_argument("--skip-smoke", action="store_true", help="build only")
    parser.add_argument(
        "--package-only",
        action="store_true",
        help="package the bundle built before again (e.g. after signing the .app); no smoke test",
    )
    args = parser.parse_args(argv)
    version = app_version()
    BUILD.mkdir(exist_ok=True)
    if args.package_only:
        bundle = BUILD / "dist" / ("FAST Uploader.app" if IS_MAC else APP)
        if not bundle.exists():
            raise SystemExit(f"{bundle} does not exist: build it first (without --package-only)")
        args.skip_smoke = True
    else:
        build_environment()
        bundle = freeze()
    if IS_WINDOWS:
        package = windows_installer(bundle, args.dist, version)
    elif IS_MAC:
        package = mac_disk_image(bundle, args.dist, version)
    else:
        package = linux_tarball(bundle, args.dist, version)
    say(f"built {package}")
    if args.skip_smoke:
        return 0
    frozen = smoke_test(frozen_executable(bundle), version)
    report(bundle, package, frozen, venv_timings())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
