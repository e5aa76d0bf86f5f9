"""Pre-flight off the GUI thread: would the archive accept this label, index and folder?

`check_delivery(request)` reads the label, the index (if one is chosen) and walks the folder
(if there is no index) exactly as `uploader-gui check` does, and returns a `PreflightVerdict`
the panel can show. `PreflightRunner` runs it on one worker thread: each `request()` gets a
generation number, a newer request cancels the folder walk of an older one, and a result that
arrives for an older generation is dropped (as `EngineBridge` drops stale index events).
"""

from __future__ import annotations

import enum
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from uploader_gui.core.delivery.folder_index import (
    FolderIndex,
    IndexCancelledError,
    IndexOptions,
    build_folder_index,
)
from uploader_gui.core.delivery.index_checksums import ChecksumProgress, verify_index_checksums
from uploader_gui.core.delivery.preflight import (
    PreflightReport,
    read_label_and_index,
    run_preflight,
)
from uploader_gui.core.delivery.problems import Problem
from uploader_gui.core.errors import UserInputError
from uploader_gui.core.formatting import count_text, human_size

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PreflightRequest:
    """What to check: paths as the person chose them (None: not chosen)."""

    label_path: str | None
    index_path: str | None = None
    folder: str | None = None
    bucket_stem: str | None = None  # the archive's, when known: bucket names checked exactly


class VerdictKind(enum.StrEnum):
    NO_LABEL = "no-label"  # nothing to check yet
    ACCEPTED = "accepted"
    REFUSED = "refused"
    FAILED = "failed"  # the check itself broke (a bug): not a verdict on the delivery


@dataclass(frozen=True, slots=True)
class PreflightVerdict:
    """One line for the panel, and the problems and hints behind it."""

    kind: VerdictKind
    headline: str
    problems: tuple[Problem, ...] = ()
    hints: tuple[Problem, ...] = ()
    report: PreflightReport | None = None

    @property
    def is_accepted(self) -> bool:
        return self.kind is VerdictKind.ACCEPTED


NO_LABEL_TEXT = "Choose the delivery's label to check the delivery before sending anything."
CHECKING_TEXT = "Checking the delivery…"


def check_delivery(
    request: PreflightRequest,
    is_cancelled: Callable[[], bool] = lambda: False,
    on_progress: Callable[[str], None] = lambda text: None,
) -> PreflightVerdict:
    """The verdict for `request` (blocking: reads files). IndexCancelledError if cancelled.

    With an index that has checksums and a folder, every file is hashed against its index
    CRC32 (`on_progress` gets a line about it now and then)."""
    if request.label_path is None:
        return PreflightVerdict(VerdictKind.NO_LABEL, NO_LABEL_TEXT)
    folder = Path(request.folder) if request.folder else None
    files = read_label_and_index(
        Path(request.label_path),
        Path(request.index_path) if request.index_path is not None else None,
        folder,
    )
    label, index = files.label, files.index
    if label is None or files.problems:
        return refused_verdict(files.problems, ())
    if index is not None and folder is not None and index.has_checksums:
        mismatches = verify_index_checksums(
            index,
            folder,
            on_progress=lambda progress: on_progress(checksum_progress_text(progress)),
            is_cancelled=is_cancelled,
        )
        if is_cancelled():
            raise IndexCancelledError(str(folder))
        if mismatches:
            return refused_verdict(mismatches, label.warnings)
    walk = functools.partial(_walk_without_checksums, is_cancelled=is_cancelled)
    try:
        report = run_preflight(
            label,
            index,
            folder if index is None else None,
            bucket_stem=request.bucket_stem,
            index_folder=walk,
        )
    except UserInputError as error:  # the folder went away or cannot be read
        problem = Problem(error.path or str(folder), str(error), fix="choose the folder again")
        return refused_verdict([problem], label.warnings)
    if not report.is_accepted:
        return refused_verdict(report.problems, report.hints, report)
    return PreflightVerdict(
        VerdictKind.ACCEPTED, accepted_headline(report), hints=report.hints, report=report
    )


