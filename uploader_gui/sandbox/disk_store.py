"""Where a local archive with a data folder keeps its objects: files on disk and a journal.

```
<data dir>/archive.json       the archive's account, keys and bucket stem (owner-only)
<data dir>/journal            buckets and objects, one checked line per change (object_journal)
<data dir>/objects/ab/<uuid>  object bodies, never rewritten: a new version is a new file
<data dir>/parts/<upload>/    parts of multipart uploads in progress
```
moto still answers every request and holds each object's metadata; only the bytes move to
disk (`disk_body`). After moto has answered a write, the gap closer calls `after_request`, and
the store reads moto's resulting state for that key and journals it: the body file first, then
the record that names it, then (later) the unlink of the version it replaced. A reader may still
be reading a replaced version (a ranged GET of a log that was just appended to), so replaced
files are unlinked only after `RETIRE_AFTER_S`; whatever a kill left behind is swept at the next
start. `NullStore` is the in-memory archive's store: every hook does nothing.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol
from xml.sax.saxutils import unescape

from uploader_gui.sandbox import disk_body
from uploader_gui.sandbox.disk_complete import complete_to_file
from uploader_gui.sandbox.object_journal import Journal, Record
from uploader_gui.sandbox.s3_ops import S3Target
from uploader_gui.sandbox.wire import WireRequest

RETIRE_AFTER_S = 30.0
_LOCK_STRIPES = 64
_DELETE_KEY = re.compile(rb"<Key>(.*?)</Key>", re.DOTALL)
_KEY_WRITES = frozenset({"PutObject", "CopyObject", "DeleteObject", "CompleteMultipartUpload"})
_PART_WRITES = frozenset({"UploadPart", "UploadPartCopy"})
_BUCKET_WRITES = frozenset({"CreateBucket", "DeleteBucket"})


class ObjectStore(Protocol):
    """What the provisioner and the gap closer tell the archive's store."""

    def record_bucket(self, name: str, *, exists: bool = True) -> None: ...

    def record_key(self, bucket: str, key: str) -> None: ...

    def prepare_complete(self, multipart: Any) -> None: ...

    def after_request(
        self, operation: str, request: WireRequest, target: S3Target, status: int
    ) -> None: ...

    def close(self) -> None: ...


class NullStore:
    """The in-memory archive: moto keeps everything, nothing is journaled."""

    def record_bucket(self, name: str, *, exists: bool = True) -> None:
        return None

    def record_key(self, bucket: str, key: str) -> None:
        return None

    def prepare_complete(self, multipart: Any) -> None:
        return None

    def after_request(
        self, operation: str, request: WireRequest, target: S3Target, status: int
    ) -> None:
        return None

    def close(self) -> None:
        return None


def object_record(bucket: str, name: str, key: Any, body: str) -> Record:
    """What the journal keeps of one of moto's FakeKeys (its bytes are in `body`)."""
    return {
        "op": "put",
        "bucket": bucket,
        "key": name,
        "body": body,
        "size": int(key.contentsize),
        "etag": key.etag.strip('"'),
        "modified": key.last_modified.isoformat(),
        "metadata": dict(key.metadata),
        "storage": key.storage_class,
        "checksum": [
            key.checksum_algorithm,
            key.checksum_value,
            key.checksum_type,
            key.checksum_parts,
        ],
    }


