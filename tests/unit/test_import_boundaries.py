"""The layering rules of DESIGN.md §1 hold: the import-linter contracts in pyproject.toml are
kept by the code, and the same contracts break on a copy of it with a violation planted."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

SOURCE_ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(root), "PATH": ""},
    )


def test_every_layer_contract_of_the_project_is_kept() -> None:
    result = lint(SOURCE_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_contracts_break_on_qt_in_the_core_the_window_on_aws_and_a_cycle(
    tmp_path: Path,
) -> None:
    shutil.copy(SOURCE_ROOT / "pyproject.toml", tmp_path)
    package = tmp_path / "uploader_gui"
    shutil.copytree(
        SOURCE_ROOT / "uploader_gui", package, ignore=shutil.ignore_patterns("__pycache__")
    )
    with (package / "core" / "formatting.py").open("a") as module:
        module.write("\nimport PySide6  # planted\n")
    with (package / "ui" / "formatting_use.py").open("w") as module:
        module.write("import botocore  # planted\n")
    with (package / "core" / "protocol" / "naming.py").open("a") as module:
        module.write(
            "\nfrom uploader_gui.core.engine import ports  # planted: engine -> protocol\n"
        )
    result = lint(tmp_path)
    assert result.returncode == 1
    broken = {line.split(" BROKEN")[0] for line in result.stdout.splitlines() if "BROKEN" in line}
    assert broken == {
        "The core is pure: no Qt, AWS SDK, keychain, SQLite or app folders",
        "Only the window imports Qt",
        "The window reaches AWS only through the wiring",
        "No import cycles between sibling modules or packages",
    }, result.stdout
