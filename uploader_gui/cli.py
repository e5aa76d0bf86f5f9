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
from pathlib import Path

from uploader_gui import __version__
from uploader_gui.commands import COMMANDS
from uploader_gui.core.delivery.profile_import import is_profile_file


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
    parser.add_argument(
        "--import-profile",
        metavar="FILE",
        type=Path,
        help="add an archive's connection profile (.fastprofile) to the Archive list",
    )
    # For the installer builds' smoke tests: open the window, start the local archive, close.
    parser.add_argument("--smoke-test", action="store_true", help=argparse.SUPPRESS)
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
    if args_list and all(is_profile_file(arg) for arg in args_list):
        # A double-clicked profile file: the window adds it (or the one already open does).
        from uploader_gui.ui.app import run_app

        return run_app(open_arguments=args_list)
    parser = build_parser(args_list)
    args, unknown = parser.parse_known_args(args_list)
    if unknown and getattr(args, "passes_arguments_on", False):
        args.bench_args = [*unknown, *args.bench_args]  # e.g. `bench --help`, for its own parser
    elif unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.import_profile is not None:
        return import_profile_command(args.import_profile)
    if args.command is None:
        from uploader_gui.ui.app import run_app

        if args.smoke_test:
            from uploader_gui.ui.smoke_check import SmokeCheck

            check = SmokeCheck()
            code = run_app(on_window_shown=check)
            return code if code else int(not check.is_ok)
        return run_app()
    return int(args.func(args))


EXIT_PROFILE_REFUSED = 2


def import_profile_command(path: Path) -> int:
    """`--import-profile FILE`: add it, say what happened; an open window selects it."""
    from uploader_gui.app_dirs import app_dirs
    from uploader_gui.core.delivery.problems import ProblemsFound
    from uploader_gui.core.delivery.profile_import import import_profile

    try:
        result = import_profile(path, app_dirs().profiles_dir)
    except ProblemsFound as found:
        print("The profile was not added:", file=sys.stderr)
        for problem in found.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_PROFILE_REFUSED
    print(result.message)
    if (app_dirs().data_dir / "window.lock").exists():
        from uploader_gui.ui.single_instance import tell_running_window

        tell_running_window(app_dirs().data_dir, [str(path.resolve())])
    return 0
