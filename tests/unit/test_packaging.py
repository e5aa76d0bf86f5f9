"""What the installers are made of, checked without building them: the release workflow is a
valid GitHub workflow defining the Windows, macOS and Linux builds with the same smoke tests,
the icon's renderings are real images of the sizes each platform asks for, the desktop entry
opens profile files, the bundle leaves out what the app never loads, and the version is set in
one place."""

from __future__ import annotations

import importlib.util
import struct
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import yaml

from uploader_gui import __version__

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
ICONS = ROOT / "resources" / "icons"


def packaging_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "packaging" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_release_workflow_is_valid_for_github() -> None:
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            str(WORKFLOW),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_platform_is_tested_frozen_smoke_tested_and_uploaded() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text("utf-8"))
    job = workflow["jobs"]["installer"]
    systems = {entry["os"].split("-")[0] for entry in job["strategy"]["matrix"]["include"]}
    assert systems == {"ubuntu", "windows", "macos"}
    commands = [step.get("run", "") for step in job["steps"]]
    assert "python packaging/dev.py test" in commands
    assert "python packaging/build.py" in commands
    uploads = [step for step in job["steps"] if step.get("uses", "").startswith("actions/upload")]
    assert uploads
    assert uploads[0]["with"]["if-no-files-found"] == "error"
    signing = [step for step in job["steps"] if "Sign" in step.get("name", "")]
    assert len(signing) == 2
    assert all("HAS_" in step["if"] for step in signing)  # skipped cleanly without secrets


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_icon_is_rendered_at_every_size_from_16_to_1024() -> None:
    assert (ICONS / "uploader-gui.svg").read_text("utf-8").startswith("<svg")
    for size in (16, 24, 32, 48, 64, 128, 256, 512, 1024):
        assert png_size(ICONS / f"uploader-gui-{size}.png") == (size, size)


def test_the_windows_and_macos_icons_hold_the_sizes_their_platforms_use() -> None:
    ico = (ICONS / "uploader-gui.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1)
    sizes = {ico[6 + 16 * n] or 256 for n in range(count)}  # a 0 byte means 256
    assert {16, 32, 48, 256} <= sizes
    icns = (ICONS / "uploader-gui.icns").read_bytes()
    assert icns[:4] == b"icns"
    assert struct.unpack(">I", icns[4:8])[0] == len(icns)
    kinds, offset = set(), 8
    while offset < len(icns):
        kinds.add(icns[offset : offset + 4])
        offset += struct.unpack(">I", icns[offset + 4 : offset + 8])[0]
    assert {b"ic07", b"ic08", b"ic09", b"ic10"} <= kinds  # 128, 256, 512 and 512@2x


def test_the_desktop_entry_and_installers_open_profile_files() -> None:
    desktop = (ROOT / "packaging" / "linux" / "uploader-gui.desktop").read_text("utf-8")
    assert "MimeType=application/x-fastprofile;" in desktop
    assert "Exec=uploader-gui %f" in desktop
    mime = (ROOT / "packaging" / "linux" / "fastprofile-mime.xml").read_text("utf-8")
    assert '<glob pattern="*.fastprofile"/>' in mime
    inno = (ROOT / "packaging" / "windows" / "uploader-gui.iss").read_text("utf-8")
    assert "PrivilegesRequired=lowest" in inno
    assert 'Subkey: "Software\\Classes\\.fastprofile"' in inno
    spec = (ROOT / "packaging" / "uploader-gui.spec").read_text("utf-8")
    assert '"CFBundleTypeExtensions": ["fastprofile"]' in spec
    assert '"NSHighResolutionCapable": True' in spec


def test_the_bundle_leaves_out_what_the_app_never_loads() -> None:
    contents = packaging_module("freeze_contents")
    assert not contents.keep_data("PySide6/Qt/translations/qtbase_de.qm")
    assert contents.keep_data("botocore/data/s3/2006-03-01/service-2.json.gz")
    assert contents.keep_data("botocore/data/endpoints.json")
    assert not contents.keep_data("botocore/data/sagemaker/2017-07-24/service-2.json.gz")
    assert contents.keep_binary("PySide6/Qt/plugins/platforms/libqxcb.so")
    assert contents.keep_binary("PySide6/Qt/plugins/imageformats/libqsvg.so")
    assert not contents.keep_binary("PySide6/Qt/plugins/egldeviceintegrations/libqeglfs-x11.so")
    assert not contents.keep_binary("PySide6/Qt/lib/libQt6Quick.so.6")
    assert contents.keep_binary("PySide6/Qt/lib/libQt6Widgets.so.6")


def test_the_version_is_set_in_one_place() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    assert 'dynamic = ["version"]' in pyproject
    assert 'version = { attr = "uploader_gui.__version__" }' in pyproject
    assert packaging_module("build").app_version() == __version__
    shown = subprocess.run(
        [sys.executable, "-m", "uploader_gui", "--version"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert shown.stdout.strip() == f"uploader-gui {__version__}"
