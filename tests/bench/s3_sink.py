"""A minimal S3-compatible PUT sink over TLS on 127.0.0.1, for transfer benchmarks only.

SeaweedFS spends about 10 CPU seconds per GB receiving an upload on this 2-core machine, so it,
not the client, sets the pace of a big-file upload. This sink reads every payload byte (TLS,
HTTP and aws-chunked framing), checksums it with ISA-L's CRC32 and throws it away, keeping only
sizes and checksums: enough for PutObject, multipart uploads, ListParts, HeadObject (with the
FULL_OBJECT or COMPOSITE checksum S3 would report) and ListObjectsV2. Signatures are not checked.

It also counts payload bytes as they arrive and notes when the last one came (`time.monotonic`,
one clock for every process on Linux), for the pause-latency and kill-resume figures:
`GET /_sink/stats` returns them as JSON.

Run it in its own process (`python -m tests.bench.s3_sink CERT KEY`), which prints its
port, so that its CPU is never billed to the client under test and its GIL never slows the
benchmark driver.
"""

from __future__ import annotations

import json
import ssl
import sys
import threading
import time
import uuid
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.etree import ElementTree

from tests.bench.s3_sink_wire import BodySummary, consume_body, xml_document
from uploader_gui.core.checksums.crc32 import crc32_of_bytes
from uploader_gui.core.checksums.crc32 import crc32_to_base64 as crc32_base64
from uploader_gui.core.checksums.crc32_combine import crc32_of_pieces

STATS_PATH = "/_sink/stats"
_MD5_LIMIT_BYTES = 64 * 1024 * 1024  # single PUTs get a real MD5 ETag (rclone checks it)


