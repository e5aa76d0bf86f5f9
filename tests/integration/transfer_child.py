"""A separate process sending one registered delivery to the archive, for kill-and-resume tests.

    python -m tests.integration.transfer_child STORE DELIVERY_KEY ROOT BUCKET ENDPOINT KEY_ID \
        SECRET [--bandwidth BYTES_PER_S] [--concurrency N]

Prints `part N` after each part is saved in the store, and `finished <outcome>` at the end;
exits 0 when every file was delivered.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tests.integration.transfer_kit import NotifyingFiles, quick_settings
from uploader_gui.aws.clients import make_session
from uploader_gui.core.delivery.profile import Profile, StaticCredentials
from uploader_gui.core.engine.file_states import FileTracker
from uploader_gui.core.events import Event
from uploader_gui.sandbox.archive import REGION
from uploader_gui.store.state_store import StateStore
from uploader_gui.transfer.engine import TransferEngine
from uploader_gui.transfer.transfer_clients import TransferClientFactory
from uploader_gui.transfer.transfer_context import LocalSource


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    for name in ("store", "delivery_key", "root", "bucket", "endpoint", "key_id", "secret"):
        parser.add_argument(name)
    parser.add_argument("--bandwidth", type=float, default=None)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args(argv)

    profile = Profile(
        name="child",
        region=REGION,
        endpoint_url=args.endpoint,
        credentials=StaticCredentials(args.key_id, args.secret),
    )
    with StateStore(Path(args.store)) as store:
        files = store.delivery_files(int(args.delivery_key))

        def print_part(path: str, number: int) -> None:
            print(f"part {number}", flush=True)

        def ignore(event: Event) -> None:
            return None

        tracker = FileTracker(files, ignore)
        tracker.track(files.states())
        engine = TransferEngine(
            client_factory=TransferClientFactory(make_session(profile), profile),
            tracker=tracker,
            records=NotifyingFiles(files, print_part),
            emit=ignore,
            bucket=args.bucket,
            source=LocalSource(Path(args.root)),
            settings=quick_settings(
                concurrency=args.concurrency, bandwidth_limit_bytes_per_s=args.bandwidth
            ),
        )
        paths = [path for path, _ in files.states()]
        engine.start([files.record(path).file for path in paths])
        engine.wait()
        outcome = engine.outcome
        assert outcome is not None
        print(f"finished {outcome.outcome} {outcome.files_done} {outcome.files_failed}", flush=True)
        return 0 if outcome.outcome == "finished" and outcome.files_failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
