"""Bucket, key and role names of the FAST protocol, exactly as upstream builds them (§1.3).

Only the functions marked "sanitised" replace `_` with `-`; nothing else is changed. Dataset and
delivery_id are used raw, as written in the label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

LogWriter = Literal["client", "validator"]
LockWriter = Literal["client", "validator", "lambda"]

LABEL_PREFIX = "labels/accepted"
MAX_TRANSFER_FAILURES = 10


def _sanitised(name: str) -> str:
    return name.replace("_", "-")


def transfer_bucket(stem: str, dataset: str, delivery_id: str, transfer_type: str) -> str:
    return _sanitised(f"{stem}-{dataset}-{delivery_id}-{transfer_type}")


def control_bucket(stem: str, dataset: str, delivery_id: str, az_id: str) -> str:
    return _sanitised(f"{stem}-{dataset}-{delivery_id}-control--{az_id}--x-s3")


def validation_task(dataset: str, delivery_id: str) -> str:
    return f"{dataset}-{delivery_id}-validator"


def index_key(dataset: str, delivery_id: str, transfer_type: str) -> str:
    return f"{dataset}-{delivery_id}-{transfer_type}-index.csv"


def log_key(transfer_type: str, writer: LogWriter) -> str:
    if writer not in ("client", "validator"):
        raise ValueError(f"no log for writer {writer!r}")
    return f"log/{writer}_{transfer_type}"


def label_key(dataset: str, delivery_id: str) -> str:
    return f"{dataset}-{delivery_id}-label.yaml"


def accepted_label_key(dataset: str, delivery_id: str) -> str:
    return f"{LABEL_PREFIX}/{label_key(dataset, delivery_id)}"


def lock_key(writer: LockWriter) -> str:
    return f"lock/{writer}"


def role_suffix(dataset: str, delivery_id: str) -> str:
    return f"{dataset}-{delivery_id}-role"


@dataclass(frozen=True, slots=True)
class DeliveryNames:
    """Every name one delivery of one transfer type uses."""

    dataset: str
    delivery_id: str
    transfer_type: str
    control_bucket: str
    transfer_bucket: str
    config_bucket: str
    label_key: str
    accepted_label_key: str
    index_key: str
    client_log_key: str
    validator_log_key: str
    role_suffix: str
    validation_task: str

    @classmethod
    def build(
        cls,
        *,
        stem: str,
        az_id: str,
        config_bucket: str,
        dataset: str,
        delivery_id: str,
        transfer_type: str,
    ) -> DeliveryNames:
        return cls(
            dataset=dataset,
            delivery_id=delivery_id,
            transfer_type=transfer_type,
            control_bucket=control_bucket(stem, dataset, delivery_id, az_id),
            transfer_bucket=transfer_bucket(stem, dataset, delivery_id, transfer_type),
            config_bucket=config_bucket,
            label_key=label_key(dataset, delivery_id),
            accepted_label_key=accepted_label_key(dataset, delivery_id),
            index_key=index_key(dataset, delivery_id, transfer_type),
            client_log_key=log_key(transfer_type, "client"),
            validator_log_key=log_key(transfer_type, "validator"),
            role_suffix=role_suffix(dataset, delivery_id),
            validation_task=validation_task(dataset, delivery_id),
        )
