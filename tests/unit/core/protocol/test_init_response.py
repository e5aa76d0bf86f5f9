"""The init Lambda's answer, parsed as §7 recommends."""

from __future__ import annotations

import json

import pytest
import yaml

from uploader_gui.core.protocol.init_response import parse_init_response


def lambda_payload(handler_result: str) -> bytes:
    """What the Lambda runtime sends for a handler that returned a string: a JSON literal."""
    return json.dumps(handler_result).encode()


def test_success() -> None:
    response = parse_init_response(None, lambda_payload("status: success\n"))
    assert response.is_success


def test_a_substring_success_is_not_success() -> None:
    answer = yaml.dump({"details": "unsuccessful launch", "status": "error", "step": "task launch"})
    response = parse_init_response(None, lambda_payload(answer))
    assert not response.is_success
    assert (response.step, response.details) == ("task launch", "unsuccessful launch")


@pytest.mark.parametrize(
    ("step", "details"),
    [
        ("control bucket access", "unable to find/access control bucket"),
        ("lambda lock check", "duplicate function execution, terminating"),
        ("lockfile check", "transfer app lockfile invalid or not present"),
        ("task config read", "bad task config"),
    ],
)
def test_error_answers_carry_step_and_details(step: str, details: str) -> None:
    answer = yaml.dump({"details": details, "status": "error", "step": step})
    response = parse_init_response(None, lambda_payload(answer))
    assert (response.is_success, response.step, response.details) == (False, step, details)


def test_pipeline_start_timeout_string() -> None:
    response = parse_init_response(None, lambda_payload("pipeline application failed to start"))
    assert not response.is_success
    assert response.step == "pipeline start"
    assert response.details == "pipeline application failed to start"


def test_function_error_wins_even_if_the_text_says_success() -> None:
    error = {"errorMessage": "status: success", "errorType": "KeyError", "stackTrace": []}
    response = parse_init_response("Unhandled", json.dumps(error).encode())
    assert not response.is_success
    assert response.step == "lambda execution"
    assert response.details == "KeyError: status: success"


def test_raw_bytes_without_json_framing_are_still_read() -> None:
    assert parse_init_response(None, b"status: success").is_success
    assert not parse_init_response(None, b"success").is_success


def test_unreadable_answer_is_a_failure_with_the_text() -> None:
    response = parse_init_response(None, lambda_payload("status: [unclosed"))
    assert not response.is_success
    assert "status: [unclosed" in response.details


def test_empty_answer_is_a_failure() -> None:
    response = parse_init_response(None, b"")
    assert not response.is_success
    assert response.details
