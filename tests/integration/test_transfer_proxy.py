"""The environment's HTTP proxy is honoured: uploads and the control plane's requests reach the
archive through a real forwarding proxy on 127.0.0.1, and a host on NO_PROXY is reached
directly."""

from __future__ import annotations

import http.client
import http.server
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.integration.transfer_kit import BOTH_PUT_PATHS, PART_BYTES, MakeDelivery, random_bytes
from uploader_gui.aws.clients import lambda_client, make_session, s3_client, ssm_client
from uploader_gui.core.engine.file_states import FileState

pytest_plugins = ("tests.integration.transfer_fixtures",)

_HOP_BY_HOP = {"connection", "proxy-connection", "keep-alive", "expect", "transfer-encoding"}


class ForwardingProxy(http.server.ThreadingHTTPServer):
    """A plain-HTTP forward proxy that remembers each request it carried."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.carried: list[str] = []
        self.lock = threading.Lock()


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # answers `Expect: 100-continue` itself
    server: ForwardingProxy

    def log_message(self, format: str, *args: object) -> None:
        return None

    def _forward(self) -> None:
        target = urlsplit(self.path)  # a proxy is sent the absolute URI
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        upstream = http.client.HTTPConnection(target.hostname or "", target.port, timeout=60)
        query = f"?{target.query}" if target.query else ""
        upstream.request(self.command, f"{target.path}{query}", body=body, headers=headers)
        response = upstream.getresponse()
        data = response.read()
        upstream.close()
        with self.server.lock:
            self.server.carried.append(f"{self.command} {target.path}{query}")
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward


@pytest.fixture
def proxy() -> Iterator[ForwardingProxy]:
    server = ForwardingProxy()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def use_proxy(monkeypatch: pytest.MonkeyPatch, url: str, no_proxy: str = "") -> None:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", url)
    if no_proxy:
        monkeypatch.setenv("no_proxy", no_proxy)


@BOTH_PUT_PATHS
def test_uploads_go_through_the_environments_proxy(
    deliveries: MakeDelivery, proxy: ForwardingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    contents = {"a.fits": b"via the proxy", "big.fits": random_bytes(2 * PART_BYTES)}
    delivery = deliveries(contents)
    use_proxy(monkeypatch, f"http://127.0.0.1:{proxy.server_address[1]}")

    engine = delivery.engine()
    engine.start(delivery.files)

    assert engine.wait(60)
    assert all(delivery.tracker.state(path) is FileState.DONE for path in contents)
    assert delivery.object_bytes("big.fits") == contents["big.fits"]
    carried = " ".join(proxy.carried)
    assert f"PUT /{delivery.bucket}/a.fits" in carried
    assert "partNumber=2" in carried


@BOTH_PUT_PATHS
def test_a_host_on_no_proxy_is_reached_directly(
    deliveries: MakeDelivery, proxy: ForwardingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    delivery = deliveries({"a.fits": b"direct"})
    use_proxy(monkeypatch, f"http://127.0.0.1:{proxy.server_address[1]}", no_proxy="127.0.0.1")

    engine = delivery.engine()
    engine.start(delivery.files)

    assert engine.wait(60)
    assert delivery.tracker.state("a.fits") is FileState.DONE
    assert proxy.carried == []


def test_control_plane_clients_go_through_the_environments_proxy(
    deliveries: MakeDelivery, proxy: ForwardingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    delivery = deliveries({"a.fits": b"control"})
    proxy_url = f"http://127.0.0.1:{proxy.server_address[1]}"
    use_proxy(monkeypatch, proxy_url)
    profile = delivery.archive.profile()
    session = make_session(profile)

    s3 = s3_client(session, profile)
    ssm = ssm_client(session, profile)
    s3.put_object(Bucket=delivery.bucket, Key="control.txt", Body=b"row")
    ssm.describe_parameters()

    # botocore alone reads only the environment; the system's proxy (Windows registry, macOS
    # settings) reaches a client only through its config, as `proxies_for` found it.
    for client in (s3, ssm, lambda_client(session, profile)):
        assert client.meta.config.proxies == {"http": proxy_url}

    carried = " ".join(proxy.carried)
    assert f"PUT /{delivery.bucket}/control.txt" in carried
    assert "POST /" in carried  # the SSM request
    assert delivery.object_bytes("control.txt") == b"row"
