"""The lean PutObject path (`transfer.lean_put`) keeps the botocore path's promises: the size
decides the path, connections are kept alive across files, expired credentials are renewed and
the same PUT sent again, and TLS is verified against the CA bundle (`AWS_CA_BUNDLE`)."""

from __future__ import annotations

import datetime
import http.server
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.bench.s3_servers import make_tls_files
from tests.integration.test_transfer_faults import refreshable_credentials
from tests.integration.test_transfer_proxy import ForwardingProxy, use_proxy
from tests.integration.transfer_kit import (
    BOTH_PUT_PATHS,
    InjectedFaults,
    MakeDelivery,
    crc32_b64,
    error_response,
    quick_settings,
    random_bytes,
)
from uploader_gui.aws.clients import make_session
from uploader_gui.core.delivery.profile import Profile, StaticCredentials
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.errors import ArchiveUnreachableError
from uploader_gui.transfer.lean_put import LeanPutter
from uploader_gui.transfer.transfer_clients import TransferClientFactory, refresh_hook

pytest_plugins = ("tests.integration.transfer_fixtures",)


def test_the_files_size_decides_its_request_path(deliveries: MakeDelivery) -> None:
    contents = {"small.fits": random_bytes(1000), "larger.fits": random_bytes(300_000)}
    delivery = deliveries(contents)
    agents: dict[str, str] = {}

    def remember(request: Any, **_: Any) -> None:
        agent = request.headers["User-Agent"]
        agents[request.url.rsplit("/", 1)[-1]] = (
            agent.decode() if isinstance(agent, bytes) else agent
        )

    def capture(client: Any) -> None:
        client.meta.events.register("before-send.s3.PutObject", remember)

    engine = delivery.engine(
        factory=delivery.client_factory(capture),
        settings=quick_settings(lean_put_max_bytes=100_000),
    )
    engine.start(delivery.files)

    assert engine.wait(60)
    assert "lean-put" in agents["small.fits"]
    assert "Botocore" in agents["larger.fits"]
    for path, data in contents.items():
        assert delivery.object_bytes(path) == data
        assert delivery.head(path)["ChecksumCRC32"] == crc32_b64(data)


class CountingProxy(ForwardingProxy):
    """The forwarding proxy, counting the connections clients opened to it."""

    def __init__(self) -> None:
        super().__init__()
        self.connections = 0

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.lock:
            self.connections += 1
        super().process_request(request, client_address)


@pytest.fixture
def counting_proxy() -> Iterator[CountingProxy]:
    server = CountingProxy()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@BOTH_PUT_PATHS
def test_one_worker_sends_many_files_on_one_kept_alive_connection(
    deliveries: MakeDelivery, counting_proxy: CountingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    contents = {f"f{n}.fits": random_bytes(4096 + n) for n in range(10)}
    delivery = deliveries(contents)
    use_proxy(monkeypatch, f"http://127.0.0.1:{counting_proxy.server_address[1]}")

    engine = delivery.engine(settings=quick_settings(concurrency=1))
    engine.start(delivery.files)

    assert engine.wait(60)
    assert all(delivery.tracker.state(path) is FileState.DONE for path in contents)
    assert len(counting_proxy.carried) == len(contents)
    assert counting_proxy.connections == 1


@BOTH_PUT_PATHS
def test_expired_credentials_are_renewed_and_the_same_file_sent_again(
    deliveries: MakeDelivery,
) -> None:
    data = random_bytes(70_000)
    delivery = deliveries({"a.fits": data})
    refreshes: list[int] = []
    credentials = refreshable_credentials(delivery.archive, refreshes)
    expired = InjectedFaults(
        "PutObject", 2, lambda n: error_response(400, "ExpiredToken", "The token has expired.")
    )
    engine = delivery.engine(
        factory=delivery.client_factory(expired.install, credentials=credentials),
        settings=quick_settings(concurrency=1),
        refresh_credentials=refresh_hook(credentials),
    )

    engine.start(delivery.files)

    assert engine.wait(60)
    assert len(refreshes) == expired.injected == 2
    assert delivery.object_bytes("a.fits") == data
    assert delivery.records.record("a.fits").attempts == 1  # never a failed attempt
    assert "retrying" not in delivery.events.states_of("a.fits")


class _AcceptingHandler(http.server.BaseHTTPRequestHandler):
    """Answers every PUT like S3 does when it stored the object, remembering its headers."""

    protocol_version = "HTTP/1.1"
    server: _TlsServer

    def log_message(self, format: str, *args: object) -> None:
        return None

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.received.append(dict(self.headers.items()))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _TlsServer(http.server.ThreadingHTTPServer):
    def __init__(self, folder: Path) -> None:
        super().__init__(("127.0.0.1", 0), _AcceptingHandler)
        files = make_tls_files(folder)
        self.ca_bundle = files.cert_path
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(files.cert_path, files.key_path)
        self.socket = context.wrap_socket(self.socket, server_side=True)
        self.received: list[dict[str, str]] = []


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[_TlsServer]:
    server = _TlsServer(tmp_path)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _lean_putter(url: str) -> LeanPutter:
    profile = Profile(
        name="tls",
        region="us-east-1",
        endpoint_url=url,
        credentials=StaticCredentials("AKIDEXAMPLE", "not-a-real-secret"),
    )
    client = TransferClientFactory(make_session(profile), profile)()
    putter = LeanPutter.for_client(client)
    assert putter is not None
    return putter


def test_tls_is_verified_against_the_ca_bundle(
    tls_server: _TlsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"https://127.0.0.1:{tls_server.server_address[1]}"
    monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)
    untrusting = _lean_putter(url)
    with pytest.raises(ArchiveUnreachableError, match="SSL validation failed"):
        untrusting.put("uploading a.fits", "bucket", "a.fits", b"data", crc32_b64(b"data"))
    assert tls_server.received == []

    monkeypatch.setenv("AWS_CA_BUNDLE", str(tls_server.ca_bundle))
    trusting = _lean_putter(url)
    trusting.put("uploading a.fits", "bucket", "a.fits", b"data", crc32_b64(b"data"))

    (headers,) = tls_server.received
    assert headers["x-amz-checksum-crc32"] == crc32_b64(b"data")
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert datetime.datetime.strptime(headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
