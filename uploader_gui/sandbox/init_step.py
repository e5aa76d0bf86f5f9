"""The init Lambda of the local archive: answers `Invoke` as upstream's `lambda_/core.py` does.

PROTOCOL.md §7, in order: network config from SSM, list the control bucket, check and write
`lock/lambda`, read the task configs, refuse if a validator for this dataset-delivery is already
running, require `lock/client` HELD by the caller's agent id, start the reference validator and
wait (≤ 60 s) for its "Initializing pipeline" moment. Answers are the handler's YAML string,
JSON-encoded as the Lambda runtime does: `status: success`, sorted-key `details/status/step`
errors, or `pipeline application failed to start`.

Everything goes over HTTP through `archive.boto3_client(...)`, as the real Lambda would.
Differences from upstream, on purpose: `lock/lambda` is not deleted by a duplicate invocation
(upstream's bug, §11 item 26: that deletes the first invocation's lock), and when the validator
dies during init the timeout answer comes at once instead of after the full wait.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from collections.abc import Callable, Mapping, MutableSequence
from dataclasses import dataclass
from typing import Any, Protocol

import yaml
from botocore.exceptions import BotoCoreError, ClientError

from uploader_gui.core.protocol.init_response import START_TIMEOUT_TEXT
from uploader_gui.core.protocol.lock_status import LockStatus
from uploader_gui.core.protocol.naming import DeliveryNames
from uploader_gui.core.protocol.network_config import NetworkConfig
from uploader_gui.sandbox.reference_validator import ReferenceValidator
from uploader_gui.sandbox.validation_files import ObjectLookup
from uploader_gui.sandbox.validation_lock import check_lock, release_lock, write_lock
from uploader_gui.sandbox.validator_init import LaunchParameters, read_network_config
from uploader_gui.sandbox.validator_settings import ValidatorSettings

RESOURCE_TAG_PARAMETER = "/mast-fast/resource-tags"
DEFAULT_STARTUP_TIMEOUT_S = 60.0
STARTUP_POLL_S = 0.1
TASK_CONFIG_KEYS = ("cluster", "family", "subnet_id", "sg_id")
_AWS_ERRORS = (ClientError, BotoCoreError)

STEP_DETAILS = {
    "control bucket access": "unable to find/access control bucket",
    "lambda lock check": "duplicate function execution, terminating",
    "lambda lock file write": (
        "lambda function could not write lock file. This error cannot be addressed by the "
        "user. Please contact system administrators."
    ),
    "config bucket access": "unable to find/access config bucket",
    "validation task check": "a validation task is already running for this transfer",
    "lockfile check": "transfer app lockfile invalid or not present",
    "task launch": "task failed to launch",
    "lambda execution": "unclassified lambda execution failure",
}
BAD_TASK_CONFIG = "bad task config"
NO_TASK_CONFIG = (
    "Neither dataset-specific nor default task configuration found. This error cannot be "
    "addressed by the user. Please contact system administrators."
)


class ArchiveLike(Protocol):
    """What the init step needs from `LocalArchive`."""

    options: Any
    validator_failures: list[str]

    def boto3_client(self, service: str) -> Any: ...

    def stored_objects(self) -> ObjectLookup: ...


@dataclass(frozen=True, slots=True)
class _Invocation:
    launch: LaunchParameters
    agent_id: str


class _StepFailedError(Exception):
    def __init__(self, step: str, details: str | None = None) -> None:
        super().__init__(step)
        self.step = step
        self.details = details if details is not None else STEP_DETAILS[step]


def error_answer(step: str, details: str) -> str:
    """The YAML an upstream error return holds: sorted keys `details`, `status`, `step`."""
    return yaml.dump({"details": details, "status": "error", "step": step})


SUCCESS_ANSWER = yaml.dump({"status": "success"})


class InitStep:
    """The Lambda handler: `init_step(payload) -> (response payload, FunctionError or None)`."""

    def __init__(
        self,
        archive: ArchiveLike,
        *,
        settings: ValidatorSettings | None = None,
        startup_timeout_s: float = DEFAULT_STARTUP_TIMEOUT_S,
    ) -> None:
        self._archive = archive
        self._settings = settings or ValidatorSettings.from_options(archive.options)
        self._startup_timeout_s = startup_timeout_s
        self._registry_lock = threading.Lock()
        self._latest_by_delivery: dict[tuple[str, str], ReferenceValidator] = {}
        self._all_validators: list[ReferenceValidator] = []

    @property
    def validators(self) -> list[ReferenceValidator]:
        """The validators this init step started, oldest first; finished ones are dropped
        when the next one starts."""
        with self._registry_lock:
            return list(self._all_validators)

    def __call__(self, payload: bytes) -> tuple[bytes, str | None]:
        # The runtime JSON-encodes the handler's returned string; FunctionError stays None
        # because the handler catches everything, as upstream's does.
        return json.dumps(self._answer(payload)).encode("utf-8"), None

    def stop(self, timeout_s: float = 15.0) -> None:
        """Stop every running validator (commanded termination) and wait for their threads."""
        validators = self.validators
        for validator in validators:
            validator.request_stop()
        for validator in validators:
            validator.join(timeout_s)

    def _answer(self, payload: bytes) -> str:
        try:
            return self._run(_parse_payload(payload))
        except _StepFailedError as failed:
            return error_answer(failed.step, failed.details)
        except Exception:  # noqa: BLE001 - upstream: any other failure is "lambda execution"
            return error_answer("lambda execution", STEP_DETAILS["lambda execution"])

    def _run(self, invocation: _Invocation) -> str:
        ssm = self._archive.boto3_client("ssm")
        network = read_network_config(ssm)
        _read_resource_tags(ssm)
        launch = invocation.launch
        names = network.names_for(launch.dataset, launch.delivery_id, launch.transfer_type)
        s3 = self._archive.boto3_client("s3")
        try:
            s3.list_objects_v2(Bucket=names.control_bucket, Delimiter="/")
        except _AWS_ERRORS:
            raise _StepFailedError("control bucket access") from None
        threshold_s = network.lock_staleness_threshold_s
        bucket = names.control_bucket
        if check_lock(s3, bucket, "lambda", staleness_threshold_s=threshold_s) is LockStatus.LOCKED:
            raise _StepFailedError("lambda lock check")  # the other invocation keeps its lock
        lambda_lock_id = str(random.randint(0, 1_000_000_000))  # noqa: S311 - not a secret
        try:
            write_lock(s3, bucket, "lambda", lambda_lock_id)
        except _AWS_ERRORS:
            raise _StepFailedError("lambda lock file write") from None
        try:
            return self._launch_after_checks(s3, network, names, invocation)
        finally:
            _delete_quietly(lambda: release_lock(s3, bucket, "lambda", lambda_lock_id))

    def _launch_after_checks(
        self, s3: Any, network: NetworkConfig, names: DeliveryNames, invocation: _Invocation
    ) -> str:
        read_task_config(s3, network, names.dataset)
        launch = invocation.launch
        with self._registry_lock:
            running = self._latest_by_delivery.get((launch.dataset, launch.delivery_id))
            if running is not None and running.is_running:
                raise _StepFailedError("validation task check")
            status = check_lock(
                s3,
                names.control_bucket,
                "client",
                locker_id=invocation.agent_id,
                staleness_threshold_s=network.lock_staleness_threshold_s,
            )
            if status is not LockStatus.HELD:
                raise _StepFailedError("lockfile check")
            validator = self._launch(launch)
        return self._wait_for_pipeline(validator)

    def _launch(self, launch: LaunchParameters) -> ReferenceValidator:
        validator = ReferenceValidator(
            launch,
            client_factory=self._archive.boto3_client,
            objects=self._archive.stored_objects(),
            failures=self._failures,
            settings=self._settings,
        )
        try:
            validator.start()
        except RuntimeError:
            raise _StepFailedError("task launch") from None
        self._latest_by_delivery[(launch.dataset, launch.delivery_id)] = validator
        self._all_validators = [old for old in self._all_validators if old.is_running]
        self._all_validators.append(validator)
        return validator

    @property
    def _failures(self) -> MutableSequence[str]:
        return self._archive.validator_failures

    def _wait_for_pipeline(self, validator: ReferenceValidator) -> str:
        """Upstream polls the task's log for "Initializing pipeline" for up to 60 s."""
        deadline = time.monotonic() + self._startup_timeout_s
        while not validator.initialized.wait(STARTUP_POLL_S):
            if validator.finished.is_set() or time.monotonic() >= deadline:
                return START_TIMEOUT_TEXT
        return SUCCESS_ANSWER


