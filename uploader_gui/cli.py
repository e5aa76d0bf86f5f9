"""The `uploader-gui` command: no arguments opens the window; subcommands are the headless twin.

Only the module of the command being run is imported (`uploader_gui.commands.COMMANDS` says
which): the bare command opens the window without first loading boto3, moto or the session, and
`--help` lists every command from that table alone.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from uploader_gui import __version__
from uploader_gui.commands import COMMANDS


def _chosen_command(argv: Sequence[str]) -> str | None:
    """The subcommand `argv` names: its first argument that is not an option."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv`: the named command in full, every other one by name and help.

    With `argv` None every command is loaded in full (what tests of the parsers use).
    """
    parser = argparse.ArgumentParser(
        prog="uploader-gui",
        description="Deliver a dataset to the archive. Without a subcommand, open the window.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = _chosen_command(argv) if argv is not None else None
    loaded: set[str] = set()
    for name, (module_name, help_text) in COMMANDS.items():
        if argv is None or COMMANDS[name][0] == COMMANDS.get(chosen or "", ("",))[0]:
            if module_name not in loaded:
                loaded.add(module_name)
                importlib.import_module(f"uploader_gui.commands.{module_name}").add_parser(
                    subparsers
                )
        else:
            subparsers.add_parser(name, help=help_text)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(args_list)
    args, unknown = parser.parse_known_args(args_list)
    if unknown and getattr(args, "passes_arguments_on", False):
        args.bench_args = [*unknown, *args.bench_args]  # e.g. `bench --help`, for its own parser
    elif unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command is None:
        from uploader_gui.ui.app import run_app

        return run_app()
    return int(args.func(args))
