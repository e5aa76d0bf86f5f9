"""`uploader-gui deliveries` lists the deliveries in the state store; `uploader-gui receipt ID`
prints one delivery's receipt (JSON, or the upstream-style CSV with `--csv`), built from the
store as it is now, so it is right even for a session that was killed before writing its own.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from uploader_gui import __version__
from uploader_gui.commands import command_help
from uploader_gui.core.engine.receipt import receipt_csv_text, receipt_json_text
from uploader_gui.core.errors import FatalError
from uploader_gui.store.state_store import StateStore
from uploader_gui.wiring.receipt_writer import receipt_of

EXIT_OK, EXIT_NOT_FOUND, EXIT_UNUSABLE = 0, 1, 3


def add_parser(subparsers: Any) -> None:
    listing: argparse.ArgumentParser = subparsers.add_parser(
        "deliveries", help=command_help("deliveries")
    )
    listing.add_argument("--store", type=Path, metavar="PATH", help=argparse.SUPPRESS)
    listing.set_defaults(func=list_deliveries)
    receipt: argparse.ArgumentParser = subparsers.add_parser(
        "receipt", help=command_help("receipt")
    )
    receipt.add_argument("delivery", type=int, metavar="ID")
    receipt.add_argument("--csv", action="store_true", help="the file,state,message CSV")
    receipt.add_argument("--store", type=Path, metavar="PATH", help=argparse.SUPPRESS)
    receipt.set_defaults(func=print_receipt)


def list_deliveries(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        with StateStore(args.store) as store:
            summaries = store.delivery_summaries()
    except FatalError as exc:
        print(f"uploader-gui deliveries: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    if not summaries:
        print("No deliveries yet.", file=out)
        return EXIT_OK
    for summary in summaries:
        record, by_state, files = summary.record, summary.counts, summary.files_total
        tally = ", ".join(f"{n:,} {state.label}" for state, n in sorted(by_state.items()))
        ended = f", ended {record.ended_at}" if record.ended_at else ""
        ended += f", discarded {record.discarded_at}" if record.discarded_at else ""
        outcome = f" ({record.outcome})" if record.outcome else ""
        print(
            f"{record.key:>4}  {record.dataset}-{record.delivery_id} {record.transfer_type}  "
            f"{record.state}{outcome}  {files:,} files: {tally or 'none'}  "
            f"profile {record.profile_name}, from {record.source_root}{ended}",
            file=out,
        )
    return EXIT_OK


def print_receipt(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        with StateStore(args.store) as store:
            delivery, files = receipt_of(store, args.delivery)
    except KeyError:
        print(
            f"uploader-gui receipt: no delivery {args.delivery}; see `uploader-gui deliveries`",
            file=sys.stderr,
        )
        return EXIT_NOT_FOUND
    except FatalError as exc:
        print(f"uploader-gui receipt: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    out.write(
        receipt_csv_text(files)
        if args.csv
        else receipt_json_text(delivery, files, app_version=__version__)
    )
    return EXIT_OK
