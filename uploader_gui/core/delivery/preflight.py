"""Pre-flight: would the archive accept this delivery? Decided locally, before anything is sent.

Puts together the checks of PROTOCOL.md §12 step 1 that need the files: the label (already
parsed, so valid), the provider's index or a walk of the source folder, and the archive's
filetype matching (§5.2). Every problem is collected, so one run tells the person everything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from uploader_gui.core.delivery.filetype_match import FiletypeMatch, match_filetypes
from uploader_gui.core.delivery.folder_index import FolderIndex, IndexOptions, build_folder_index
from uploader_gui.core.delivery.index_file import ProviderIndex, read_provider_index
from uploader_gui.core.delivery.label import DEFAULT_AZ_ID, Label, check_delivery_names, parse_label
from uploader_gui.core.delivery.problems import Problem, ProblemsFound

FolderIndexer = Callable[[Path], FolderIndex]


@dataclass(frozen=True, slots=True)
class DeliveryFiles:
    """A delivery's label and optional index as read, with every problem found reading them."""

    label: Label | None
    index: ProviderIndex | None
    problems: tuple[Problem, ...]


def read_label_and_index(
    label_path: Path, index_path: Path | None, source_root: Path | None
) -> DeliveryFiles:
    """Read both files and collect the problems of both, so one run reports everything."""
    problems: list[Problem] = []
    label: Label | None = None
    index: ProviderIndex | None = None
    try:
        label = parse_label(label_path)
    except ProblemsFound as found:
        problems += found.problems
    if index_path is not None:
        try:
            index = read_provider_index(index_path, source_root=source_root)
        except ProblemsFound as found:
            problems += found.problems
    return DeliveryFiles(label, index, tuple(problems))


def index_folder_without_checksums(root: Path) -> FolderIndex:
    """The folder's files as an index would list them; no checksums, which pre-flight needs not."""
    return build_folder_index(root, IndexOptions(compute_checksums=False))


@dataclass(frozen=True)
class PreflightReport:
    """The verdict of a pre-flight check and everything behind it."""

    label: Label
    # What the files came from: the index file or the source folder; "" for the label alone.
    source: str
    paths: tuple[str, ...]
    match: FiletypeMatch | None  # None when only the label was checked
    problems: tuple[Problem, ...]  # each one alone makes the archive refuse the delivery
    hints: tuple[Problem, ...]  # worth knowing, refuses nothing

    @property
    def is_accepted(self) -> bool:
        return not self.problems

    def files_by_filetype(self) -> list[tuple[str | None, int]]:
        """(filetype name, file count) in label order; None counts files with no filetype."""
        if self.match is None:
            return []
        counts = self.match.counts()
        rows: list[tuple[str | None, int]] = [
            (filetype.name, counts.get(filetype.name, 0)) for filetype in self.label.filetypes
        ]
        if counts.get(None):
            rows.append((None, counts[None]))
        return rows


def run_preflight(
    label: Label,
    index: ProviderIndex | None,
    source_root: Path | None,
    *,
    bucket_stem: str | None = None,
    az_id: str = DEFAULT_AZ_ID,
    index_folder: FolderIndexer = index_folder_without_checksums,
) -> PreflightReport:
    """Check `label` with the files of `index`, or else of the folder `source_root`.

    `index` should come from `read_provider_index(csv, source_root)`, which already refuses
    paths missing on disk. With no index, the folder is walked as `uploader-gui index` would.
    With `bucket_stem` (from the archive's network configuration) the bucket names are checked
    exactly; without it only what no stem could fix.
    """
    problems: list[Problem] = []
    hints: list[Problem] = list(label.warnings)
    if bucket_stem is not None:
        errors, warnings = check_delivery_names(
            label.dataset,
            label.delivery_id,
            source_name=label.source_name,
            bucket_stem=bucket_stem,
            az_id=az_id,
        )
        problems += errors
        hints += warnings
    source, paths = "", None
    if index is not None:
        source, paths = str(index.csv_path), [entry.path for entry in index.entries]
    elif source_root is not None:
        folder = index_folder(source_root)
        source, paths = str(source_root), [indexed.path for indexed in folder.files]
        problems += _folder_problems(folder)
        hints += _junk_hint(folder)
    match = None
    if paths is not None:
        if not paths:
            problems.append(
                Problem(source, "there are no files to deliver", fix="add the dataset's files")
            )
        match = match_filetypes(label, paths)
        problems += match.problems
        hints += match.hints
    return PreflightReport(
        label=label,
        source=source,
        paths=tuple(paths or ()),
        match=match,
        problems=tuple(problems),
        hints=tuple(hints),
    )


def _folder_problems(folder: FolderIndex) -> list[Problem]:
    return [
        Problem(
            entry.path,
            entry.reason,
            fix="fix the file or move it out of the folder: it cannot be delivered as it is",
        )
        for entry in folder.problems
    ]


def _junk_hint(folder: FolderIndex) -> list[Problem]:
    junk = [entry for entry in folder.skipped if entry.is_junk]
    if not junk:
        return []
    examples = ", ".join(entry.path for entry in junk[:3])
    count = f"{len(junk):,} system or junk file{'s' * (len(junk) != 1)}"
    message = f"{count} left out of the delivery (e.g. {examples})"
    return [Problem(str(folder.root), message)]
