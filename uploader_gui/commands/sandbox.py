"""`uploader-gui sandbox` (placeholder while it is being built)."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("sandbox", help="(being built)")
    parser.set_defaults(func=lambda args: 2)
