"""`uploader-gui index SOURCE`: write a folder's index CSV, with CRC32 checksums by default.

The output is byte-identical in format to `mast-upload index --make-checksums` (see
`core.index_file`). The index goes to `index.csv` in the current folder unless `-o` says
otherwise, as upstream does, with one guard: when the current folder is inside SOURCE, the
default would put the index into the folder it lists (and the next run would list the index),
so that is refused; an explicit `-o` inside SOURCE is obeyed and that file is left out of the
listing, unless it is a file of the dataset (not starting with a `path` header), which is never
overwritten. Progress, the skipped entries and a summary go to stderr.

Exit status: 0 the index was written; 1 problems were found (or nothing to list, or the file
could not be written) and nothing was written; 2 bad arguments; 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from uploader_gui.commands import command_help
from uploader_gui.core.checksums.crc32 import DEFAULT_WORKERS
from uploader_gui.core.delivery.folder_index import FolderIndex, IndexOptions, build_folder_index
from uploader_gui.core.delivery.index_file import write_index
from uploader_gui.core.events import Event, IndexProgressed

DEFAULT_OUTPUT = Path("index.csv")
NON_TTY_PROGRESS_INTERVAL_S = 5.0


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "index",
        help=command_help("index"),
        description="List every regular file under SOURCE, with its CRC32 checksum, into an "
        "index CSV (columns path,checksum) ready for a delivery. Junk files are skipped and "
        "listed; files that cannot be delivered as they are stop the index from being written.",
    )
    parser.add_argument("source", metavar="SOURCE", type=Path, help="the folder to index")
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        type=Path,
        help="where to write the index (default: index.csv in the current folder, "
        "refused if that is inside SOURCE)",
    )
    parser.add_argument(
        "--no-checksums", action="store_true", help="write only the path column (no hashing)"
    )
    parser.add_argument(
        "--exclude",
        metavar="GLOB",
        action="append",
        default=[],
        help="skip files and folders whose relative path or name matches GLOB "
        "(case-sensitive; * also matches /); repeatable",
    )
    parser.add_argument(
        "--allow-skips",
        action="store_true",
        help="write the index even if some files have problems, leaving those files out",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=DEFAULT_WORKERS,
        help=(
            "files read at once: threads, and worker processes for many small files "
            f"(default: {DEFAULT_WORKERS}, the number of cores up to 4)"
        ),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_index(args, stderr=sys.stderr, clock=time.monotonic)


def run_index(args: argparse.Namespace, *, stderr: TextIO, clock: Callable[[], float]) -> int:
    """The command's body, with its stream and clock passed in."""
    output = args.output if args.output is not None else DEFAULT_OUTPUT
    argument_error = _argument_error(args, output)
    if argument_error:
        print(f"uploader-gui index: error: {argument_error}", file=stderr)
        return 2
    options = IndexOptions(
        compute_checksums=not args.no_checksums,
        excludes=tuple(args.exclude),
        workers=args.workers,
        leave_out=(output,),
    )
    printer = _ProgressPrinter(stderr, clock, is_tty=stderr.isatty())
    started = clock()
    try:
        folder_index = build_folder_index(args.source, options, emit=printer, clock=clock)
    except KeyboardInterrupt:
        printer.end_line()
        print("interrupted: nothing written", file=stderr)
        return 130
    printer.end_line()
    _print_skipped(folder_index, stderr)
    return _write(folder_index, output, args.allow_skips, stderr, clock() - started)


def _argument_error(args: argparse.Namespace, output: Path) -> str | None:
    source: Path = args.source
    if not source.exists():
        return f"SOURCE {source} does not exist"
    if not source.is_dir():
        return f"SOURCE {source} is not a folder"
    if output.is_dir():
        return f"the output {output} is a folder; give a file name, e.g. {output / 'index.csv'}"
    if not output.parent.is_dir():
        return f"the output's folder {output.parent} does not exist"
    if _is_inside(output, source):
        if args.output is None:
            return (
                f"the default output {output.resolve()} is inside SOURCE, so the index would "
                "list itself next time; run from another folder or choose the file with -o"
            )
        if output.exists() and not _looks_like_an_index(output):
            return f"{output} is a file of the dataset, not an index: it will not be overwritten"
    if any(not pattern.strip("/") for pattern in args.exclude):
        return "--exclude needs a non-empty GLOB"
    if args.workers < 1:
        return "--workers must be at least 1"
    return None


