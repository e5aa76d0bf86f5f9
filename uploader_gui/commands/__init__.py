"""Subcommands of `uploader-gui` (the headless twin of the window).

`COMMANDS` is the one list of them: the name, the module under `uploader_gui.commands` that
implements it, and its one-line help. `cli.py` imports a command's module only when that command
runs, so `uploader-gui` without arguments opens the window without loading boto3 or the session.
Each module exposes `add_parser(subparsers)`, registering its commands with `func(args) -> int`.
"""

from __future__ import annotations

# name -> (module, one-line help), in the order `--help` lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "index": ("index", "list a folder's files, with CRC32 checksums, into an index CSV"),
    "check": ("check", "check a label, and an index or folder, against the archive's rules"),
    "sandbox": ("sandbox", "run a local archive (S3, SSM and the init step) on 127.0.0.1"),
    "bench": ("bench", "run a benchmark and print its figures (from a source checkout)"),
    "login": ("auth", "sign in to the archive (browser only when needed)"),
    "logout": ("auth", "sign out: remove the kept sign-in from the keychain"),
    "whoami": ("auth", "show the account, role and credentials' expiry"),
    "transfer": ("transfer", "deliver a dataset: upload, validate, receipt (run again to resume)"),
    "deliveries": ("deliveries", "list saved deliveries with their state"),
    "receipt": (
        "deliveries",
        "print the receipt of a delivery (ID from `uploader-gui deliveries`)",
    ),
    "support-bundle": (
        "support_bundle",
        "save a zip for the archive's help desk: logs, receipt, verdicts, versions, no secrets",
    ),
}


def command_help(name: str) -> str:
    return COMMANDS[name][1]
