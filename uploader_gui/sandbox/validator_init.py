"""Pipeline init of the reference validator: upstream's `from_launch_parameters` (PROTOCOL.md §8.1).

In order: network config from SSM and a fresh agent id, the validator log writer, the submitted
label (control bucket), the accepted label (config bucket), the index. A failure writes the init
error rows of §4.3 (`init/<ref>/error`, `shutdown/self/error`, `stop/self/ok`) and raises
`ValidatorInitFailedError`; the init step then never sees "Initializing pipeline".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn

from uploader_gui.core.delivery.label import Label, parse_label_text
from uploader_gui.core.protocol.lock_status import new_agent_id
from uploader_gui.core.protocol.naming import DeliveryNames
from uploader_gui.core.protocol.network_config import NetworkConfig
from uploader_gui.sandbox.validation_index import ServerIndex, parse_index_text
from uploader_gui.sandbox.validator_log import ValidatorLogWriter
from uploader_gui.sandbox.validator_settings import ValidatorSettings

NETWORK_CONFIG_PARAMETER = "/mast-fast/delivery"
INIT_FAILURE_SHUTDOWN_TEXT = "shutting down due to initialization failure"


@dataclass(frozen=True, slots=True)
class LaunchParameters:
    """What the init step passes to the task (upstream's KWARGBLOB)."""

    dataset: str
    delivery_id: str
    transfer_type: str


@dataclass(frozen=True, slots=True)
class ValidatorSetup:
    """Everything the main loop needs, ready once init has succeeded."""

    launch: LaunchParameters
    names: DeliveryNames
    agent_id: str
    lock_staleness_threshold_s: float
    label: Label  # the accepted label: the one files are validated against
    index: ServerIndex
    writer: ValidatorLogWriter


class ValidatorInitFailedError(RuntimeError):
    """Init failed; the rows saying why are already in the validator log (if it was reachable)."""


class _InitRowError(Exception):
    def __init__(self, ref: str, summary: str, cause: BaseException) -> None:
        super().__init__(summary)
        self.ref = ref
        self.summary = summary
        self.cause = cause


def read_network_config(ssm: Any) -> NetworkConfig:
    answer = ssm.get_parameter(Name=NETWORK_CONFIG_PARAMETER, WithDecryption=True)
    return NetworkConfig.from_json(answer["Parameter"]["Value"])


def describe_exception(exc: BaseException) -> str:
    """Upstream's `"<exc>: <type>"` wording of an init exception."""
    return f"{exc}: {type(exc).__name__}"


def initialize_validator(
    launch: LaunchParameters,
    *,
    s3: Any,
    ssm: Any,
    settings: ValidatorSettings,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ValidatorSetup:
    network = read_network_config(ssm)
    names = network.names_for(launch.dataset, launch.delivery_id, launch.transfer_type)
    agent_id = new_agent_id()
    writer = ValidatorLogWriter(
        s3,
        names.control_bucket,
        names.validator_log_key,
        agent_id,
        flush_idle_s=settings.flush_idle_s,
        flush_max_delay_s=settings.flush_max_delay_s,
        now=now,
    )
    try:
        label, index = _read_inputs(s3, names)
    except _InitRowError as failure:
        message = {"summary": failure.summary, "exception": describe_exception(failure.cause)}
        _fail_init(writer, failure.ref, message)
    except Exception as exc:  # noqa: BLE001 - upstream logs any init error the same way
        summary = "unhandled error in pipeline init"
        _fail_init(writer, "self", {"summary": summary, "exception": describe_exception(exc)})
    return ValidatorSetup(
        launch=launch,
        names=names,
        agent_id=agent_id,
        lock_staleness_threshold_s=network.lock_staleness_threshold_s,
        label=label,
        index=index,
        writer=writer,
    )


def _fail_init(writer: ValidatorLogWriter, ref: str, message: dict[str, str]) -> NoReturn:
    writer.write("init", ref, "error", message)
    writer.write("shutdown", "self", "error", INIT_FAILURE_SHUTDOWN_TEXT)
    writer.write("stop", "self", "ok")
    writer.stop()
    raise ValidatorInitFailedError(f"{ref}: {message['summary']}: {message['exception']}")


def _read_text(s3: Any, bucket: str, key: str) -> str:
    body: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return body.decode("utf-8")


def _read_label(s3: Any, bucket: str, key: str, names: DeliveryNames, summary: str) -> Label:
    try:
        return parse_label_text(_read_text(s3, bucket, key), key)
    except Exception as exc:  # any failure to read or parse is this init error
        raise _InitRowError(names.label_key, summary, exc) from exc


def _read_inputs(s3: Any, names: DeliveryNames) -> tuple[Label, ServerIndex]:
    _read_label(
        s3, names.control_bucket, names.label_key, names, "problem with user-submitted label"
    )
    accepted = _read_label(
        s3, names.config_bucket, names.accepted_label_key, names, "problem with accepted label"
    )
    # Upstream's comparison of the two labels reads both buffers without rewinding them and so
    # never finds a mismatch (PROTOCOL.md §5.3); as there, files are judged by the accepted one.
    try:
        index = parse_index_text(_read_text(s3, names.control_bucket, names.index_key), accepted)
    except Exception as exc:  # any failure to read or parse is this init error
        raise _InitRowError(names.index_key, "could not read index", exc) from exc
    return accepted, index
