"""Transfer clients: proxies from the system or environment, and the botocore settings."""

from __future__ import annotations

import pytest

from uploader_gui.aws.clients import endpoint_host, proxies_for
from uploader_gui.core.delivery.profile import Profile
from uploader_gui.transfer.transfer_clients import transfer_config

PROXIES = {"https": "http://proxy.example:3128", "http": "http://proxy.example:3128", "ftp": "x"}


def test_the_systems_proxies_are_used_for_the_archive() -> None:
    proxies = proxies_for(
        "s3.us-east-1.amazonaws.com", get_proxies=lambda: PROXIES, bypasses=lambda host: False
    )

    assert proxies == {"https": "http://proxy.example:3128", "http": "http://proxy.example:3128"}


def test_a_host_on_the_bypass_list_is_reached_directly() -> None:
    assert proxies_for("127.0.0.1", get_proxies=lambda: PROXIES, bypasses=lambda host: True) == {}


def test_no_proxy_configured_means_a_direct_connection() -> None:
    assert proxies_for("s3.amazonaws.com", get_proxies=dict, bypasses=lambda host: False) == {}


def test_environment_proxies_and_no_proxy_are_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://envproxy.example:8080")
    monkeypatch.setenv("NO_PROXY", "internal.example")

    assert proxies_for("s3.us-east-1.amazonaws.com")["https"] == "http://envproxy.example:8080"
    assert proxies_for("bucket.internal.example") == {}


def test_endpoint_host_of_a_local_and_an_aws_profile() -> None:
    local = Profile(name="l", region="us-east-1", endpoint_url="http://127.0.0.1:9000")
    aws = Profile(name="a", region="eu-west-2")

    assert endpoint_host(local) == "127.0.0.1"
    assert endpoint_host(aws) == "s3.eu-west-2.amazonaws.com"


def test_the_transfer_config_leaves_retries_and_hashing_to_the_engine() -> None:
    profile = Profile(name="l", region="us-east-1", endpoint_url="http://127.0.0.1:9000")

    config = transfer_config(profile, proxies={})

    assert config.retries == {"mode": "standard", "total_max_attempts": 1}
    assert config.request_checksum_calculation == "when_required"
    assert config.s3 == {"payload_signing_enabled": False, "addressing_style": "path"}
    assert config.proxies == {}
