"""The archive's network configuration, read from SSM `/mast-fast/delivery` (PROTOCOL.md §1.4)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from uploader_gui.core.errors import FatalError
from uploader_gui.core.protocol.naming import DeliveryNames

DEFAULT_LOCK_STALENESS_THRESHOLD_S = 3600.0


@dataclass(frozen=True, slots=True)
class NetworkConfig:
    availability_zone_id: str
    bucket_stem: str
    config_bucket: str
    init_lambda_arn: str
    lock_staleness_threshold_s: float = DEFAULT_LOCK_STALENESS_THRESHOLD_S
    task_config_prefix: str = "tasks"

    @classmethod
    def from_json(cls, text: str, *, parameter_name: str = "/mast-fast/delivery") -> NetworkConfig:
        """Parse the SSM value; a missing or malformed field is the archive's fault, said so."""
        try:
            data: Any = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FatalError(f"SSM parameter {parameter_name} is not JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise FatalError(f"SSM parameter {parameter_name} is not a JSON object")
        required = ("AVAILABILITY_ZONE_ID", "BUCKET_STEM", "CONFIG_BUCKET", "INIT_LAMBDA_ARN")
        missing = [name for name in required if not isinstance(data.get(name), str)]
        if missing:
            raise FatalError(
                f"SSM parameter {parameter_name} lacks {', '.join(missing)}; "
                "ask the archive to fix its configuration"
            )
        threshold = data.get("LOCK_STALENESS_THRESHOLD", DEFAULT_LOCK_STALENESS_THRESHOLD_S)
        try:
            threshold_s = float(threshold)
        except (TypeError, ValueError):
            raise FatalError(
                f"SSM parameter {parameter_name}: LOCK_STALENESS_THRESHOLD {threshold!r} "
                "is not a number"
            ) from None
        return cls(
            availability_zone_id=data["AVAILABILITY_ZONE_ID"],
            bucket_stem=data["BUCKET_STEM"],
            config_bucket=data["CONFIG_BUCKET"],
            init_lambda_arn=data["INIT_LAMBDA_ARN"],
            lock_staleness_threshold_s=threshold_s,
            task_config_prefix=str(data.get("TASK_CONFIG_PREFIX", "tasks")),
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "AVAILABILITY_ZONE_ID": self.availability_zone_id,
                "BUCKET_STEM": self.bucket_stem,
                "CONFIG_BUCKET": self.config_bucket,
                "INIT_LAMBDA_ARN": self.init_lambda_arn,
                "LOCK_STALENESS_THRESHOLD": self.lock_staleness_threshold_s,
                "TASK_CONFIG_PREFIX": self.task_config_prefix,
            }
        )

    def names_for(self, dataset: str, delivery_id: str, transfer_type: str) -> DeliveryNames:
        return DeliveryNames.build(
            stem=self.bucket_stem,
            az_id=self.availability_zone_id,
            config_bucket=self.config_bucket,
            dataset=dataset,
            delivery_id=delivery_id,
            transfer_type=transfer_type,
        )