class DiskStore:
    """Object bodies on disk and the journal of changes; thread-safe."""

    def __init__(self, folder: Path, s3_backend: Callable[[], Any]) -> None:
        self.folder = folder
        self._s3_backend = s3_backend  # the archive account's moto S3 backend
        self.journal = Journal(folder / "journal")
        self.objects_dir = folder / "objects"
        self.parts_dir = folder / "parts"
        self._state_lock = threading.Lock()
        self._key_locks = [threading.Lock() for _ in range(_LOCK_STRIPES)]
        self.buckets: set[str] = set()
        # (bucket, key) -> its body file, relative to the folder: all a change needs to know.
        self.objects: dict[tuple[str, str], str] = {}
        self._completed: dict[str, tuple[Path, int]] = {}  # upload id -> assembled body
        self._retired: deque[tuple[float, Path]] = deque()

    # --- hooks called by the provisioner and the gap closer ---------------------------------

    def record_bucket(self, name: str, *, exists: bool = True) -> None:
        with self._state_lock:
            if exists == (name in self.buckets):
                return
            (self.buckets.add if exists else self.buckets.discard)(name)
            self.journal.append({"op": "bucket" if exists else "drop_bucket", "name": name})

    def record_key(self, bucket: str, name: str) -> None:
        """Journal moto's current state of one key (written, replaced or gone)."""
        with self._key_locks[hash((bucket, name)) % _LOCK_STRIPES]:
            key = self._moto_key(bucket, name)
            if key is None:
                self._forget(bucket, name)
                return
            buffer = key._value_buffer  # which file moto's key reads
            known = self.objects.get((bucket, name))
            is_on_disk = isinstance(buffer, disk_body.DiskBody)
            if is_on_disk and known is not None and self._relative(buffer.path) == known:
                return  # unchanged body: metadata-only operations are not kept
            path = self._body_path_for(key)
            self._save(object_record(bucket, name, key, self._relative(path)), known)

    def prepare_complete(self, multipart: Any) -> None:
        """Make this upload's Complete assemble the object in a file instead of in memory."""
        path = self._new_body_path()

        def done(assembled: Path, size: int) -> None:
            with self._state_lock:
                self._completed[multipart.id] = (assembled, size)

        multipart.complete = complete_to_file(multipart, path, done)

    def after_request(
        self, operation: str, request: WireRequest, target: S3Target, status: int
    ) -> None:
        """Journal what a request that moto answered with `status` changed."""
        if status >= 300:
            return
        if operation in _KEY_WRITES:
            self.record_key(target.bucket, target.key)
            if operation == "CompleteMultipartUpload":
                self._discard_parts(request.query_value("uploadId"))
        elif operation in _PART_WRITES:
            self._move_part_to_disk(target, request)
        elif operation == "AbortMultipartUpload":
            self._discard_parts(request.query_value("uploadId"))
        elif operation == "DeleteObjects":
            for raw in _DELETE_KEY.findall(request.body):
                self.record_key(target.bucket, unescape(raw.decode("utf-8")))
        elif operation in _BUCKET_WRITES:
            self.record_bucket(target.bucket, exists=operation == "CreateBucket")

    def close(self) -> None:
        self.journal.close()
        with self._state_lock:
            retired = [path for _, path in self._retired]
            self._retired.clear()
        for path in retired:
            remove_path(path)

    # --- internals ----------------------------------------------------------------------------

    def _body_path_for(self, key: Any) -> Path:
        """The body file of a key moto just wrote: assembled by Complete, or copied now."""
        multipart = getattr(key, "multipart", None)
        with self._state_lock:
            completed = self._completed.pop(multipart.id, None) if multipart else None
        if completed is not None:
            disk_body.attach(key, *completed)
            return completed[0]
        path = self._new_body_path()
        disk_body.adopt(key, path)
        return path

    def _save(self, record: Record, replaced: str | None) -> None:
        with self._state_lock:
            self.journal.append(record)
            self.objects[(record["bucket"], record["key"])] = record["body"]
        if replaced is not None:
            self._retire(self.folder / replaced)

    def _forget(self, bucket: str, name: str) -> None:
        with self._state_lock:
            known = self.objects.pop((bucket, name), None)
            if known is None:
                return
            self.journal.append({"op": "delete", "bucket": bucket, "key": name})
        self._retire(self.folder / known)

    def _move_part_to_disk(self, target: S3Target, request: WireRequest) -> None:
        upload_id = request.query_value("uploadId")
        number = request.query_value("partNumber")
        multipart = self._multipart(target.bucket, upload_id)
        part = multipart.parts.get(int(number)) if multipart and number.isdigit() else None
        if part is None or isinstance(part._value_buffer, disk_body.DiskBody):
            return
        folder = self.parts_dir / _safe_name(upload_id)
        folder.mkdir(parents=True, exist_ok=True)
        disk_body.adopt(part, folder / f"{int(number)}-{uuid.uuid4().hex}")

    def _moto_key(self, bucket: str, name: str) -> Any:
        s3 = self._s3_backend()
        return s3.get_object(bucket, name) if bucket in s3.buckets else None

    def _multipart(self, bucket: str, upload_id: str) -> Any:
        s3 = self._s3_backend()
        if not upload_id or bucket not in s3.buckets:
            return None
        return s3.get_bucket(bucket).multiparts.get(upload_id)

    def _discard_parts(self, upload_id: str) -> None:
        if upload_id:
            self._retire(self.parts_dir / _safe_name(upload_id))

    def _retire(self, path: Path) -> None:
        """Unlink `path` (a file or a parts folder) once no reader can still be on it."""
        now = time.monotonic()
        due: list[Path] = []
        with self._state_lock:
            self._retired.append((now, path))
            while self._retired and now - self._retired[0][0] > RETIRE_AFTER_S:
                due.append(self._retired.popleft()[1])
        for old in due:
            remove_path(old)

    def _new_body_path(self) -> Path:
        name = uuid.uuid4().hex
        folder = self.objects_dir / name[:2]
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.folder).as_posix()


def remove_path(path: Path) -> None:
    """Unlink a body file, or a parts folder with its files."""
    if path.is_dir():
        for child in path.iterdir():
            child.unlink(missing_ok=True)
        path.rmdir()
    else:
        path.unlink(missing_ok=True)


def _safe_name(upload_id: str) -> str:
    """An upload id as a folder name (moto's are URL-safe base64 already)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", upload_id)
