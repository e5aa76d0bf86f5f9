"""`uploader-gui bench NAME`: benchmarks that print figures beside a reference run.

Benchmarks are commands, never tests: timings on a shared machine are compared as ratios taken in
one run. Each benchmark module under `uploader_gui.bench` exposes `add_arguments(parser)` and
`run(args) -> int`.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

# name -> (module under uploader_gui.bench, one-line help)
BENCHMARKS = {
    "index": ("index_bench", "folder index throughput as a ratio to `cat` on the same tree"),
    "store": ("store_bench", "time and peak memory to register 1,000,000 files"),
    "delivery": ("delivery_bench", "whole deliveries through the CLI: wall time by phase"),
    "transfer": ("transfer_bench", "our uploads against s5cmd, rclone, awscli, boto3 over HTTPS"),
}


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "bench", help="run a benchmark and print its figures"
    )
    names = parser.add_subparsers(dest="bench_name", metavar="NAME", required=True)
    for name, (module_name, help_text) in BENCHMARKS.items():
        sub = names.add_parser(name, help=help_text)
        module = importlib.import_module(f"uploader_gui.bench.{module_name}")
        module.add_arguments(sub)
        sub.set_defaults(func=module.run)
