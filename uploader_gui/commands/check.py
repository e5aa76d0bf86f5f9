"""`uploader-gui check`: would the archive accept this delivery? Checked here, nothing sent.

Parses the label as the archive does, reads the provider's index (or walks the source folder)
and matches every file to a filetype with the archive's own rules (PROTOCOL.md §5.2–§5.3).
Exit 0: the archive would accept it; 1: one line per problem on stdout; 2: unusable arguments.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from uploader_gui.commands import command_help
from uploader_gui.core.delivery.index_checksums import ChecksumProgress, verify_index_checksums
from uploader_gui.core.delivery.preflight import (
    PreflightReport,
    read_label_and_index,
    run_preflight,
)
from uploader_gui.core.delivery.problems import Problem
from uploader_gui.core.formatting import human_size

EXIT_ACCEPTED, EXIT_PROBLEMS, EXIT_UNUSABLE = 0, 1, 2
PROGRESS_EVERY_S = 0.5


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "check",
        help=command_help("check"),
        description=(
            "Check a delivery before sending anything: the label as the archive parses it, "
            "the index (or the files under --source), and which filetype each file gets under "
            "the archive's rule (each pattern matched from the start of the file NAME). "
            "Exit 0 if the archive would accept it, 1 listing every problem, 2 for bad arguments."
        ),
    )
    parser.add_argument("label", type=Path, metavar="LABEL", help="the delivery label (YAML)")
    parser.add_argument("--index", type=Path, metavar="FILE", help="the provider's index CSV")
    parser.add_argument(
        "--source",
        type=Path,
        metavar="DIR",
        help="the data folder: with --index, every indexed file must be in it and match its "
        "checksum; alone, its files are checked as `uploader-gui index` would list them",
    )
    parser.set_defaults(func=run_check)


def run_check(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    unusable = _unusable_argument(args.label, args.index, args.source)
    if unusable:
        print(f"uploader-gui check: {unusable}", file=sys.stderr)
        return EXIT_UNUSABLE
    files = read_label_and_index(args.label, args.index, args.source)
    label, index = files.label, files.index
    problems = list(files.problems)
    if index is not None and args.source is not None and index.has_checksums and not problems:
        problems = verify_index_checksums(index, args.source, on_progress=_ProgressLine())
    if label is None or problems:
        _print_problems(problems, (), out)
        return EXIT_PROBLEMS
    report = run_preflight(label, index, args.source if index is None else None)
    if not report.is_accepted:
        _print_problems(report.problems, report.hints, out)
        return EXIT_PROBLEMS
    _print_summary(report, out)
    return EXIT_ACCEPTED


class _ProgressLine:
    """`Checking checksums: 1,204 of 5,000 files, 1.2 GiB of 4.7 GiB` on stderr, at most
    twice a second, rewritten in place on a terminal; the last one always printed."""

    def __init__(self) -> None:
        self._shown_at = 0.0
        self._is_terminal = sys.stderr.isatty()

    def __call__(self, progress: ChecksumProgress) -> None:
        now = time.monotonic()
        is_last = progress.files_done == progress.files_total
        if not is_last and now - self._shown_at < PROGRESS_EVERY_S:
            return
        self._shown_at = now
        text = (
            f"Checking checksums: {progress.files_done:,} of {progress.files_total:,} files, "
            f"{human_size(progress.bytes_done)} of {human_size(progress.bytes_total)}"
        )
        if self._is_terminal:
            print(f"\r{text}", end="\n" if is_last else "", file=sys.stderr, flush=True)
        else:
            print(text, file=sys.stderr)


def _unusable_argument(label: Path, index: Path | None, source: Path | None) -> str:
    for path, what in ((label, "label"), (index, "index")):
        if path is None:
            continue
        if not path.is_file():
            return f"{what} file {path} {'is not a file' if path.exists() else 'does not exist'}"
        try:
            with path.open("rb"):
                pass
        except OSError as exc:
            return f"cannot read the {what} file {path}: {exc.strerror or exc}"
    if source is not None and not source.is_dir():
        return (
            f"source folder {source} {'is not a folder' if source.exists() else 'does not exist'}"
        )
    return ""


def _print_problems(problems: Sequence[Problem], hints: Sequence[Problem], out: TextIO) -> None:
    for problem in problems:
        print(_printable(str(problem)), file=out)
    for hint in hints:
        print(_printable(f"hint: {hint}"), file=out)
    count = len(problems)
    print(
        f"The archive would refuse this delivery: {count} problem{'s' * (count != 1)}.",
        file=sys.stderr,
    )


def _print_summary(report: PreflightReport, out: TextIO) -> None:
    label = report.label
    head = f"OK: dataset {label.dataset}, delivery {label.delivery_id}"
    if report.match is None:
        print(f"{head}: the label is valid ({len(label.filetypes)} filetypes).", file=out)
        print("Give --index or --source to check the files too.", file=out)
    else:
        print(f"{head}: the archive would accept {len(report.paths)} files.", file=out)
        width = max((len(name or "") for name, _ in report.files_by_filetype()), default=0)
        ignored = {filetype.name for filetype in label.filetypes if filetype.ignore}
        for name, count in report.files_by_filetype():
            shown = name if name is not None else "(no filetype)"
            note = "  (ignore: true)" if name in ignored else ""
            print(_printable(f"  {shown:<{max(width, 13)}}  {count:>8}{note}"), file=out)
    for hint in report.hints:
        print(_printable(f"hint: {hint}"), file=out)


def _printable(text: str) -> str:
    """Undecodable file names (surrogate escapes) shown as \\x escapes rather than crashing."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
