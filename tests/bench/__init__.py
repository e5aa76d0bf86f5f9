"""The benchmarks behind `uploader-gui bench NAME` and their smoke tests.

They live beside the tests, not in the installed package: an S3 sink server, a SeaweedFS
launcher and client harnesses are of no use to a partner. `uploader-gui bench` runs them from a
source checkout (`pip install -e '.[bench]'` for the reference clients). Each benchmark module
exposes `add_arguments(parser)` and `run(args) -> int`; figures, never pass/fail thresholds.
"""

from __future__ import annotations

from pathlib import Path

SOURCE_ROOT = Path(__file__).resolve().parents[2]

# name -> (module under tests.bench, one-line help)
BENCHMARKS = {
    "index": ("index_bench", "folder index throughput as a ratio to `cat` on the same tree"),
    "store": ("store_bench", "time and peak memory to register 1,000,000 files"),
    "delivery": (
        "delivery_bench",
        "whole deliveries through the CLI: wall time by phase, files/s, verdicts/s, CPU",
    ),
    "archive-memory": (
        "archive_memory_bench",
        "the local archive's RSS while it takes a delivery: objects in memory vs on disk",
    ),
    "validator": ("validator_bench", "the local archive's validator alone: verdicts/s and CPU"),
    "fill": ("fill_bench", "time to the first and to every row of 100,000 files in the table"),
    "window": (
        "window_bench",
        "the window on 1,000,000 files: first rows, GUI-thread lateness, memory; then a delivery",
    ),
    "table": ("table_filter_bench", "file table filter and path search on 1,000,000 rows"),
    "transfer": ("transfer_bench", "our uploads against s5cmd, rclone, awscli, boto3 over HTTPS"),
}