def checksum_progress_text(progress: ChecksumProgress) -> str:
    """`Checking the index's checksums: 1,204 of 5,000 files (1.2 GiB of 4.7 GiB)…`"""
    return (
        f"Checking the index's checksums: {progress.files_done:,} of {progress.files_total:,} "
        f"files ({human_size(progress.bytes_done)} of {human_size(progress.bytes_total)})…"
    )


def refused_verdict(
    problems: list[Problem] | tuple[Problem, ...],
    hints: tuple[Problem, ...],
    report: PreflightReport | None = None,
) -> PreflightVerdict:
    headline = f"✗ {count_text(len(problems), 'problem')}: the archive would refuse this delivery"
    return PreflightVerdict(VerdictKind.REFUSED, headline, tuple(problems), hints, report)


def accepted_headline(report: PreflightReport) -> str:
    """`✓ The archive would accept 42 files (images 40, readme 2)`."""
    if report.match is None:
        filetypes = count_text(len(report.label.filetypes), "filetype")
        return (
            f"✓ The label is valid ({filetypes}). Choose or drop the folder, "
            "or choose an index, to check the files too."
        )
    counts = [
        f"{name if name is not None else 'no filetype'} {count:,}"
        for name, count in report.files_by_filetype()
        if count
    ]
    text = f"✓ The archive would accept {count_text(len(report.paths), 'file')}"
    return f"{text} ({', '.join(counts)})" if counts else text


def _walk_without_checksums(root: Path, *, is_cancelled: Callable[[], bool]) -> FolderIndex:
    # As `preflight.index_folder_without_checksums`, but a newer request can stop the walk.
    return build_folder_index(
        root, IndexOptions(compute_checksums=False), is_cancelled=is_cancelled
    )


# (request, is_cancelled, on_progress): the verdict; may raise IndexCancelledError.
DeliveryCheck = Callable[
    [PreflightRequest, Callable[[], bool], Callable[[str], None]], PreflightVerdict
]


class PreflightRunner(QObject):
    """Runs `check` on one worker thread; `finished(generation, verdict)` on the GUI thread."""

    finished = Signal(int, object)  # generation, PreflightVerdict
    progressed = Signal(int, str)  # generation, a line on how far the check has come

    def __init__(self, parent: QObject | None = None, *, check: DeliveryCheck = check_delivery):
        super().__init__(parent)
        self._check = check
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="preflight")
        # Read by the worker to see whether its run is still wanted; ints are swapped atomically.
        self._generation = 0
        self._is_shut_down = False

    @property
    def generation(self) -> int:
        """The generation of the newest request: only its result is current."""
        return self._generation

    def request(self, request: PreflightRequest) -> int:
        """Check `request`, superseding every earlier one; returns its generation."""
        self._generation += 1
        generation = self._generation
        if not self._is_shut_down:
            self._executor.submit(self._run, generation, request)
        return generation

    def cancel(self) -> None:
        """Supersede every request so far: a walk under way stops, no result is current."""
        self._generation += 1

    def is_current(self, generation: int) -> bool:
        return generation == self._generation and not self._is_shut_down

    def shutdown(self) -> None:
        """Stop the current walk at its next file and wait for the thread (safe to call twice)."""
        self._is_shut_down = True
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _progress(self, generation: int, text: str) -> None:
        if self.is_current(generation):
            self.progressed.emit(generation, text)

    def _run(self, generation: int, request: PreflightRequest) -> None:
        def is_stale() -> bool:
            return not self.is_current(generation)

        if is_stale():
            return  # a newer request came in while this one waited
        try:
            verdict = self._check(request, is_stale, functools.partial(self._progress, generation))
        except IndexCancelledError:
            return
        except Exception as error:  # a bug: the person gets a line, the log the traceback
            log.exception("pre-flight check of %s failed", request)
            verdict = PreflightVerdict(
                VerdictKind.FAILED,
                f"✗ The check stopped with an internal error: {type(error).__name__}: {error}",
            )
        self.finished.emit(generation, verdict)
