"""`--sandbox`, bad input (exit 2, nothing sent), `deliveries` and `receipt ID`."""

from __future__ import annotations

import argparse
import json
import socket
from pathlib import Path

import pytest

from tests.e2e.transfer_cli_kit import LABEL_TEMPLATE, run_cli
from uploader_gui.commands.transfer import parse_part_size, parse_rate
from uploader_gui.core.delivery.profile import Profile, StaticCredentials, save_profile

FILES = {"a.fits": b"one\n", "b/c.fits": b"two\n"}


def make(tmp_path: Path, files: dict[str, bytes]) -> tuple[Path, Path]:
    folder = tmp_path / "data"
    for relative, body in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(body)
    label = tmp_path / "label.yaml"
    label.write_text(LABEL_TEMPLATE.format(delivery_id="0042"), "utf-8")
    return folder, label


def test_sandbox_delivers_then_deliveries_and_receipt_show_it(tmp_path: Path) -> None:
    folder, label = make(tmp_path, FILES)
    run = run_cli(["transfer", str(folder), str(label), "--sandbox", "--poll-every", "0.2"])
    assert run.exit_status == 0, run.out + run.err
    assert "Local archive for this run at http://127.0.0.1:" in run.err
    assert "protocol error" not in run.err

    listing = run_cli(["deliveries"])
    assert listing.exit_status == 0
    (line,) = listing.out.splitlines()
    assert "e2e_set-0042 staging  complete (all files valid)  2 files: 2 valid" in line
    key = line.split()[0]

    as_json = run_cli(["receipt", key])
    data = json.loads(as_json.out)
    assert data["delivery"]["dataset"] == "e2e_set"
    assert [entry["path"] for entry in data["files"]] == ["a.fits", "b/c.fits"]
    as_csv = run_cli(["receipt", key, "--csv"])
    assert as_csv.out == "file,state,message\na.fits,valid,\nb/c.fits,valid,\n"
    assert run_cli(["receipt", "999"]).exit_status == 1


def test_files_the_label_does_not_cover_exit_2_before_anything_is_sent(tmp_path: Path) -> None:
    folder, label = make(tmp_path, {**FILES, "notes.txt": b"not in the label\n"})
    run = run_cli(["transfer", str(folder), str(label), "--sandbox", "--json"])
    assert run.exit_status == 2, run.out + run.err
    assert run.ended["outcome"] == "bad input"
    assert "notes.txt" in run.ended["message"]
    states = [e["state"] for e in run.of("SessionStateChanged")]
    assert "connecting" not in states


def test_a_missing_folder_or_conflicting_options_exit_2(tmp_path: Path) -> None:
    _, label = make(tmp_path, FILES)
    missing = run_cli(["transfer", str(tmp_path / "nowhere"), str(label), "--sandbox"])
    assert missing.exit_status == 2
    assert "does not exist" in missing.out
    both = run_cli(
        ["transfer", str(tmp_path), str(label), "--sandbox", "--profile-file", str(label)]
    )
    assert both.exit_status == 2
    assert "not both" in both.err
    no_profile = run_cli(["transfer", str(tmp_path), str(label), "--profile", "nothere"])
    assert no_profile.exit_status == 2
    assert "No profile 'nothere'" in no_profile.err


@pytest.mark.parametrize(
    ("text", "rate"),
    [("500k", 500e3), ("10M", 10e6), ("2.5MiB/s", 2.5 * 1024**2), ("1000", 1000.0)],
)
def test_rates_read_as_people_write_them(text: str, rate: float) -> None:
    assert parse_rate(text) == rate


def test_nonsense_rates_and_part_sizes_are_refused() -> None:
    for text in ("fast", "-1M", "0"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_rate(text)
    assert parse_part_size("8MiB") == 8 * 1024**2
    for text in ("1MiB", "6GiB"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_part_size(text)


def test_an_unreachable_archive_exits_3_with_the_reason(tmp_path: Path) -> None:
    folder, label = make(tmp_path, FILES)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    profile = tmp_path / "profile.toml"
    save_profile(
        Profile(
            name="Nowhere",
            region="us-east-1",
            endpoint_url=f"http://127.0.0.1:{port}",
            credentials=StaticCredentials("AKIAEXAMPLE", "secret"),
        ),
        profile,
    )
    run = run_cli(["transfer", str(folder), str(label), "--profile-file", str(profile), "--json"])
    assert run.exit_status == 3, run.out + run.err
    assert run.ended["outcome"] == "could not run"
    assert "cannot reach the archive" in run.ended["message"]


@pytest.mark.parametrize(
    ("hostile", "said"),
    [
        ("custom_metadata:\n  note: !!python/object/apply:os.system ['true']\n", "YAML tag"),
        (
            "custom_metadata:\n  a: &a [x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"  {chr(98 + n)}: &{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 9)}]\n"
                for n in range(7)
            ),
            "aliases expand it",
        ),
    ],
    ids=["python-tag", "alias-bomb"],
)
def test_a_label_the_archive_would_choke_on_never_leaves_the_computer(
    tmp_path: Path, hostile: str, said: str
) -> None:
    folder, label = make(tmp_path, FILES)
    label.write_text(label.read_text("utf-8") + hostile, "utf-8")
    run = run_cli(["transfer", str(folder), str(label), "--sandbox", "--json"])
    assert run.exit_status == 2, run.out + run.err
    assert run.ended["outcome"] == "bad input"
    assert said in run.ended["message"]
    assert "label.yaml line " in run.ended["message"]
    assert "connecting" not in [e["state"] for e in run.of("SessionStateChanged")]


def test_a_receipt_path_that_names_a_file_gets_the_json_there_and_the_csv_beside_it(
    tmp_path: Path,
) -> None:
    folder, label = make(tmp_path, FILES)
    target = tmp_path / "out" / "delivery-0042.json"
    options = ["--sandbox", "--poll-every", "0.2", "--receipt", str(target)]
    run = run_cli(["transfer", str(folder), str(label), *options])
    assert run.exit_status == 0, run.out + run.err
    assert target.is_file()
    assert [entry["path"] for entry in json.loads(target.read_text("utf-8"))["files"]] == [
        "a.fits",
        "b/c.fits",
    ]
    assert target.with_suffix(".csv").read_text("utf-8").startswith("file,state,message\n")
    assert sorted(p.name for p in target.parent.iterdir()) == [
        "delivery-0042.csv",
        "delivery-0042.json",
    ]
