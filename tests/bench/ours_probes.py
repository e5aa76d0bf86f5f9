"""Our engine's pause latency and the bytes it re-sends after a SIGKILL, measured at the sink.

Both probes run `ours_client` as a process uploading one big file to the TLS sink, which
counts payload bytes per key as they arrive and notes when the last one came:

- pause latency: once a quarter of the file has arrived, SIGUSR1 makes the client pause (and
  print when, on the shared monotonic clock); the latency is from that moment to the last
  payload byte the sink received. The engine lets parts already being sent finish, so this is
  about one part per worker at the link's speed.
- re-sent bytes: once half of the file has arrived, SIGKILL; then the same command again, with
  the same state store, runs to completion. Re-sent bytes = all payload bytes the sink received
  for the key − the file's size: the parts that were in flight when the process died.
"""

from __future__ import annotations

import http.client
import json
import signal
import ssl
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.bench.clients import client_environment
from tests.bench.ours_client import INDEX_SUFFIX, write_index
from tests.bench.s3_servers import S3Endpoint, s3_client
from tests.bench.transfer_report import ProbeFigures

PAUSE_AT_FRACTION = 0.25
KILL_AT_FRACTION = 0.5
_RUN_TIMEOUT_S = 300.0
_POLL_INTERVAL_S = 0.005


class SinkCounter:
    """Reads the sink's payload counters over one kept-alive HTTPS connection."""

    def __init__(self, endpoint: S3Endpoint) -> None:
        context = ssl.create_default_context(cafile=str(endpoint.ca_bundle))
        host_port = endpoint.url.removeprefix("https://")
        self._connection = http.client.HTTPSConnection(host_port, context=context, timeout=10)

    def stats(self) -> dict[str, Any]:
        self._connection.request("GET", "/_sink/stats")
        stats: dict[str, Any] = json.loads(self._connection.getresponse().read())
        return stats

    def bytes_for(self, key: str) -> int:
        return int(self.stats()["payload_bytes_by_key"].get(key, 0))

    def wait_for_bytes(self, key: str, at_least: int, process: subprocess.Popen[bytes]) -> bool:
        """Poll until `key` has `at_least` payload bytes; False if the process ended first."""
        deadline = time.monotonic() + _RUN_TIMEOUT_S
        while time.monotonic() < deadline and process.poll() is None:
            if self.bytes_for(key) >= at_least:
                return True
            time.sleep(_POLL_INTERVAL_S)  # the sink's counter has no push; 5 ms polls
        return False

    def close(self) -> None:
        self._connection.close()


def smallest_probe_bytes() -> int:
    """A file our engine sends in at least a few parts (its multipart threshold + 2 parts)."""
    from uploader_gui.core.upload.part_plan import (
        DEFAULT_MULTIPART_THRESHOLD_BYTES,
        DEFAULT_PART_BYTES,
    )

    return DEFAULT_MULTIPART_THRESHOLD_BYTES + 2 * DEFAULT_PART_BYTES


def run_probes(
    folder: Path, endpoint: S3Endpoint, size_bytes: int, pause_repeats: int = 1
) -> ProbeFigures:
    """Both probes on a file of `size_bytes` (made here), or the notes saying why not; the
    pause latency is the median of `pause_repeats` pauses (where it falls within a part
    varies)."""
    source = folder / "probe" / "probe.bin"
    source.parent.mkdir(exist_ok=True)
    with source.open("wb") as file:
        file.truncate(size_bytes)  # zeros: what is sent does not change the engine's work
    write_index(source, Path(str(source) + INDEX_SUFFIX))
    environment = client_environment(endpoint, folder / "client-home")
    counter = SinkCounter(endpoint)
    notes: list[str] = []
    try:
        latencies = [
            _pause_latency(folder, endpoint, source, environment, counter, notes, repeat)
            for repeat in range(pause_repeats)
        ]
        measured = [latency for latency in latencies if latency is not None]
        latency = statistics.median(measured) if measured else None
        resent = _resent_after_kill(folder, endpoint, source, environment, counter, notes)
    finally:
        counter.close()
    return ProbeFigures(latency, resent, notes)


def _argv(endpoint: S3Endpoint, source: Path, key: str) -> list[str]:
    import sys

    module = "tests.bench.ours_client"
    return [sys.executable, "-m", module, "big", endpoint.url, endpoint.bucket, str(source), key]


def _start(argv: list[str], environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as log_file:
        return subprocess.Popen(
            argv, env=environment, stdout=subprocess.PIPE, stderr=log_file, stdin=subprocess.DEVNULL
        )


def _pause_latency(
    folder: Path,
    endpoint: S3Endpoint,
    source: Path,
    environment: dict[str, str],
    counter: SinkCounter,
    notes: list[str],
    repeat: int,
) -> float | None:
    key = f"probe/pause{repeat}/{source.name}"
    size = source.stat().st_size
    process = _start(_argv(endpoint, source, key), environment, folder / "probe-pause.log")
    assert process.stdout is not None
    if not counter.wait_for_bytes(key, int(size * PAUSE_AT_FRACTION), process):
        process.kill()
        process.wait()
        notes.append("pause probe: the upload ended before it could be paused (file too small?)")
        return None
    process.send_signal(signal.SIGUSR1)
    at_signal = counter.bytes_for(key)
    line = process.stdout.readline()
    process.wait(_RUN_TIMEOUT_S)
    process.stdout.close()
    if not line:
        notes.append(f"pause probe: the client did not report its pause (see {folder})")
        return None
    paused_at = float(json.loads(line)["paused_monotonic"])
    stats = counter.stats()
    received = int(stats["payload_bytes_by_key"].get(key, 0))
    latency = max(0.0, float(stats["last_payload_monotonic"]) - paused_at)
    notes.append(
        f"pause probe {repeat + 1}: {latency:.3f} s; paused with ~{at_signal / 2**20:.0f} MiB of "
        f"{size / 2**20:.0f} MiB received, {(received - at_signal) / 2**20:.0f} MiB more came after"
    )
    return latency


def _resent_after_kill(
    folder: Path,
    endpoint: S3Endpoint,
    source: Path,
    environment: dict[str, str],
    counter: SinkCounter,
    notes: list[str],
) -> int | None:
    key = f"probe/kill/{source.name}"
    size = source.stat().st_size
    store_environment = environment | {"BENCH_STORE": str(folder / "probe-kill.sqlite3")}
    argv = _argv(endpoint, source, key)
    log = folder / "probe-kill.log"
    process = _start(argv, store_environment, log)
    reached = counter.wait_for_bytes(key, int(size * KILL_AT_FRACTION), process)
    process.kill()
    process.wait()
    if process.stdout is not None:
        process.stdout.close()
    if not reached:
        notes.append("kill probe: the upload ended before it could be killed (file too small?)")
        return None
    before = counter.bytes_for(key)
    resumed = _start(argv, store_environment, log)
    resumed.wait(_RUN_TIMEOUT_S)
    if resumed.stdout is not None:
        resumed.stdout.close()
    head = s3_client(endpoint).head_object(Bucket=endpoint.bucket, Key=key)
    if resumed.returncode != 0 or head["ContentLength"] != size:
        notes.append(f"kill probe: the resumed upload failed (see {log})")
        return None
    total = counter.bytes_for(key)
    notes.append(
        f"kill probe: SIGKILL at {before / 2**20:.0f} MiB received; resumed run sent "
        f"{(total - before) / 2**20:.0f} MiB of {size / 2**20:.0f} MiB"
    )
    return total - size
