"""S3 as AWS behaves for the FAST protocol, on top of moto (PROTOCOL.md §14).

Closes: S3 Express appends (`WriteOffsetBytes`, `InvalidWriteOffset`, 501 on general buckets,
`TooManyParts`), checksum enforcement (`BadDigest` on PutObject/UploadPart, the object checksum
on CompleteMultipartUpload), checksums stored without the SDK hint and returned by HEAD with
their type, `aws-chunked` bodies, `CreateSession` for directory buckets, and atomic conditional
creates (`If-None-Match: *`). Everything else goes to moto unchanged.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from uploader_gui.sandbox import checksums, multipart_checks
from uploader_gui.sandbox.provisioning import Provisioner
from uploader_gui.sandbox.s3_ops import S3Target
from uploader_gui.sandbox.wire import WireRequest, WireResponse, WsgiApp, call_app, s3_error

WRITE_OFFSET_HEADER = "x-amz-write-offset-bytes"
SESSION_LIFETIME = timedelta(minutes=5)
_BODY_OPERATIONS = frozenset({"PutObject", "UploadPart"})


class S3GapCloser:
    """Answers one S3 request, closing moto's gaps; thread-safe."""

    def __init__(
        self,
        moto_app: WsgiApp,
        provisioner: Provisioner,
        *,
        max_appends_per_object: int,
        auto_accept: bool,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._moto_app = moto_app
        self._provisioner = provisioner
        self._max_appends = max_appends_per_object
        self._auto_accept = auto_accept
        self._clock = clock
        # Appends, conditional creates and every write to a directory bucket are serialised,
        # so a read-check-write is atomic as on S3.
        self._write_lock = threading.RLock()
        self._append_counts: dict[tuple[str, str], int] = {}

    def handle(self, request: WireRequest, target: S3Target) -> WireResponse:
        response = self._answer(request, target)
        # A persistent archive journals what moto changed (its in-memory one does nothing).
        self._provisioner.store.after_request(target.operation, request, target, response.status)
        return response

    def _answer(self, request: WireRequest, target: S3Target) -> WireResponse:
        if self._auto_accept and target.bucket:
            self._provisioner.create_delivery_for(target.bucket)
        operation = target.operation
        if operation == "CreateSession" and target.is_directory_bucket:
            return self._create_session(target)
        if operation in _BODY_OPERATIONS:
            problem = checksums.unwrap_streaming_body(request) or checksums.verify_claims(
                request, request.body
            )
            if problem is not None:
                return problem
        if operation == "PutObject":
            if request.header(WRITE_OFFSET_HEADER):
                return self._append(request, target)
            return self._put(request, target)
        if operation == "UploadPart":
            return self._upload_part(request, target)
        if operation == "CompleteMultipartUpload":
            return self._complete(request, target)
        if operation in ("CopyObject", "DeleteObject"):
            return self._replace(request, target)
        response = self._forward(request)
        if operation in ("HeadObject", "GetObject") and response.status in (200, 206):
            self._patch_checksum_headers(request, target, response)
        elif operation == "ListParts" and response.status == 200:
            multipart = self._multipart(target, request.query_value("uploadId"))
            if multipart is not None:
                response.replace_body(multipart_checks.add_part_checksums(response.body, multipart))
        return response

    def _forward(self, request: WireRequest) -> WireResponse:
        return call_app(self._moto_app, request.forward_environ())

    def _create_session(self, target: S3Target) -> WireResponse:
        if not self._provisioner.bucket_exists(target.bucket):
            return s3_error(
                404, "NoSuchBucket", "The specified bucket does not exist", resource=target.bucket
            )
        key_id, secret = self._provisioner.account.session_key()
        expiration = (self._clock() + SESSION_LIFETIME).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<CreateSessionResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f"<Credentials><SessionToken>local-archive-session-{key_id}</SessionToken>"
            f"<SecretAccessKey>{secret}</SecretAccessKey><AccessKeyId>{key_id}</AccessKeyId>"
            f"<Expiration>{expiration}</Expiration></Credentials></CreateSessionResult>"
        ).encode()
        return WireResponse(200, [("Content-Type", "application/xml")], body)

    def _put(self, request: WireRequest, target: S3Target) -> WireResponse:
        algorithm = checksums.hint_stored_checksum(request)
        needs_lock = target.is_directory_bucket or bool(request.header("if-none-match"))
        with self._write_lock if needs_lock else contextlib.nullcontext():
            response = self._forward(request)
            if response.status == 200:
                self._append_counts.pop((target.bucket, target.key), None)
                if algorithm is not None:
                    self._mark_full_object(target)
        if response.status == 200 and self._auto_accept:
            self._provisioner.accept_submitted_label(target.bucket, target.key, request.body)
        return response

    def _append(self, request: WireRequest, target: S3Target) -> WireResponse:
        if not target.is_directory_bucket:
            return s3_error(
                501,
                "NotImplemented",
                "A header you provided implies functionality that is not implemented.",
                extra={"Header": "x-amz-write-offset-bytes"},
            )
        offset_text = request.header(WRITE_OFFSET_HEADER).strip()
        if not offset_text.isdigit():
            return s3_error(400, "InvalidArgument", "WriteOffsetBytes must be a whole number.")
        if not request.body:
            return s3_error(400, "InvalidRequest", "An append must carry at least one byte.")
        with self._write_lock:
            current = self._provisioner.get_object(target.bucket, target.key)
            problem = self._append_problem(request, target, current, int(offset_text))
            if problem is not None:
                return problem
            existing = bytes(current.value) if current is not None else b""
            self._rewrite_as_whole_object(request, existing + request.body, current)
            response = self._forward(request)
            if response.status == 200:
                count_key = (target.bucket, target.key)
                self._append_counts[count_key] = self._append_counts.get(count_key, 0) + 1
                self._mark_full_object(target)
        return response

    def _append_problem(
        self, request: WireRequest, target: S3Target, current: object, offset: int
    ) -> WireResponse | None:
        size = getattr(current, "size", 0) if current is not None else 0
        if offset != size:
            return s3_error(
                400,
                "InvalidWriteOffset",
                "The write offset value that you specified does not match the current object size.",
            )
        if self._append_counts.get((target.bucket, target.key), 0) >= self._max_appends:
            return s3_error(
                400,
                "TooManyParts",
                f"You have attempted to append more than {self._max_appends} times to this object.",
            )
        stored_algorithm = getattr(current, "checksum_algorithm", None)
        claims = checksums.claimed(request)
        if stored_algorithm and claims and stored_algorithm.upper() not in claims:
            return s3_error(
                400,
                "InvalidRequest",
                f"The object was stored with a {stored_algorithm} checksum; appends must use "
                "the same checksum algorithm.",
            )
        return None

    def _rewrite_as_whole_object(self, request: WireRequest, whole: bytes, current: object) -> None:
        """Turn the append into a PUT of the whole new object, carrying its full checksum."""
        algorithm = (getattr(current, "checksum_algorithm", None) or "").upper()
        algorithm = algorithm or checksums.hint_stored_checksum(request) or "CRC32"
        for name in checksums.CHECKSUM_ALGORITHMS:
            request.header_overrides[checksums.checksum_header(name)] = None
        value = checksums.compute(algorithm, whole)
        if value is not None:
            request.header_overrides[checksums.checksum_header(algorithm)] = value
            request.header_overrides["x-amz-sdk-checksum-algorithm"] = algorithm
        request.header_overrides[WRITE_OFFSET_HEADER] = None
        request.header_overrides["content-md5"] = None
        request.body = whole

    def _upload_part(self, request: WireRequest, target: S3Target) -> WireResponse:
        algorithm = checksums.hint_stored_checksum(request)
        response = self._forward(request)
        multipart = self._multipart(target, request.query_value("uploadId"))
        if response.status == 200 and algorithm and multipart is not None:
            part_number = int(request.query_value("partNumber") or 0)
            value = checksums.claimed(request)[algorithm]
            multipart_checks.record_part_checksum(multipart, part_number, algorithm, value)
        return response

    def _complete(self, request: WireRequest, target: S3Target) -> WireResponse:
        needs_lock = target.is_directory_bucket or bool(request.header("if-none-match"))
        with self._write_lock if needs_lock else contextlib.nullcontext():
            multipart = self._multipart(target, request.query_value("uploadId"))
            if multipart is not None:
                problem = multipart_checks.check_completion(request, multipart)
                if problem is not None:
                    return problem
                self._provisioner.store.prepare_complete(multipart)
            response = self._forward(request)
            if response.status == 200:
                self._append_counts.pop((target.bucket, target.key), None)
        return response

    def _replace(self, request: WireRequest, target: S3Target) -> WireResponse:
        """CopyObject and DeleteObject: a new (or no) object, so the append count restarts."""
        needs_lock = target.is_directory_bucket or bool(request.header("if-none-match"))
        with self._write_lock if needs_lock else contextlib.nullcontext():
            response = self._forward(request)
            if response.status < 300:
                self._append_counts.pop((target.bucket, target.key), None)
        return response

    def _patch_checksum_headers(
        self, request: WireRequest, target: S3Target, response: WireResponse
    ) -> None:
        if request.header("x-amz-checksum-mode").upper() != "ENABLED":
            return
        key = self._provisioner.get_object(target.bucket, target.key)
        if key is None or request.header("range"):
            return
        for name, value in multipart_checks.object_checksum_headers(key).items():
            response.set_header(name, value)

    def _mark_full_object(self, target: S3Target) -> None:
        key = self._provisioner.get_object(target.bucket, target.key)
        if key is not None and key.checksum_value and not key.checksum_type:
            key.checksum_type = "FULL_OBJECT"

    def _multipart(self, target: S3Target, upload_id: str) -> Any:
        if not upload_id or not self._provisioner.bucket_exists(target.bucket):
            return None
        bucket = self._provisioner.s3.get_bucket(target.bucket)
        return bucket.multiparts.get(upload_id)