def _parse_payload(payload: bytes) -> _Invocation:
    event = json.loads(payload.decode("utf-8"))
    if not isinstance(event, Mapping):
        raise TypeError(f"event is {type(event).__name__}, not an object")
    transfer_type = str(event["transfer_type"])
    if transfer_type not in ("staging", "sample"):
        raise ValueError(f"unknown transfer_type {transfer_type!r}")
    launch = LaunchParameters(str(event["dataset"]), str(event["delivery_id"]), transfer_type)
    return _Invocation(launch, str(event["agent_id"]))


def _read_resource_tags(ssm: Any) -> Mapping[str, str]:
    """The ECS tags parameter; the sandbox has no ECS, so a missing one is tolerated."""
    try:
        answer = ssm.get_parameter(Name=RESOURCE_TAG_PARAMETER, WithDecryption=True)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ParameterNotFound":
            return {}
        raise
    tags: Mapping[str, str] = json.loads(answer["Parameter"]["Value"])
    return tags


def read_task_config(s3: Any, network: NetworkConfig, dataset: str) -> dict[str, Any]:
    """Default config with the dataset's merged over it; errors carry upstream's step names."""
    prefix = network.task_config_prefix
    # Upstream lists with the leading "/" stripped but compares keys built with it kept.
    try:
        listing = s3.list_objects_v2(Bucket=network.config_bucket, Prefix=prefix.lstrip("/") + "/")
    except _AWS_ERRORS:
        raise _StepFailedError("config bucket access") from None
    present = {item["Key"] for item in listing.get("Contents", [])}
    candidates = [f"{prefix}/default-task-config.yaml", f"{prefix}/{dataset}-task-config.yaml"]
    found = [key for key in candidates if key in present]
    if not found:
        raise _StepFailedError("task config read", NO_TASK_CONFIG)
    merged: dict[str, Any] = {}
    for key in found:
        try:
            body: bytes = s3.get_object(Bucket=network.config_bucket, Key=key)["Body"].read()
            loaded = yaml.safe_load(body.decode("utf-8"))
        except (*_AWS_ERRORS, yaml.YAMLError, UnicodeDecodeError):
            raise _StepFailedError("task config read", BAD_TASK_CONFIG) from None
        if not isinstance(loaded, dict):
            raise _StepFailedError("task config read", BAD_TASK_CONFIG)
        merged = _merged(merged, loaded)
    if any(name not in merged for name in TASK_CONFIG_KEYS):
        raise _StepFailedError("task config read", BAD_TASK_CONFIG)
    return merged


def _merged(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Recursive merge, `over` winning (upstream's `dustgoggles.rmerge`)."""
    result = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = _merged(result[key], value)
        else:
            result[key] = value
    return result


def _delete_quietly(action: Callable[[], object]) -> None:
    # The answer matters more than the lock cleanup.
    with contextlib.suppress(Exception):
        action()
