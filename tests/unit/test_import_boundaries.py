"""The layering rules of DESIGN.md §1, checked on the source: a violation fails the build."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "uploader_gui"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules_under(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def roots(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


@pytest.mark.parametrize("path", modules_under("core"), ids=lambda p: p.name)
def test_core_imports_neither_qt_nor_boto(path: Path) -> None:
    forbidden = roots(imported_modules(path)) & {
        "PySide6",
        "boto3",
        "botocore",
        "s3transfer",
        "moto",
        "keyring",
        "qasync",
        "sqlite3",
    }
    assert not forbidden, f"{path.name} imports {forbidden}: core/ must stay pure (DESIGN.md §1)"


@pytest.mark.parametrize("path", modules_under("core"), ids=lambda p: p.name)
def test_core_imports_no_adapter_or_ui(path: Path) -> None:
    names = imported_modules(path)
    bad = {
        n for n in names if n.startswith("uploader_gui.") and not n.startswith("uploader_gui.core")
    }
    assert not bad, f"{path.name} imports {bad}: core/ depends on nothing outside core/"


def non_ui_modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "ui" not in p.relative_to(PACKAGE).parts[:1]]


@pytest.mark.parametrize("path", non_ui_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_ui_imports_qt(path: Path) -> None:
    assert "PySide6" not in roots(imported_modules(path)), (
        f"{path.relative_to(PACKAGE)} imports PySide6; only uploader_gui/ui may"
    )


@pytest.mark.parametrize("path", modules_under("ui"), ids=lambda p: p.name)
def test_ui_never_imports_boto(path: Path) -> None:
    assert not roots(imported_modules(path)) & {"boto3", "botocore"}, (
        f"ui/{path.name} imports boto: the window talks to the engine, never to AWS"
    )


def test_the_boundary_check_sees_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import PySide6.QtCore\nfrom boto3 import client\n")
    assert roots(imported_modules(sample)) == {"PySide6", "boto3"}


@pytest.mark.parametrize("path", modules_under("ui"), ids=lambda p: p.name)
def test_ui_never_imports_the_sandbox_or_adapters(path: Path) -> None:
    names = imported_modules(path)
    bad = {
        n
        for n in names
        if n.split(".")[0] == "moto"
        or n.startswith(("uploader_gui.sandbox", "uploader_gui.fast", "uploader_gui.transfer"))
    }
    assert not bad, (
        f"ui/{path.name} imports {bad}: the window reaches archives only through services "
        "that run off the GUI thread"
    )
