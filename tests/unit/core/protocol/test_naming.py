"""Names of buckets, keys and roles are exactly upstream's (PROTOCOL.md §1.3)."""

from __future__ import annotations

import pytest

from uploader_gui.core.errors import FatalError
from uploader_gui.core.protocol import naming
from uploader_gui.core.protocol.network_config import NetworkConfig


def test_names_match_the_protocol_table() -> None:
    assert naming.transfer_bucket("stem", "a_b", "0012", "sample") == "stem-a-b-0012-sample"
    assert (
        naming.control_bucket("stem", "a_b", "0012", "use1-az4")
        == "stem-a-b-0012-control--use1-az4--x-s3"
    )
    assert naming.validation_task("a_b", "0012") == "a_b-0012-validator"
    assert naming.index_key("a_b", "0012", "sample") == "a_b-0012-sample-index.csv"
    assert naming.log_key("staging", "client") == "log/client_staging"
    assert naming.log_key("sample", "validator") == "log/validator_sample"
    assert naming.label_key("a_b", "0012") == "a_b-0012-label.yaml"
    assert naming.accepted_label_key("a_b", "0012") == "labels/accepted/a_b-0012-label.yaml"
    assert naming.lock_key("client") == "lock/client"
    assert naming.role_suffix("a_b", "0012") == "a_b-0012-role"


def test_there_is_no_lambda_log() -> None:
    with pytest.raises(ValueError, match="lambda"):
        naming.log_key("sample", "lambda")  # type: ignore[arg-type]


def test_network_config_round_trip_and_names() -> None:
    config = NetworkConfig("use1-az4", "stem", "cfg", "arn:aws:lambda:us-east-1:1:function:init")
    again = NetworkConfig.from_json(config.to_json())
    assert again == config
    names = again.names_for("a_b", "0012", "staging")
    assert names.control_bucket == "stem-a-b-0012-control--use1-az4--x-s3"
    assert names.transfer_bucket == "stem-a-b-0012-staging"
    assert names.index_key == "a_b-0012-staging-index.csv"


def test_threshold_defaults_to_an_hour() -> None:
    text = (
        '{"AVAILABILITY_ZONE_ID": "z", "BUCKET_STEM": "s", "CONFIG_BUCKET": "c", '
        '"INIT_LAMBDA_ARN": "a"}'
    )
    assert NetworkConfig.from_json(text).lock_staleness_threshold_s == 3600.0


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("not json", "not JSON"),
        ("[]", "not a JSON object"),
        ('{"BUCKET_STEM": "s"}', "AVAILABILITY_ZONE_ID"),
    ],
)
def test_bad_network_config_is_the_archives_fault(text: str, words: str) -> None:
    with pytest.raises(FatalError, match=words):
        NetworkConfig.from_json(text)
