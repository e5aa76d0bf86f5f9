"""No secret reaches the app's log file, whether the code knew it was a secret or not."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from uploader_gui.logging_setup import REDACTED, LoggingSetup, SecretRedactor, setup_logging

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl"


@pytest.fixture
def logging_to_file(tmp_path: Path) -> Iterator[LoggingSetup]:
    setup = setup_logging(tmp_path / "logs", level=logging.DEBUG)
    yield setup
    setup.close()


def log_text(setup: LoggingSetup) -> str:
    for handler in setup.handlers:
        handler.flush()
    return setup.log_path.read_text(encoding="utf-8")


def test_registered_secrets_are_scrubbed_from_messages_and_arguments(
    logging_to_file: LoggingSetup,
) -> None:
    logging_to_file.redactor.add("s3cr3t-refresh-value")
    logging.getLogger("uploader_gui.test").info("token is %s", "s3cr3t-refresh-value")
    text = log_text(logging_to_file)
    assert "s3cr3t-refresh-value" not in text
    assert f"token is {REDACTED}" in text


def test_tracebacks_are_scrubbed_too(logging_to_file: LoggingSetup) -> None:
    logging_to_file.redactor.add("very-secret-key")
    try:
        raise RuntimeError("failed with very-secret-key")
    except RuntimeError:
        logging.getLogger("uploader_gui.test").exception("refresh failed")
    text = log_text(logging_to_file)
    assert "RuntimeError" in text
    assert "very-secret-key" not in text


def test_unregistered_jwts_and_named_secret_fields_are_scrubbed_by_shape() -> None:
    redactor = SecretRedactor()
    text = redactor.redact(
        f"id {JWT}; body {{'SecretKey': 'abcDEF123', \"SessionToken\": \"tok/en+1\"}} "
        "refresh_token=rt-123&x=1 url http://localhost:3000/?code=the-code&state=s "
        "X-Amz-Security-Token: FwoGZXIvYXdz"
    )
    for secret in (JWT, "abcDEF123", "tok/en+1", "rt-123", "the-code", "FwoGZXIvYXdz"):
        assert secret not in text
    assert "state=s" in text
    assert "x=1" in text


def test_short_values_are_not_treated_as_secrets() -> None:
    redactor = SecretRedactor()
    redactor.add("abc")
    assert redactor.redact("abc def") == "abc def"


def test_botocore_debug_output_stays_out_of_the_log(logging_to_file: LoggingSetup) -> None:
    logging.getLogger("botocore.endpoint").debug("Response body: secret-bytes")
    assert "secret-bytes" not in log_text(logging_to_file)
    assert logging.getLogger("botocore").level == logging.INFO


def test_closing_removes_the_handlers(tmp_path: Path) -> None:
    setup = setup_logging(tmp_path / "logs")
    setup.close()
    logging.getLogger("uploader_gui.test").warning("after close")
    assert "after close" not in setup.log_path.read_text(encoding="utf-8")