def _looks_like_an_index(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            start = stream.read(16).removeprefix(b"\xef\xbb\xbf")
    except OSError:
        return False
    return start.startswith(b"path")


def _is_inside(path: Path, folder: Path) -> bool:
    real_path = os.path.realpath(path)
    real_folder = os.path.realpath(folder)
    try:
        return os.path.commonpath([real_path, real_folder]) == real_folder
    except ValueError:  # different drives on Windows
        return False


def _write(
    folder_index: FolderIndex, output: Path, allow_skips: bool, stderr: TextIO, elapsed_s: float
) -> int:
    problems = folder_index.problems
    if problems and not allow_skips:
        print(
            f"index NOT written: {_count(len(problems), 'problem')} to fix first "
            "(or pass --allow-skips to write the index without those files)",
            file=stderr,
        )
        return 1
    if not folder_index.files:
        print(f"index NOT written: no files to list in {folder_index.root}", file=stderr)
        return 1
    try:
        write_index(folder_index, output, allow_skips=allow_skips)
    except OSError as error:
        print(f"index NOT written: cannot write {output}: {error.strerror or error}", file=stderr)
        return 1
    checksums = "with checksums" if folder_index.has_checksums else "without checksums"
    left_out = f", {_count(len(problems), 'file')} with problems left out" if problems else ""
    rate = folder_index.bytes_total / elapsed_s if elapsed_s > 0 else 0.0
    print(
        f"wrote {output}: {_count(len(folder_index.files), 'file')}, "
        f"{format_bytes(folder_index.bytes_total)}, {checksums}{left_out} "
        f"in {elapsed_s:.1f} s ({format_bytes(rate)}/s)",
        file=stderr,
    )
    return 0


def _print_skipped(folder_index: FolderIndex, stderr: TextIO) -> None:
    notes = [entry for entry in folder_index.skipped if not entry.is_problem]
    if notes:
        print(f"skipped {_count(len(notes), 'entry', 'entries')}:", file=stderr)
        for entry in notes:
            print(f"  {entry.path} — {entry.reason}", file=stderr)
    problems = folder_index.problems
    if problems:
        print(f"{_count(len(problems), 'problem')}:", file=stderr)
        for entry in problems:
            print(f"  PROBLEM {entry.path} — {entry.reason}", file=stderr)


class _ProgressPrinter:
    """Renders progress events: one rewritten line on a terminal, a line every few s otherwise."""

    def __init__(self, stream: TextIO, clock: Callable[[], float], *, is_tty: bool) -> None:
        self._stream, self._clock, self._is_tty = stream, clock, is_tty
        self._last_printed = clock()  # a quick run prints no progress line at all
        self._line_open = False

    def __call__(self, event: Event) -> None:
        if not isinstance(event, IndexProgressed):
            return
        line = (
            f"{event.files_done:,}/{event.files_total:,} files, "
            f"{format_bytes(event.bytes_done)}/{format_bytes(event.bytes_total)}, "
            f"{format_bytes(event.rate_bytes_per_s)}/s"
        )
        if self._is_tty:
            self._stream.write(f"\r{line:<72}")
            self._stream.flush()
            self._line_open = True
            return
        now = self._clock()
        if now - self._last_printed >= NON_TTY_PROGRESS_INTERVAL_S:
            self._last_printed = now
            print(line, file=self._stream)

    def end_line(self) -> None:
        if self._line_open:
            self._stream.write("\n")
            self._line_open = False


def format_bytes(count: float) -> str:
    """A byte count for people: `512 B`, `1.5 KiB`, `4.0 GiB`, `2.5 TiB`."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if count < 1024 or unit == "TiB":
            break
        count /= 1024
    return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"


def _count(number: int, singular: str, plural: str | None = None) -> str:
    word = singular if number == 1 else (plural or f"{singular}s")
    return f"{number:,} {word}"
