"""Connection profiles: good ones load, bad ones name the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from uploader_gui.core.delivery.problems import ProblemsFound
from uploader_gui.core.delivery.profile import (
    Profile,
    load_profile,
    parse_profile_text,
    save_profile,
)

LOCAL = """
name = "Local archive"
region = "us-east-1"
endpoint_url = "http://127.0.0.1:4566"
[credentials]
access_key_id = "local"
secret_access_key = "s3cr3t-value"
"""

COGNITO = """
name = "MAST"
region = "us-east-1"
[cognito]
domain = "auth.example.org"
client_id = "abc"
redirect_uri = "http://localhost:3000"
user_pool_id = "us-east-1_x"
identity_pool_id = "us-east-1:y"
"""


def test_local_profile_loads_with_defaults() -> None:
    profile = parse_profile_text(LOCAL, "local.toml")
    assert profile.is_local
    assert profile.network_config_parameter == "/mast-fast/delivery"
    assert profile.credentials is not None
    assert profile.credentials.secret_access_key == "s3cr3t-value"
    assert "s3cr3t-value" not in repr(profile)


def test_cognito_profile_loads() -> None:
    profile = parse_profile_text(COGNITO, "mast.toml")
    assert not profile.is_local
    assert profile.cognito is not None
    assert profile.cognito.redirect_uri == "http://localhost:3000"


def test_round_trip_through_a_file_is_private(tmp_path: Path) -> None:
    profile = parse_profile_text(LOCAL, "local.toml")
    path = tmp_path / "p.toml"
    save_profile(profile, path)
    assert path.stat().st_mode & 0o077 == 0
    again = load_profile(path)
    assert again.to_toml_dict() == profile.to_toml_dict()
    assert isinstance(again, Profile)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('region = "us-east-1"', "name"),
        ('name = "x"', "region"),
        ('name = "x"\nregion = "mars"', "region"),
        ('name = "x"\nregion = "us-east-1"\nbucket = 1', "bucket"),
        (
            'name = "x"\nregion = "us-east-1"\nendpoint_url = "http://s3.example.org"',
            "endpoint_url",
        ),
        ('name = "x"\nregion = "us-east-1"\nendpoint_url = "ftp://127.0.0.1"', "endpoint_url"),
        (
            'name = "x"\nregion = "us-east-1"\nnetwork_config_parameter = "a"',
            "network_config_parameter",
        ),
        (
            'name = "x"\nregion = "us-east-1"\n[credentials]\naccess_key_id = "a"\n'
            'secret_access_key = "b"',
            "credentials",
        ),
        (
            'name = "x"\nregion = "us-east-1"\nendpoint_url = "http://127.0.0.1:1"\n'
            '[credentials]\naccess_key_id = "a"',
            "credentials.secret_access_key",
        ),
        (COGNITO.replace('client_id = "abc"\n', ""), "cognito.client_id"),
        (
            COGNITO.replace("http://localhost:3000", "https://evil.example.org:3000"),
            "cognito.redirect_uri",
        ),
        (COGNITO.replace("http://localhost:3000", "http://localhost"), "cognito.redirect_uri"),
    ],
)
def test_bad_profiles_name_the_key(text: str, key: str) -> None:
    with pytest.raises(ProblemsFound) as caught:
        parse_profile_text(text, "bad.toml")
    assert any(problem.key == key for problem in caught.value.problems), caught.value.problems
    assert "bad.toml" in str(caught.value)


def test_not_toml_says_so() -> None:
    with pytest.raises(ProblemsFound, match="not valid TOML"):
        parse_profile_text("name = ", "broken.toml")


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(ProblemsFound, match="cannot read the profile"):
        load_profile(tmp_path / "nope.toml")
