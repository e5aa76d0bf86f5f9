"""Reading the archive's network configuration from SSM Parameter Store (PROTOCOL.md §1.4)."""

from __future__ import annotations

from typing import Any

from uploader_gui.aws.errors import AWS_EXCEPTIONS, is_not_found, translate
from uploader_gui.core.errors import FatalError
from uploader_gui.core.protocol.network_config import NetworkConfig


def read_network_config(ssm: Any, parameter_name: str) -> NetworkConfig:
    """`GetParameter(WithDecryption=True)` and parse it; a missing parameter is fatal."""
    try:
        answer = ssm.get_parameter(Name=parameter_name, WithDecryption=True)
    except AWS_EXCEPTIONS as exc:
        if is_not_found(exc):
            raise FatalError(
                f"the archive has no network configuration at SSM {parameter_name}: check the "
                "profile's network_config_parameter, or ask the archive"
            ) from exc
        raise translate(exc, f"reading SSM parameter {parameter_name}") from exc
    return NetworkConfig.from_json(answer["Parameter"]["Value"], parameter_name=parameter_name)
