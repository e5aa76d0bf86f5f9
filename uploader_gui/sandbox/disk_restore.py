"""Opening a local archive's data folder: its identity, and its buckets and objects back into moto.

`ArchiveFolder.open()` takes an OS lock on the folder (one archive per folder: two would write
one journal) and reads `archive.json`, the account a restarted archive must keep so that the
profiles and state store of earlier sessions still point at it: same account id, same access
key, same bucket stem. These are the local archive's own keys (they already stand in every
profile written for it), not anyone's credentials; the file is owner-only all the same.

`restore_objects` replays the journal into moto: buckets, then every object whose body file is
whole (a record whose file is missing or short is dropped: the object is absent, never half
there), with its ETag, checksum, metadata and LastModified. Validator-owned locks
(`lock/validator`, `lock/lambda`) are dropped: every validator of the previous run ended with
it, and a fresh-looking lock of a dead validator would refuse the next one for an hour. Then the
journal is rewritten as a snapshot and files no record names (cut writes, parts of unfinished
uploads) are swept.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from uploader_gui.sandbox import disk_body
from uploader_gui.sandbox.disk_store import DiskStore, remove_path
from uploader_gui.sandbox.object_journal import Record, fsync_folder, read_journal
from uploader_gui.sandbox.provisioning import Provisioner, SandboxAccount

ARCHIVE_FILE = "archive.json"
LOCK_FILE = "archive.lock"
DEAD_VALIDATOR_LOCKS = frozenset({"lock/validator", "lock/lambda"})


class ArchiveFolderInUseError(RuntimeError):
    """Another local archive is running on this data folder."""


@dataclass(frozen=True)
class SavedIdentity:
    account_id: str
    access_key_id: str
    secret_access_key: str
    bucket_stem: str


class ArchiveFolder:
    """The data folder of one archive, locked while it runs."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._fd: int | None = None

    def open(self) -> SavedIdentity | None:
        """Lock the folder; the identity saved by an earlier run, if any."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock(fd)
        except OSError:
            os.close(fd)
            raise ArchiveFolderInUseError(
                f"another local archive is running on {self.folder}; stop it first, or give "
                "this one its own data folder"
            ) from None
        self._fd = fd
        path = self.folder / ARCHIVE_FILE
        if not path.exists():
            return None
        return SavedIdentity(**json.loads(path.read_text("utf-8")))

    def save(self, identity: SavedIdentity) -> None:
        path = self.folder / ARCHIVE_FILE
        temporary = path.with_name(path.name + ".new")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(asdict(identity), file, indent=2)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
        fsync_folder(self.folder)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the OS lock
            self._fd = None


def _lock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt  # Windows only

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl  # POSIX only

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def replay(records: list[Record]) -> tuple[set[str], dict[tuple[str, str], Record]]:
    """The buckets and objects the journal's records add up to."""
    buckets: set[str] = set()
    objects: dict[tuple[str, str], Record] = {}
    for record in records:
        op = record.get("op")
        if op == "bucket":
            buckets.add(record["name"])
        elif op == "drop_bucket":
            buckets.discard(record["name"])
            objects = {k: v for k, v in objects.items() if k[0] != record["name"]}
        elif op == "put":
            objects[(record["bucket"], record["key"])] = record
        elif op == "delete":
            objects.pop((record["bucket"], record["key"]), None)
    return buckets, {k: v for k, v in objects.items() if k[0] in buckets}


def _is_whole(store: DiskStore, record: Record) -> bool:
    path = store.folder / record["body"]
    try:
        return bool(path.stat().st_size == int(record["size"]))
    except OSError:
        return False


def _restore_key(s3: Any, store: DiskStore, record: Record) -> None:
    algorithm, value, kind, parts = record["checksum"]
    key = s3.put_object(
        record["bucket"],
        record["key"],
        b"",
        storage=record.get("storage"),
        etag=record["etag"],
        checksum_value=value,
        disable_notification=True,
    )
    disk_body.attach(key, store.folder / record["body"], int(record["size"]))
    key.set_metadata(dict(record["metadata"]))
    key.last_modified = datetime.fromisoformat(record["modified"])
    key.checksum_algorithm, key.checksum_type, key.checksum_parts = algorithm, kind, parts


def restore_objects(store: DiskStore, s3: Any, region: str) -> None:
    """Buckets and objects from the journal into moto's backend `s3`; then snapshot and sweep."""
    buckets, objects = replay(read_journal(store.journal.path))
    for name in sorted(buckets):
        if name not in s3.buckets:
            s3.create_bucket(name, region)
    kept: dict[tuple[str, str], Record] = {}
    for (bucket, name), record in objects.items():
        if name in DEAD_VALIDATOR_LOCKS or not _is_whole(store, record):
            continue
        _restore_key(s3, store, record)
        kept[(bucket, name)] = record
    store.buckets = set(buckets)
    store.objects = {where: record["body"] for where, record in kept.items()}
    snapshot: list[Record] = [{"op": "bucket", "name": name} for name in sorted(buckets)]
    store.journal.rewrite([*snapshot, *kept.values()])
    _sweep(store, set(store.objects.values()))


def _sweep(store: DiskStore, referenced: set[str]) -> None:
    """Remove body files no record names, and every part of an unfinished upload."""
    if store.parts_dir.exists():
        for upload in store.parts_dir.iterdir():
            remove_path(upload)
    if not store.objects_dir.exists():
        return
    for folder in store.objects_dir.iterdir():
        for path in folder.iterdir():
            if path.relative_to(store.folder).as_posix() not in referenced:
                path.unlink(missing_ok=True)


def open_account(folder: ArchiveFolder, bucket_stem: str) -> SandboxAccount:
    """Lock the folder and bring back its account, or create one and save it."""
    saved = folder.open()
    if saved is None:
        account = SandboxAccount.create()
        folder.save(
            SavedIdentity(
                account.account_id, account.access_key_id, account.secret_access_key, bucket_stem
            )
        )
        return account
    if saved.bucket_stem != bucket_stem:
        folder.close()
        raise ValueError(
            f"the local archive in {folder.folder} uses the bucket stem {saved.bucket_stem!r}, "
            f"not {bucket_stem!r}; start it with its own stem or give it another data folder"
        )
    return SandboxAccount.restore(saved.account_id, saved.access_key_id, saved.secret_access_key)


def open_store(folder: ArchiveFolder, provisioner: Provisioner) -> DiskStore:
    """The folder's objects back in moto, and the store that keeps journaling them."""
    store = DiskStore(folder.folder, lambda: provisioner.s3)
    restore_objects(store, provisioner.s3, provisioner.region)
    provisioner.store = store
    return store


def empty_folder(folder: Path) -> None:
    """Empty a stopped archive's data folder (`--reset`): every bucket and object goes, its
    account and keys stay, so the profiles written for it still reach the empty archive.

    Raises `ArchiveFolderInUseError` while an archive runs on it.
    """
    if not folder.exists():
        return
    archive_folder = ArchiveFolder(folder)
    archive_folder.open()
    try:
        for name in ("journal", "journal.new"):
            (folder / name).unlink(missing_ok=True)
        for tree in (folder / "objects", folder / "parts"):
            if tree.exists():
                for child in tree.iterdir():
                    remove_path(child)
    finally:
        archive_folder.close()
