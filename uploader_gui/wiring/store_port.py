"""The state store as the session engine's `SessionStore` port (one delivery per session).

A rerun of the same delivery (profile, dataset, delivery id, transfer type, source) reopens the
newest record, so its files, their fingerprints and their multipart parts carry over. Another
source folder starts a new record. The agent id of the newest attempt on this profile is offered
for reuse whatever its source: if that attempt was killed, the lock still holds that id, and
writing as the same agent is how the interrupted session is continued.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.engine.file_states import FileState, FileStateSink
from uploader_gui.core.engine.ports import DeliveryRequest, OpenedDelivery
from uploader_gui.core.engine.session_plan import KnownFile
from uploader_gui.store.delivery_files import DeliveryFiles
from uploader_gui.store.records import DeliveryRecord
from uploader_gui.store.state_store import StateStore


class StoreSession:
    """`SessionStore` over a `StateStore`; `delivery_files` is valid after `open_delivery`."""

    def __init__(self, store: StateStore) -> None:
        self._store = store
        self._key: int | None = None
        self._files: DeliveryFiles | None = None

    @property
    def delivery_key(self) -> int:
        if self._key is None:
            raise RuntimeError("no delivery is open yet")
        return self._key

    @property
    def delivery_files(self) -> DeliveryFiles:
        if self._files is None:
            raise RuntimeError("no delivery is open yet")
        return self._files

    @property
    def file_state_sink(self) -> FileStateSink:
        return self.delivery_files

    def open_delivery(self, request: DeliveryRequest) -> OpenedDelivery:
        latest = self._store.latest_delivery(
            profile_name=request.profile_name,
            dataset=request.label.dataset,
            delivery_id=request.label.delivery_id,
            transfer_type=request.transfer_type,
        )
        if latest is not None and latest.source_root == request.source_root:
            key = latest.key
        else:
            key = self._create(request)
        self._key = key
        self._files = self._store.delivery_files(key)
        known = dict(self._known(self._files, (file.path for file in request.files)))
        return OpenedDelivery(key, _agent_id_of(latest), known)

    def _create(self, request: DeliveryRequest) -> int:
        return self._store.create_delivery(
            profile_name=request.profile_name,
            dataset=request.label.dataset,
            delivery_id=request.label.delivery_id,
            transfer_type=request.transfer_type,
            source_root=request.source_root,
            label_path=request.label_path,
            index_path=request.index_path,
        )

    @staticmethod
    def _known(files: DeliveryFiles, paths: Iterable[str]) -> Iterator[tuple[str, KnownFile]]:
        wanted = set(paths)
        for path, state in files.states():
            if path not in wanted:
                continue
            yield path, KnownFile(files.record(path).file, state)

    def register_files(self, files: Iterable[FileFingerprint], state: FileState) -> None:
        self.delivery_files.register_files(files, initial_state=state)

    def record_fingerprint(self, file: FileFingerprint) -> None:
        if file.crc32 is None:
            raise ValueError(f"{file.path}: a fingerprint needs a CRC32")
        self.delivery_files.record_fingerprint(
            file.path, size_bytes=file.size_bytes, mtime_ns=file.mtime_ns, crc32=file.crc32
        )

    def file_states(self) -> Iterable[tuple[str, FileState]]:
        return self.delivery_files.states()

    def set_state(self, state: str) -> None:
        self._store.set_delivery_state(self.delivery_key, state)

    def mark_started(self, agent_id: str) -> None:
        self._store.mark_delivery_started(self.delivery_key, agent_id=agent_id)

    def has_used_agent_id(self, agent_id: str) -> bool:
        return self._store.has_used_agent_id(agent_id)

    def mark_ended(self, outcome: str) -> None:
        self._store.mark_delivery_ended(self.delivery_key, outcome=outcome)


def _agent_id_of(record: DeliveryRecord | None) -> str:
    return record.agent_id if record is not None else ""
