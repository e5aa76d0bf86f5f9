"""A tiny scripted FAST client for driving the init step and the reference validator in tests.

Plain boto3 against the local archive: PUT the label, index and `lock/client`, `Invoke` the init
Lambda, append rows built with `core.log_rows.format_row` to the client log, and read the
validator log back. It is deliberately not the real client (`uploader_gui.fast`): these tests
pin down the server side, row by row.
"""

from __future__ import annotations

import json
import secrets
import threading
import zlib
from base64 import b64encode
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from tests.waiting import wait_until
from uploader_gui.core.protocol.log_rows import LogRow, format_row, parse_rows
from uploader_gui.core.protocol.naming import DeliveryNames
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.sandbox.init_step import InitStep
from uploader_gui.sandbox.validator_log import append_to_object
from uploader_gui.sandbox.validator_settings import ValidatorSettings

# Quick enough for tests; everything else keeps upstream's values.
TEST_SETTINGS = ValidatorSettings(tail_poll_s=0.2, flush_idle_s=0.1, flush_max_delay_s=0.3)

LABEL_TEMPLATE = """\
dataset: {dataset}
delivery_id: '{delivery_id}'
time:
  delivery_start_date: 2025-01-15
filetypes:
  images:
    filename: '.*\\.fits$'
    standard: fits
  readme:
    filename: 'README'
    standard: text
delivery_meta:
  schema_version: 0.1.0
  global_validation_options:
    missing_filetypes_ok: true
"""


def crc32_b64(data: bytes) -> str:
    return b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


@contextmanager
def installed_init_step(archive: LocalArchive, **settings: Any) -> Iterator[InitStep]:
    """An init step answering this archive's Invoke; its validators are stopped afterwards."""
    options = {
        name: getattr(TEST_SETTINGS, name)
        for name in ("tail_poll_s", "flush_idle_s", "flush_max_delay_s")
    }
    options.update(settings)
    step = InitStep(archive, settings=ValidatorSettings(**options), startup_timeout_s=20.0)
    archive.set_lambda_handler(step)
    try:
        yield step
    finally:
        step.stop()
        assert all(not validator.is_running for validator in step.validators)
        assert validator_threads() == []


# Thread names the validator's parts use (validator, log writer, client-log tail, pool).
VALIDATOR_THREAD_PREFIXES = (
    "validator ",
    "validate ",
    "log-writer log/validator",
    "log-tail log/client",
)


def validator_threads() -> list[str]:
    """Names of live threads that belong to a reference validator: none may outlive it."""
    return [
        thread.name
        for thread in threading.enumerate()
        if thread.name.startswith(VALIDATOR_THREAD_PREFIXES)
    ]


