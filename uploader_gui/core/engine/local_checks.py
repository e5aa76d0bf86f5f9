"""The session's local checks before anything is sent: the archive's rules on the label and the
file list (pre-flight), and the bucket names with the archive's real bucket stem."""

from __future__ import annotations

from pathlib import Path

from uploader_gui.core.delivery.index_file import IndexEntry, ProviderIndex
from uploader_gui.core.delivery.label import check_delivery_names
from uploader_gui.core.delivery.preflight import run_preflight
from uploader_gui.core.delivery.problems import ProblemsFound
from uploader_gui.core.engine.ports import ArchiveInfo, DeliveryRequest


def preflight(request: DeliveryRequest) -> None:
    """`ProblemsFound` listing every file or label problem the archive would refuse."""
    entries = tuple(
        IndexEntry(entry.path, None, line) for line, entry in enumerate(request.index_entries, 2)
    )
    where = Path(request.index_path or request.source_root)
    report = run_preflight(request.label, ProviderIndex(where, entries, False), None)
    if not report.is_accepted:
        raise ProblemsFound(report.problems)


def check_names(request: DeliveryRequest, archive: ArchiveInfo) -> None:
    """`ProblemsFound` if the delivery's bucket names do not fit with the archive's stem."""
    label = request.label
    errors, _ = check_delivery_names(
        label.dataset,
        label.delivery_id,
        source_name=label.source_name,
        bucket_stem=archive.bucket_stem,
        az_id=archive.az_id,
    )
    if errors:
        raise ProblemsFound(errors)
