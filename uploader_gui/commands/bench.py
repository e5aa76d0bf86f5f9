"""`uploader-gui bench NAME`: benchmarks that print figures beside a reference run.

The benchmarks are not part of the installed app: they live in the source checkout's
`tests/bench/` (with an S3 sink, a SeaweedFS launcher and the reference clients' harnesses), and
this command only finds and runs them. Timings on a shared machine are compared as ratios
taken in one run, never asserted.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from uploader_gui.commands import command_help

EXIT_NO_BENCHMARKS = 2
_HOW_TO_GET_THEM = (
    "The benchmarks run from a source checkout of uploader-gui: clone it, then "
    "`pip install -e '.[bench]'` and run `uploader-gui bench` there."
)


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "bench", help=command_help("bench"), add_help=False
    )
    parser.add_argument("bench_args", nargs=argparse.REMAINDER)
    parser.set_defaults(func=run_benchmark, passes_arguments_on=True)


def _benchmarks() -> ModuleType | None:
    """`tests.bench` from the checkout this package was installed from (editable), if any."""
    source_root = Path(__file__).resolve().parents[2]
    if not (source_root / "tests" / "bench" / "__init__.py").is_file():
        return None
    if str(source_root) not in sys.path:
        sys.path.insert(0, str(source_root))
    return importlib.import_module("tests.bench")


def run_benchmark(args: argparse.Namespace) -> int:
    benchmarks = _benchmarks()
    if benchmarks is None:
        print(f"uploader-gui bench: no benchmarks in this install. {_HOW_TO_GET_THEM}")
        return EXIT_NO_BENCHMARKS
    parser = argparse.ArgumentParser(prog="uploader-gui bench", description=command_help("bench"))
    names = parser.add_subparsers(dest="bench_name", metavar="NAME", required=True)
    argv = list(args.bench_args)
    for name, (module_name, help_text) in benchmarks.BENCHMARKS.items():
        sub = names.add_parser(name, help=help_text)
        if argv[:1] == [name]:  # only the benchmark being run is imported
            module = importlib.import_module(f"tests.bench.{module_name}")
            module.add_arguments(sub)
            sub.set_defaults(func=module.run)
    chosen = parser.parse_args(argv)
    return int(chosen.func(chosen))
