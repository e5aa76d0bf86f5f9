"""The local archive's WSGI app: route each request, inject faults, audit, answer.

Lambda `Invoke` goes to the registered init step, S3 (signed for `s3` or `s3express`) goes
through the gap closer, everything else (SSM, ...) straight to moto. Every request that gets an
answer is audited.
"""

from __future__ import annotations

import http
import re
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import MotoRequestHandler

from uploader_gui.sandbox import s3_ops
from uploader_gui.sandbox.audit import AuditLog
from uploader_gui.sandbox.faults import FaultInjector
from uploader_gui.sandbox.lambda_service import LambdaService
from uploader_gui.sandbox.provisioning import Provisioner
from uploader_gui.sandbox.s3_gaps import S3GapCloser
from uploader_gui.sandbox.wire import WireRequest, WireResponse, WsgiApp, call_app, s3_error

_FORM_ACTION = re.compile(r"(?:^|&)Action=([A-Za-z0-9]+)")
# Operations whose audit line names the part and upload, so tests can say which parts were sent.
_PART_OPERATIONS = frozenset({"UploadPart", "UploadPartCopy"})


class QuietRequestHandler(MotoRequestHandler):
    """moto's request handler without a stderr line per request (the audit log has them)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class SandboxApp:
    def __init__(
        self,
        *,
        moto_app: WsgiApp,
        gaps: S3GapCloser,
        lambda_service: LambdaService,
        provisioner: Provisioner,
        faults: FaultInjector,
        audit: AuditLog,
    ) -> None:
        self._moto_app = moto_app
        self._gaps = gaps
        self._lambda = lambda_service
        self._provisioner = provisioner
        self._faults = faults
        self._audit = audit

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = WireRequest.read(environ)
        details: dict[str, Any] = {}
        try:
            service, operation, bucket, key, response = self._dispatch(request, details)
        except Exception:  # noqa: BLE001 - a bug here must reach the client as a 500, not hang it
            service, operation, bucket, key = request.signing_service, "?", "", ""
            details["exception"] = traceback.format_exc(limit=8)
            response = s3_error(500, "InternalError", "The local archive failed on this request.")
        if response.header("x-amz-injected-fault"):
            details["injected_fault"] = True
        self._audit.record(
            service=service or "unknown",
            operation=operation,
            bucket=bucket,
            key=key,
            status=response.status,
            error=response.error_code(),
            **details,
        )
        return _send(request, response, start_response)

    def _dispatch(
        self, request: WireRequest, details: dict[str, Any]
    ) -> tuple[str, str, str, str, WireResponse]:
        """(service, operation, bucket, key, response); extra audit fields go into `details`."""
        if LambdaService.is_invoke(request):
            details["function"], response = self._lambda.invoke(request)
            return "lambda", "Invoke", "", "", response
        if request.is_s3:
            target = s3_ops.classify(request)
            service = request.signing_service
            if target.operation in _PART_OPERATIONS:
                details.update(_part_details(request))
            fault = self._faults.maybe_fail(
                target.operation, self._provisioner.is_transfer_bucket(target.bucket)
            )
            if fault is not None:
                fault.set_header("x-amz-injected-fault", "true")
                return service, target.operation, target.bucket, target.key, fault
            response = self._gaps.handle(request, target)
            return service, target.operation, target.bucket, target.key, response
        response = call_app(self._moto_app, request.forward_environ())
        return request.signing_service, _operation_name(request), "", "", response


def _part_details(request: WireRequest) -> dict[str, Any]:
    """`partNumber` (an int when it is one) and `uploadId` of an UploadPart(Copy) request."""
    number = request.query.get("partNumber", [""])[0]
    return {
        "partNumber": int(number) if number.isdigit() else number,
        "uploadId": request.query.get("uploadId", [""])[0],
    }


def _operation_name(request: WireRequest) -> str:
    target = request.header("x-amz-target")
    if target:
        return target.rsplit(".", 1)[-1]
    match = _FORM_ACTION.search(request.body.decode("utf-8", "replace"))
    return match.group(1) if match else f"{request.method} {request.path}"


def _send(
    request: WireRequest, response: WireResponse, start_response: Callable[..., Any]
) -> Iterable[bytes]:
    body = b"" if request.method == "HEAD" else response.body
    headers = list(response.headers)
    has_length = any(name.lower() == "content-length" for name, _ in headers)
    if not has_length:
        headers.append(("Content-Length", str(len(body))))
    try:
        phrase = http.HTTPStatus(response.status).phrase
    except ValueError:
        phrase = "Unknown"
    start_response(f"{response.status} {phrase}", headers)
    return [body]