class SinkState:
    """Objects and multipart uploads (sizes and checksums only), and the payload counters."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.objects: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, dict[str, Any]] = {}
        self.payload_bytes = 0
        self.last_payload_monotonic = 0.0
        self.payload_bytes_by_key: dict[str, int] = {}

    def count_payload(self, key: str, size_bytes: int) -> None:
        with self.lock:
            self.payload_bytes += size_bytes
            self.last_payload_monotonic = time.monotonic()
            self.payload_bytes_by_key[key] = self.payload_bytes_by_key.get(key, 0) + size_bytes

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "payload_bytes": self.payload_bytes,
                "last_payload_monotonic": self.last_payload_monotonic,
                "payload_bytes_by_key": dict(self.payload_bytes_by_key),
                "objects": len(self.objects),
                "open_uploads": len(self.uploads),
            }


class SinkServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, context: ssl.SSLContext, state: SinkState) -> None:
        super().__init__(("127.0.0.1", 0), SinkRequestHandler)
        # Handshakes happen on first read, in the request's own thread, not in accept().
        self.socket = context.wrap_socket(
            self.socket, server_side=True, do_handshake_on_connect=False
        )
        self.state = state


class SinkRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SinkServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_PUT(self) -> None:
        _, key, query = self._target()
        if not key:
            self._reply(200, b"")
        elif "uploadId" in query:
            self._upload_part(key, query)
        else:
            self._put_object(key)

    def do_POST(self) -> None:
        _, key, query = self._target()
        if "uploads" in query:
            self._create_upload(key)
        elif "uploadId" in query:
            self._complete_upload(key, query["uploadId"][0])
        else:
            self._reply(400, b"")

    def do_GET(self) -> None:
        if self.path == STATS_PATH:
            self._reply(200, json.dumps(self.server.state.stats()).encode(), "application/json")
            return
        bucket, key, query = self._target()
        if "uploadId" in query:
            self._list_parts(bucket, key, query["uploadId"][0])
        elif not key:
            self._list_objects(bucket, query.get("prefix", [""])[0])
        else:
            self._reply(501, b"")

    def do_HEAD(self) -> None:
        _, key, _ = self._target()
        if not key:
            self._reply(200, b"")
            return
        with self.server.state.lock:
            stored = self.server.state.objects.get(key)
        if stored is None:
            self._reply(404, b"")
            return
        headers = {"ETag": stored["etag"], "Last-Modified": stored["last_modified"]}
        wants_checksum = self.headers.get("x-amz-checksum-mode", "").upper() == "ENABLED"
        if wants_checksum and stored.get("checksum_crc32"):
            headers["x-amz-checksum-crc32"] = stored["checksum_crc32"]
            headers["x-amz-checksum-type"] = stored["checksum_type"]
        self._reply(200, b"", length=stored["size_bytes"], extra=headers)

    def do_DELETE(self) -> None:
        _, key, query = self._target()
        with self.server.state.lock:
            if "uploadId" in query:
                self.server.state.uploads.pop(query["uploadId"][0], None)
            else:
                self.server.state.objects.pop(key, None)
        self._reply(204, b"")

    def _target(self) -> tuple[str, str, dict[str, list[str]]]:
        parts = urlsplit(self.path)
        bucket, _, key = unquote(parts.path).lstrip("/").partition("/")
        return bucket, key, parse_qs(parts.query, keep_blank_values=True)

    def _receive(self, key: str, *, wants_md5: bool) -> BodySummary:
        headers = {name.lower(): value for name, value in self.headers.items()}
        state = self.server.state
        return consume_body(
            headers,
            self.rfile,  # type: ignore[arg-type]
            wants_md5=wants_md5,
            on_payload=lambda size: state.count_payload(key, size),
        )

    def _put_object(self, key: str) -> None:
        declared = int(self.headers.get("x-amz-decoded-content-length") or 0)
        declared = declared or int(self.headers.get("content-length") or 0)
        body = self._receive(key, wants_md5=declared <= _MD5_LIMIT_BYTES)
        etag = f'"{body.md5_hex or uuid.uuid4().hex}"'
        sent_crc = self._sent_checksum(body)
        if sent_crc and sent_crc != crc32_base64(body.crc32):
            self._bad_digest()
            return
        record = self._object_record(body.size_bytes, etag)
        if sent_crc:
            record |= {"checksum_crc32": crc32_base64(body.crc32), "checksum_type": "FULL_OBJECT"}
        with self.server.state.lock:
            self.server.state.objects[key] = record
        extra = {"ETag": etag}
        if sent_crc:
            extra["x-amz-checksum-crc32"] = crc32_base64(body.crc32)
        self._reply(200, b"", extra=extra)

    def _sent_checksum(self, body: BodySummary) -> str | None:
        return body.trailers.get("x-amz-checksum-crc32") or self.headers.get("x-amz-checksum-crc32")

    def _bad_digest(self) -> None:
        """As S3 answers a body whose CRC32 is not the one the client declared."""
        error = [("Code", "BadDigest"), ("Message", "The CRC32 you specified did not match")]
        self._reply(400, xml_document("Error", error), "application/xml")

    def _create_upload(self, key: str) -> None:
        upload_id = uuid.uuid4().hex
        algorithm = (self.headers.get("x-amz-checksum-algorithm") or "").upper()
        checksum_type = (self.headers.get("x-amz-checksum-type") or "COMPOSITE").upper()
        with self.server.state.lock:
            self.server.state.uploads[upload_id] = {
                "key": key,
                "parts": {},
                "algorithm": algorithm,
                "type": checksum_type,
            }
        fields: list[tuple[str, object]] = [("Bucket", "b"), ("Key", key), ("UploadId", upload_id)]
        self._reply(200, xml_document("InitiateMultipartUploadResult", fields), "application/xml")

    def _upload_part(self, key: str, query: dict[str, list[str]]) -> None:
        upload_id, number = query["uploadId"][0], int(query["partNumber"][0])
        body = self._receive(key, wants_md5=False)
        sent_crc = self._sent_checksum(body)
        if sent_crc and sent_crc != crc32_base64(body.crc32):
            self._bad_digest()
            return
        etag = f'"{uuid.uuid4().hex}"'
        with self.server.state.lock:
            upload = self.server.state.uploads.get(upload_id)
            if upload is not None:
                upload["parts"][number] = {
                    "size_bytes": body.size_bytes,
                    "crc32": body.crc32,
                    "etag": etag,
                    "last_modified": _http_date(),
                }
        if upload is None:
            self._reply(404, xml_document("Error", [("Code", "NoSuchUpload")]), "application/xml")
            return
        self._reply(
            200, b"", extra={"ETag": etag, "x-amz-checksum-crc32": crc32_base64(body.crc32)}
        )

    def _complete_upload(self, key: str, upload_id: str) -> None:
        # The benchmark's own clients on 127.0.0.1 wrote this XML.
        body = self.rfile.read(int(self.headers["content-length"]))
        document = ElementTree.fromstring(body)  # noqa: S314
        numbers = [
            int(node.text or 0) for node in document.iter() if node.tag.endswith("PartNumber")
        ]
        with self.server.state.lock:
            upload = self.server.state.uploads.get(upload_id)
            parts = [upload["parts"].get(number) for number in numbers] if upload else []
        if upload is None:
            self._reply(404, xml_document("Error", [("Code", "NoSuchUpload")]), "application/xml")
            return
        if not parts or None in parts:  # the upload stays open, as on S3
            self._reply(400, xml_document("Error", [("Code", "InvalidPart")]), "application/xml")
            return
        etag = f'"{uuid.uuid4().hex}-{len(parts)}"'
        record = self._object_record(sum(part["size_bytes"] for part in parts), etag)
        record |= _multipart_checksum(upload, parts)
        declared = self.headers.get("x-amz-checksum-crc32")
        is_full_object = record.get("checksum_type") == "FULL_OBJECT"
        if declared and is_full_object and declared != record["checksum_crc32"]:
            self._bad_digest()
            return
        with self.server.state.lock:
            self.server.state.uploads.pop(upload_id, None)
            self.server.state.objects[key] = record
        fields: list[tuple[str, object]] = [("Bucket", "b"), ("Key", key), ("ETag", etag)]
        if record.get("checksum_crc32"):
            fields += [("ChecksumCRC32", record["checksum_crc32"])]
            fields += [("ChecksumType", record["checksum_type"])]
        self._reply(200, xml_document("CompleteMultipartUploadResult", fields), "application/xml")

    def _list_parts(self, bucket: str, key: str, upload_id: str) -> None:
        with self.server.state.lock:
            upload = self.server.state.uploads.get(upload_id)
            parts = sorted(upload["parts"].items()) if upload else []
        if upload is None:
            self._reply(404, xml_document("Error", [("Code", "NoSuchUpload")]), "application/xml")
            return
        fields: list[tuple[str, object]] = [("Bucket", bucket), ("Key", key)]
        fields += [("UploadId", upload_id), ("IsTruncated", "false")]
        for number, part in parts:
            fields.append(("Part", _part_fields(number, part)))
        self._reply(200, xml_document("ListPartsResult", fields), "application/xml")

    def _list_objects(self, bucket: str, prefix: str) -> None:
        with self.server.state.lock:
            matches = sorted(
                (key, obj)
                for key, obj in self.server.state.objects.items()
                if key.startswith(prefix)
            )
        fields: list[tuple[str, object]] = [("Name", bucket), ("Prefix", prefix)]
        fields += [("KeyCount", len(matches)), ("IsTruncated", "false")]
        for key, obj in matches:
            contents: list[tuple[str, object]] = [("Key", key), ("Size", obj["size_bytes"])]
            contents += [("ETag", obj["etag"]), ("LastModified", obj["iso_modified"])]
            fields.append(("Contents", contents))
        self._reply(200, xml_document("ListBucketResult", fields), "application/xml")

    @staticmethod
    def _object_record(size_bytes: int, etag: str) -> dict[str, Any]:
        return {
            "size_bytes": size_bytes,
            "etag": etag,
            "last_modified": _http_date(),
            "iso_modified": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        }

    def _reply(
        self,
        status: int,
        body: bytes,
        content_type: str | None = None,
        *,
        length: int | None = None,
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)


def _multipart_checksum(upload: dict[str, Any], parts: list[dict[str, Any]]) -> dict[str, str]:
    """The checksum S3 reports for a completed upload: the whole object's CRC32 if the upload
    was created FULL_OBJECT, else the CRC32 of the part CRC32s with a `-N` suffix."""
    if upload["algorithm"] != "CRC32":
        return {}
    if upload["type"] == "FULL_OBJECT":
        whole = crc32_of_pieces((part["crc32"], part["size_bytes"]) for part in parts)
        return {"checksum_crc32": crc32_base64(whole), "checksum_type": "FULL_OBJECT"}
    joined = b"".join(part["crc32"].to_bytes(4, "big") for part in parts)
    composite = f"{crc32_base64(crc32_of_bytes(joined))}-{len(parts)}"
    return {"checksum_crc32": composite, "checksum_type": "COMPOSITE"}


def _part_fields(number: int, part: dict[str, Any]) -> list[tuple[str, object]]:
    return [
        ("PartNumber", number),
        ("ETag", part["etag"]),
        ("Size", part["size_bytes"]),
        ("ChecksumCRC32", crc32_base64(part["crc32"])),
        ("LastModified", time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())),
    ]


def _http_date() -> str:
    return formatdate(usegmt=True)


def serve(cert_path: Path, key_path: Path) -> None:
    """Serve until killed; print the port on stdout first."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server = SinkServer(context, SinkState())
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), Path(sys.argv[2]))
