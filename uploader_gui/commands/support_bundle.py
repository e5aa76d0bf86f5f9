"""`uploader-gui support-bundle [ID] -o FILE`: the window's Save support bundle… without a
window: the app's logs, the delivery's receipt (from the state store as it is now), the delivery's
files that are not valid with their verdicts and journals, the versions and the profile without
its secrets, in one zip for the archive's help desk (`wiring.support_bundle`).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from uploader_gui.commands import command_help
from uploader_gui.core.errors import FatalError
from uploader_gui.core.formatting import support_bundle_file_name
from uploader_gui.store.state_store import StateStore
from uploader_gui.wiring.support_bundle import (
    BundleSources,
    SupportBundleError,
    write_support_bundle,
)

EXIT_OK, EXIT_NOT_FOUND, EXIT_CANNOT_WRITE = 0, 1, 3


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "support-bundle", help=command_help("support-bundle")
    )
    parser.add_argument(
        "delivery",
        type=int,
        nargs="?",
        metavar="ID",
        help="the delivery (from `uploader-gui deliveries`); default: the newest",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="the zip to write (default: a dated name in the current folder)",
    )
    parser.add_argument("--store", type=Path, metavar="PATH", help=argparse.SUPPRESS)
    parser.set_defaults(func=save_bundle)


def save_bundle(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    target = args.output or Path(support_bundle_file_name(datetime.now(UTC)))
    if args.delivery is not None:
        try:
            with StateStore(args.store) as store:
                store.delivery(args.delivery)
        except KeyError:
            print(
                f"uploader-gui support-bundle: no delivery {args.delivery}; "
                "see `uploader-gui deliveries`",
                file=sys.stderr,
            )
            return EXIT_NOT_FOUND
        except FatalError:
            pass  # a damaged store is what a bundle is for: it says so inside
    try:
        path = write_support_bundle(
            target, delivery_key=args.delivery, sources=BundleSources(store_path=args.store)
        )
    except SupportBundleError as error:
        print(f"uploader-gui support-bundle: {error}", file=sys.stderr)
        return EXIT_CANNOT_WRITE
    print(f"Support bundle saved: {path}", file=out)
    return EXIT_OK
