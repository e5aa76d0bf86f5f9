"""The `uploader-gui` command: no arguments opens the window; subcommands are the headless twin.

Each subcommand lives in its own module under `uploader_gui.commands` and exposes
`add_parser(subparsers)`, which registers the parser and sets `func(args) -> int` as its handler.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from uploader_gui import __version__

# Modules under uploader_gui.commands, in the order `--help` lists them.
COMMAND_MODULES = ("index", "check", "sandbox", "bench", "auth", "transfer", "deliveries")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="uploader-gui",
        description="Deliver a dataset to the archive. Without a subcommand, open the window.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"uploader_gui.commands.{name}")
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(args_list)
    if args.command is None:
        from uploader_gui.ui.app import run_app

        return run_app()
    return int(args.func(args))