@dataclass
class ScriptedDelivery:
    """One delivery and transfer type, with the client side done by hand."""

    archive: LocalArchive
    names: DeliveryNames
    label_text: str
    agent_id: str
    s3: Any

    @classmethod
    def accepted(
        cls, archive: LocalArchive, label_dir: Path, transfer_type: str = "staging"
    ) -> ScriptedDelivery:
        """A fresh delivery whose label the archive has accepted (buckets provisioned)."""
        dataset, delivery_id = "e2set", secrets.token_hex(4)
        label_text = LABEL_TEMPLATE.format(dataset=dataset, delivery_id=delivery_id)
        label_path = label_dir / f"{dataset}-{delivery_id}-label.yaml"
        label_path.write_text(label_text, encoding="utf-8")
        archive.accept_label(label_path)
        names = archive.network_config.names_for(dataset, delivery_id, transfer_type)
        agent_id = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(11))
        return cls(archive, names, label_text, agent_id, archive.boto3_client("s3"))

    # --- what a client does before Invoke ------------------------------------------------

    def put_label(self) -> None:
        self._put_control(self.names.label_key, self.label_text.encode())

    def put_index(self, text: str) -> None:
        self._put_control(self.names.index_key, text.encode())

    def take_client_lock(self, holder: str | None = None) -> None:
        self._put_control("lock/client", (holder or self.agent_id).encode())

    def put_data(self, key: str, body: bytes) -> str:
        """Upload a data object with its CRC32 (as a compatible client); returns the CRC32."""
        checksum = crc32_b64(body)
        self.s3.put_object(
            Bucket=self.names.transfer_bucket,
            Key=key,
            Body=body,
            ChecksumAlgorithm="CRC32",
            ChecksumCRC32=checksum,
        )
        return checksum

    def prepare(self, index_text: str) -> None:
        self.put_label()
        self.put_index(index_text)
        self.take_client_lock()

    # --- Invoke --------------------------------------------------------------------------

    def event(self, **changes: Any) -> dict[str, Any]:
        event = {
            "dataset": self.names.dataset,
            "delivery_id": self.names.delivery_id,
            "transfer_type": self.names.transfer_type,
            "agent_id": self.agent_id,
            "idempotency_key": 12345,
        }
        event.update(changes)
        return event

    def invoke_raw(self, payload: bytes) -> tuple[bytes, str | None]:
        client = self.archive.boto3_client(
            "lambda", retries={"total_max_attempts": 1}, read_timeout=300
        )
        answer = client.invoke(
            FunctionName=self.archive.network_config.init_lambda_arn, Payload=payload
        )
        return answer["Payload"].read(), answer.get("FunctionError")

    def invoke(self, **changes: Any) -> bytes:
        payload, function_error = self.invoke_raw(json.dumps(self.event(**changes)).encode())
        assert function_error is None
        return payload

    def start_pipeline(self, index_text: str) -> None:
        """Everything up to the validator's `validation pipeline started` row."""
        self.prepare(index_text)
        answer = self.invoke()
        assert answer == b'"status: success\\n"', answer
        self.wait_for_row("init", "self", message="validation pipeline started")

    # --- the logs ------------------------------------------------------------------------

    def append_rows(self, *rows: tuple[str, str, str, object]) -> None:
        """One append (one flush) holding these rows, stamped now."""
        now = datetime.now(UTC)
        text = "".join(format_row(now, *row, self.agent_id) for row in rows)
        self.append_raw(text)

    def append_raw(self, text: str) -> None:
        append_to_object(
            self.s3, self.names.control_bucket, self.names.client_log_key, text.encode()
        )

    def validator_rows(self) -> list[LogRow]:
        try:
            body = self.s3.get_object(
                Bucket=self.names.control_bucket, Key=self.names.validator_log_key
            )["Body"].read()
        except self.s3.exceptions.NoSuchKey:
            return []
        return [row for row in parse_rows(body.decode()) if isinstance(row, LogRow)]

    def find_row(
        self, category: str, ref: str | None = None, *, message: str | None = None
    ) -> LogRow | None:
        for row in self.validator_rows():
            if row.category != category or (ref is not None and row.ref != ref):
                continue
            if message is None or row.message == message:
                return row
        return None

    def wait_for_row(
        self, category: str, ref: str | None = None, *, message: str | None = None
    ) -> LogRow:
        found: LogRow = wait_until(
            lambda: self.find_row(category, ref, message=message),
            f"validator row {category}/{ref or '*'} {message or ''}",
        )
        return found

    def wait_for_session_end(self) -> list[LogRow]:
        """The validator's rows once its `stop` row is in the log (after a shutdown row)."""
        wait_until(
            lambda: self.find_row("shutdown") and self.find_row("stop"), "shutdown and stop rows"
        )
        rows = self.validator_rows()
        assert rows[-1].category == "stop"
        return rows

    def shutdown_message(self) -> tuple[str, dict[str, Any]]:
        row = self.wait_for_row("shutdown")
        loaded = yaml.safe_load(row.message)
        return row.status, loaded if isinstance(loaded, dict) else {"text": row.message}

    def client_log_reads(self) -> int:
        """How many ranged GETs of the client log the archive has answered."""
        return sum(
            1
            for record in self.archive.audit_records()
            if record["operation"] == "GetObject"
            and record["bucket"] == self.names.control_bucket
            and record["key"] == self.names.client_log_key
        )

    def has_control_object(self, key: str) -> bool:
        listing = self.s3.list_objects_v2(
            Bucket=self.names.control_bucket, Prefix=key.rsplit("/", 1)[0] + "/", Delimiter="/"
        )
        return any(item["Key"] == key for item in listing.get("Contents", []))

    def _put_control(self, key: str, body: bytes) -> None:
        self.s3.put_object(Bucket=self.names.control_bucket, Key=key, Body=body)
