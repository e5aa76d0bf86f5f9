"""Every delivery in the state store with its files counted by state: what `uploader-gui
deliveries` lists, what the window offers to resume on launch, and what its History view shows.

One read, two statements inside one read transaction (so the counts belong to the deliveries
listed): the deliveries, newest first, and the files grouped by delivery and state. The grouping
is a scan of `files` (there is deliberately no index by state, see `store.schema`); for a
million files that is well under a second, and callers in the window run it off the GUI thread.

"Unfinished" is defined once, here, in `DeliverySummary.is_unfinished` and
`unfinished_deliveries`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from uploader_gui.core.engine.file_states import FileState
from uploader_gui.store.database import Database
from uploader_gui.store.records import DeliveryRecord

_JUDGED = frozenset({FileState.VALID, FileState.INVALID})
_EMPTY: Mapping[FileState, int] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class DeliverySummary:
    """One delivery, its files by state, and when anything last happened to it."""

    record: DeliveryRecord
    counts: Mapping[FileState, int] = field(default_factory=lambda: _EMPTY)
    last_activity_at: str = ""  # UTC ISO 8601: the latest start, end, upload or verdict

    @property
    def key(self) -> int:
        return self.record.key

    @property
    def files_total(self) -> int:
        return sum(self.counts.values())

    @property
    def files_valid(self) -> int:
        return self.counts.get(FileState.VALID, 0)

    @property
    def files_invalid(self) -> int:
        return self.counts.get(FileState.INVALID, 0)

    @property
    def files_failed(self) -> int:
        return self.counts.get(FileState.FAILED, 0)

    @property
    def files_judged(self) -> int:
        """Files the archive has given a verdict on (valid or invalid): delivered."""
        return self.files_valid + self.files_invalid

    @property
    def files_pending(self) -> int:
        """Files with no result yet: not judged and not failed (ready, queued, paused, ...)."""
        return self.files_total - self.files_judged - self.files_failed

    @property
    def is_discarded(self) -> bool:
        return self.record.discarded_at is not None

    @property
    def is_unfinished(self) -> bool:
        """Its session did not end with every file judged, and the person has not discarded it.

        Precisely: not discarded, at least one file registered, and at least one file that is
        neither `valid` nor `invalid` (hashing, ready, pending, transferring, retrying, paused,
        done — uploaded but not yet judged — or failed). That covers sessions that stopped
        (interrupted, cancelled, offline, lock lost, ...), sessions killed before they could
        record an end, and sessions that completed with failed files. A delivery with no files
        registered sent nothing, so there is nothing to resume; one whose files are all judged
        is finished even if some are invalid (fixing them is a new decision, not a resume).
        See `unfinished_deliveries` for the one rule across deliveries (newest attempt only).
        """
        return (
            not self.is_discarded and self.files_total > 0 and self.files_judged < self.files_total
        )


def delivery_summaries(database: Database) -> list[DeliverySummary]:
    """Every delivery, newest first, with its files counted by state."""
    with database.reading() as connection:
        connection.execute("BEGIN")  # one snapshot for both statements (WAL: never blocks)
        try:
            rows = connection.execute(
                f"SELECT {DeliveryRecord.COLUMNS} FROM deliveries ORDER BY id DESC"  # noqa: S608
            ).fetchall()
            groups = connection.execute(
                "SELECT delivery, state, count(*), max(uploaded_at), max(validated_at) "
                "FROM files GROUP BY delivery, state"
            ).fetchall()
        finally:
            connection.execute("COMMIT")
    counts: dict[int, dict[FileState, int]] = defaultdict(dict)
    latest: dict[int, list[str]] = defaultdict(list)
    for delivery, state, count, uploaded_at, validated_at in groups:
        counts[delivery][FileState(state)] = count
        latest[delivery].extend(t for t in (uploaded_at, validated_at) if t)
    summaries = []
    for row in rows:
        record = DeliveryRecord(*row)
        times = [record.created_at, record.started_at, record.ended_at, *latest[record.key]]
        summaries.append(
            DeliverySummary(
                record,
                MappingProxyType(counts[record.key]),
                max(t for t in times if t),  # ISO 8601 in UTC: text order is time order
            )
        )
    return summaries


def _attempt_name(record: DeliveryRecord) -> tuple[str, str, str, str]:
    return (record.profile_name, record.dataset, record.delivery_id, record.transfer_type)


def unfinished_deliveries(summaries: Iterable[DeliverySummary]) -> list[DeliverySummary]:
    """The deliveries to offer for resuming, newest first: each `is_unfinished`, and the newest
    attempt at its (profile, dataset, delivery id, transfer type).

    An older attempt at the same delivery (say, from another folder) is superseded by the newer
    one: a rerun resumes only the newest record (`wiring.store_port`), so offering the older one
    would start a third.
    """
    newest: dict[tuple[str, str, str, str], DeliverySummary] = {}
    for summary in summaries:
        name = _attempt_name(summary.record)
        current = newest.get(name)
        if current is None or summary.key > current.key:
            newest[name] = summary
    offered = [summary for summary in newest.values() if summary.is_unfinished]
    return sorted(offered, key=lambda summary: summary.key, reverse=True)
