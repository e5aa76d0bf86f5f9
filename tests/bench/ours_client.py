"""The "ours" client of the transfer benchmark: our `TransferEngine` with its default settings.

Run as its own process, like every client (`clients.py`):

    python -m tests.bench.ours_client big ENDPOINT_URL BUCKET FILE KEY
    python -m tests.bench.ours_client many ENDPOINT_URL BUCKET FOLDER PREFIX

It does what the app does after indexing: register the index's files in a fresh state store
(`BENCH_STORE` names one to reuse, to resume after a kill), then run the engine until every file
has an outcome. The index (path, size, mtime, CRC32, as `uploader-gui index` would write it) is
read from `SOURCE.index.json`, written beforehand by the benchmark: hashing is the index's
cost, not the transfer's. Object keys are index paths, so the source folder is reached through
a symlinked folder named like the key's prefix.

SIGUSR1 pauses the engine and prints `{"paused_monotonic": t}`; the process then lets the parts
being sent finish and exits (`engine.close()`), so the benchmark can see when the last byte came.
Credentials and the CA bundle come from the environment (`AWS_*`), as for the other clients.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

INDEX_SUFFIX = ".index.json"
_WAIT_SLICE_S = 0.1


def problem() -> str | None:
    """Why our engine cannot be benchmarked here, or None if it can."""
    try:
        from uploader_gui.transfer.engine import TransferEngine  # noqa: F401
        from uploader_gui.transfer.transfer_clients import transfer_config  # noqa: F401
    except ImportError as error:
        return f"the transfer engine cannot be imported: {error}"
    return None


def write_index(source: Path, index_path: Path) -> None:
    """The index `main` reads: one entry per file of `source` (a file, or a folder's files)."""
    from uploader_gui.core.checksums.crc32 import crc32_of_file, crc32_to_base64

    paths = [source] if source.is_file() else sorted(p for p in source.iterdir() if p.is_file())
    entries = []
    for path in paths:
        stat = path.stat()
        crc = crc32_to_base64(crc32_of_file(path)[0])
        entries.append([path.name, stat.st_size, stat.st_mtime_ns, crc])
    index_path.write_text(json.dumps(entries), encoding="utf-8")


def main(argv: list[str]) -> int:
    mode, endpoint_url, bucket, source_text, key = argv
    source = Path(source_text)
    prefix = key.rsplit("/", 1)[0] if mode == "big" else key
    folder = source.parent if mode == "big" else source
    index_path = Path(str(source) + INDEX_SUFFIX)
    entries = json.loads(index_path.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="ours-root-") as root_name:
        root = Path(root_name)
        link = root / prefix
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(folder.resolve(), target_is_directory=True)
        files = [(f"{prefix}/{name}", size, mtime, crc) for name, size, mtime, crc in entries]
        store_path = os.environ.get("BENCH_STORE") or str(root.parent / f"{root.name}.sqlite3")
        return _transfer(endpoint_url, bucket, root, files, Path(store_path))


def _transfer(
    endpoint_url: str, bucket: str, root: Path, files: list[Any], store_path: Path
) -> int:
    from uploader_gui.core.checksums.crc32 import crc32_from_base64
    from uploader_gui.core.delivery.fingerprint import FileFingerprint
    from uploader_gui.core.engine.file_states import FileTracker
    from uploader_gui.store.state_store import StateStore
    from uploader_gui.transfer.engine import TransferEngine
    from uploader_gui.transfer.transfer_context import LocalSource

    with StateStore(store_path) as store:
        deliveries = store.deliveries()
        if deliveries:  # resuming after a kill: same delivery, same parts
            delivery_key = deliveries[0].key
        else:
            delivery_key = store.create_delivery(
                profile_name="bench",
                dataset="bench",
                delivery_id="bench",
                transfer_type="local",
                source_root=str(root),
            )
            store.register_files(
                delivery_key,
                (FileFingerprint(p, s, m, crc32_from_base64(c)) for p, s, m, c in files),
            )
        records = store.delivery_files(delivery_key)
        tracker = FileTracker(records, lambda event: None)
        tracker.track(records.states())
        engine = TransferEngine(
            client_factory=_client_factory(endpoint_url),
            tracker=tracker,
            records=records,
            emit=lambda event: None,
            bucket=bucket,
            source=LocalSource(root),
            settings=_settings(),
        )
        paused = _pause_on_sigusr1(engine)
        engine.start([FileFingerprint(p, s, m, crc32_from_base64(c)) for p, s, m, c in files])
        while not engine.wait(_WAIT_SLICE_S):  # slices: SIGUSR1's handler runs in between
            if paused.is_set():
                break
        engine.close()  # after a pause: the parts being sent finish, then the run stops
        outcome = engine.outcome
    if outcome is None or outcome.outcome not in ("finished", "stopped") or outcome.files_failed:
        print(f"transfer did not finish: {outcome}", file=sys.stderr)
        return 1
    return 0


def _settings() -> Any:
    """The engine's defaults; `BENCH_OURS_CONCURRENCY` tries another worker count and
    `BENCH_OURS_PUT_PATH=botocore` sends small files through botocore as before the lean path
    (to find what limits a run, or to compare the two paths; never in the benchmark's table)."""
    from uploader_gui.transfer.engine import TransferSettings

    settings = TransferSettings()
    workers = os.environ.get("BENCH_OURS_CONCURRENCY")
    if workers:
        settings = dataclasses.replace(settings, concurrency=int(workers))
    if os.environ.get("BENCH_OURS_PUT_PATH") == "botocore":
        settings = dataclasses.replace(settings, lean_put_max_bytes=None)
    return settings


def _client_factory(endpoint_url: str) -> Any:
    """Clients as the app makes them (`transfer_config`), trusting the benchmark's CA bundle.

    `TransferClientFactory` passes `verify=True`, which makes botocore ignore `AWS_CA_BUNDLE`
    and so refuse the benchmark's self-signed certificate; the settings are otherwise the same.
    """
    from uploader_gui.aws.clients import make_session
    from uploader_gui.core.delivery.profile import Profile, StaticCredentials
    from uploader_gui.transfer.transfer_clients import transfer_config

    profile = Profile(
        name="bench",
        region=os.environ["AWS_DEFAULT_REGION"],
        endpoint_url=endpoint_url,
        credentials=StaticCredentials(
            os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]
        ),
    )
    session = make_session(profile)
    config = transfer_config(profile, proxies={})
    ca_bundle = os.environ["AWS_CA_BUNDLE"]
    lock = threading.Lock()

    def make_client() -> Any:
        with lock:  # boto3 sessions are not safe for concurrent client creation
            return session.client("s3", endpoint_url=endpoint_url, verify=ca_bundle, config=config)

    return make_client


def _pause_on_sigusr1(engine: Any) -> threading.Event:
    """Pause at SIGUSR1 (in the main thread, between wait slices) and say when."""
    paused = threading.Event()

    def pause(signal_number: int, frame: object) -> None:
        paused_at = time.monotonic()
        engine.pause()
        paused.set()
        print(json.dumps({"paused_monotonic": paused_at}), flush=True)

    signal.signal(signal.SIGUSR1, pause)
    return paused


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
