"""Shared pieces of the control-channel integration tests (tests/integration/test_control_*.py).

Clients are built exactly as the app builds them (`fast.aws_clients` from the archive's profile),
so every test goes over HTTP to the local archive. Faults are injected on a real client through
botocore's event hooks: a connection that fails, or a request that lands but whose answer is
lost. Nothing else is faked.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from tests.unit.core.delivery.label_texts import fits_label_text
from uploader_gui.aws.clients import lambda_client, make_session, s3_client, ssm_client
from uploader_gui.core.delivery.label import Label, parse_label
from uploader_gui.core.protocol.log_rows import LogRow, format_row, parse_rows
from uploader_gui.core.protocol.naming import DeliveryNames
from uploader_gui.fast.network_config_reader import read_network_config
from uploader_gui.sandbox.archive import LocalArchive


@dataclass
class Delivery:
    """One delivery of one transfer type, reached with the app's own clients."""

    archive: LocalArchive
    names: DeliveryNames
    label: Label
    s3: Any  # the app's client (fast.aws_clients)
    lambda_client: Any
    staleness_threshold_s: float
    init_lambda_arn: str
    admin_s3: Any  # a second, independent client: "someone else" writing to the archive

    def object_bytes(self, key: str, bucket: str | None = None) -> bytes | None:
        s3 = self.admin_s3
        try:
            answer = s3.get_object(Bucket=bucket or self.names.control_bucket, Key=key)
        except s3.exceptions.NoSuchKey:
            return None
        return bytes(answer["Body"].read())

    def log_rows(self, key: str) -> list[LogRow]:
        data = self.object_bytes(key) or b""
        return [row for row in parse_rows(data.decode()) if isinstance(row, LogRow)]

    def append_validator_rows(self, *rows: tuple[str, str, str, object]) -> None:
        """Rows as the validator writes them, appended in one go by another party."""
        text = "".join(format_row(datetime.now(UTC), *row, "validatorxx") for row in rows).encode()
        self.append_raw(self.names.validator_log_key, text)

    def append_raw(self, key: str, data: bytes) -> None:
        s3 = self.admin_s3
        try:
            size = s3.head_object(Bucket=self.names.control_bucket, Key=key)["ContentLength"]
        except s3.exceptions.ClientError:
            s3.put_object(Bucket=self.names.control_bucket, Key=key, Body=data)
            return
        s3.put_object(Bucket=self.names.control_bucket, Key=key, Body=data, WriteOffsetBytes=size)

    def operations(
        self, name: str, key: str | None = None, *, bucket: str | None = None
    ) -> list[dict[str, Any]]:
        """The archive's audit records of operation `name`, for one key or bucket if given."""
        return [
            record
            for record in self.archive.audit_records()
            if record["operation"] == name
            and (key is None or record.get("key") == key)
            and (bucket is None or record.get("bucket") == bucket)
        ]


def new_delivery(
    archive: LocalArchive, folder: Path, transfer_type: str = "staging", *, accept: bool = True
) -> Delivery:
    """A fresh delivery id; its label accepted (buckets provisioned) unless `accept` is False."""
    delivery_id = secrets.token_hex(4)
    label_path = folder / f"ctl-{delivery_id}-label.yaml"
    label_path.write_text(fits_label_text("ctl_set", delivery_id), encoding="utf-8")
    if accept:
        archive.accept_label(label_path)
    label = parse_label(label_path)
    profile = archive.profile()
    session = make_session(profile)
    network = read_network_config(ssm_client(session, profile), profile.network_config_parameter)
    return Delivery(
        archive=archive,
        names=network.names_for(label.dataset, label.delivery_id, transfer_type),
        label=label,
        s3=s3_client(session, profile),
        lambda_client=lambda_client(session, profile),
        staleness_threshold_s=network.lock_staleness_threshold_s,
        init_lambda_arn=network.init_lambda_arn,
        admin_s3=archive.boto3_client("s3"),
    )


def app_s3(archive: LocalArchive) -> Any:
    """Another client built the app's way (a second uploader on another machine)."""
    profile = archive.profile()
    return s3_client(make_session(profile), profile)


class FaultSwitch:
    """While on, the chosen operations of one client fail as if the network were down."""

    def __init__(self, client: Any, operations: Iterable[str]) -> None:
        self.is_on = False
        self.failures = 0
        for operation in operations:
            client.meta.events.register(f"before-send.s3.{operation}", self._before_send)

    def _before_send(self, request: Any, **kwargs: Any) -> None:
        if self.is_on:
            self.failures += 1
            raise EndpointConnectionError(endpoint_url=request.url)


class LandThenLoseAnswer:
    """The next PutObject really lands (sent by a twin client), but its answer is lost.

    The lost answer repeats `times` times, so botocore's own retries see it too; that is how a
    request can land twice without the client's care.
    """

    def __init__(self, client: Any, twin: Any, times: int) -> None:
        self._twin = twin
        self._remaining = times
        self._has_landed = False
        self._params: dict[str, Any] = {}
        client.meta.events.register("before-parameter-build.s3.PutObject", self._capture)
        client.meta.events.register("before-send.s3.PutObject", self._before_send)

    def _capture(self, params: dict[str, Any], **kwargs: Any) -> None:
        self._params = dict(params)

    def _before_send(self, request: Any, **kwargs: Any) -> None:
        if self._remaining <= 0:
            return
        self._remaining -= 1
        if not self._has_landed:
            self._has_landed = True
            self._twin.put_object(**self._params)
        raise ReadTimeoutError(endpoint_url=request.url)


class _CannedBody:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *args: Any, **kwargs: Any) -> Iterable[bytes]:
        yield self._body


class NotImplementedForHeader:
    """A store without conditional writes: requests carrying `header` get S3's 501 answer."""

    def __init__(self, client: Any, header: str) -> None:
        self.refusals = 0
        self._header = header.lower()
        client.meta.events.register("before-send.s3.PutObject", self._before_send)

    def _before_send(self, request: Any, **kwargs: Any) -> AWSResponse | None:
        if self._header not in {name.lower() for name in request.headers}:
            return None
        self.refusals += 1
        body = (
            b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotImplemented</Code>'
            b"<Message>A header you provided implies functionality that is not implemented"
            b"</Message></Error>"
        )
        return AWSResponse(request.url, 501, {"Content-Type": "application/xml"}, _CannedBody(body))
