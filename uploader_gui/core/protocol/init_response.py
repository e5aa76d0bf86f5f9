"""Reading the init Lambda's answer as PROTOCOL.md §7 recommends (and upstream does not).

The handler returns a YAML string, which the Lambda runtime JSON-encodes; an unhandled exception
comes back as `FunctionError` with a JSON error object. Success is `status: success` and nothing
else: a substring test for "success" (upstream) would accept "unsuccessful".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

START_TIMEOUT_TEXT = "pipeline application failed to start"


@dataclass(frozen=True, slots=True)
class InitResponse:
    """What the init step said: `is_success`, or the failing `step` and its `details`."""

    is_success: bool
    step: str
    details: str
    raw: str


def _decode_json_layer(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        # Not JSON-framed (a bare string from a non-standard runtime): read the text itself.
        return text


def _function_error(function_error: str, payload: Any, raw: str) -> InitResponse:
    if isinstance(payload, Mapping):
        kind = str(payload.get("errorType", "") or function_error)
        message = str(payload.get("errorMessage", "") or "")
        details = f"{kind}: {message}" if message else kind
    else:
        details = f"{function_error}: {raw}".strip()
    return InitResponse(False, "lambda execution", details, raw)


def _from_yaml_text(text: str, raw: str) -> InitResponse:
    try:
        loaded: Any = yaml.safe_load(text)
    except yaml.YAMLError:
        return InitResponse(False, "unknown", f"unreadable answer from the init step: {text}", raw)
    if isinstance(loaded, Mapping):
        status = str(loaded.get("status", ""))
        if status == "success":
            return InitResponse(True, "", "", raw)
        step = str(loaded.get("step", "") or "unknown")
        details = str(loaded.get("details", "") or f"status {status or 'missing'}")
        return InitResponse(False, step, details, raw)
    text = str(loaded if loaded is not None else "").strip()
    if text == START_TIMEOUT_TEXT:
        return InitResponse(False, "pipeline start", text, raw)
    return InitResponse(False, "unknown", text or "empty answer from the init step", raw)


def parse_init_response(function_error: str | None, payload: bytes) -> InitResponse:
    """Parse an Invoke result: FunctionError first, then the JSON layer, then the YAML."""
    raw = payload.decode("utf-8", errors="replace")
    decoded = _decode_json_layer(raw)
    if function_error:
        return _function_error(function_error, decoded, raw)
    if isinstance(decoded, str):
        return _from_yaml_text(decoded, raw)
    if isinstance(decoded, Mapping):
        # A handler that returned a dict instead of YAML text: read it the same way.
        return _from_yaml_text(yaml.safe_dump(dict(decoded)), raw)
    return InitResponse(False, "unknown", f"unexpected answer from the init step: {raw}", raw)
