"""`uploader-gui transfer`: deliver a dataset from a terminal, the headless twin of the window.

```
uploader-gui transfer SOURCE LABEL [INDEX] [--sample]
    [--profile NAME | --profile-file PATH | --sandbox]
    [--concurrency N] [--max-bandwidth RATE] [--receipt FOLDER|FILE] [--offline-timeout 1h]
    [--json]
```
Without INDEX the folder is indexed here (with CRC32s). Running the same command again resumes
the delivery. Output: a live status line on a terminal, plain lines otherwise, one JSON event per
line with `--json`. Exit status: 0 every file valid; 1 the delivery ended with invalid or failed
files (listed); 2 bad input or pre-flight failure (nothing sent); 3 could not run (lock held
elsewhere, sign-in or permission failure, archive unreachable, validator stopped); 130
interrupted (Ctrl-C: state saved, lock released, resumable).
"""

from __future__ import annotations

import argparse
import contextlib
import queue
import re
import secrets
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from uploader_gui.auth.errors import SignInCancelled
from uploader_gui.auth.profile_sign_in import ProfileSignIn
from uploader_gui.commands import command_help
from uploader_gui.commands.auth import (
    AuthServices,
    add_profile_arguments,
    browser_sign_in,
    profile_from_args,
)
from uploader_gui.commands.terminal_view import View, view_for
from uploader_gui.core.delivery.delivery_input import DeliveryInput
from uploader_gui.core.delivery.profile import Profile
from uploader_gui.core.engine.session_states import (
    EXIT_BAD_INPUT,
    EXIT_COULD_NOT_RUN,
    EXIT_INTERRUPTED,
)
from uploader_gui.core.engine.session_summary import SessionSummary
from uploader_gui.core.engine.sign_in_pause import SIGN_IN_QUESTION_ID, SIGNED_IN, STOP
from uploader_gui.core.errors import FatalError, UploaderError, UserInputError
from uploader_gui.core.events import Event, SessionEnded, SignInUrlShown
from uploader_gui.core.questions import QuestionAsked
from uploader_gui.core.upload.part_plan import MAX_PART_BYTES, MIN_PART_BYTES
from uploader_gui.logging_setup import setup_logging
from uploader_gui.wiring.control_channel import CredentialsSource, static_credentials
from uploader_gui.wiring.delivery_session import DeliverySession, SessionOptions
from uploader_gui.wiring.session_setup import credentials_for, session_options
from uploader_gui.wiring.sign_in_credentials import SignedInCredentials

_AMOUNT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)(?:b)?(?:/s)?\s*$", re.IGNORECASE)
_POWERS = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4}
EVENT_WAIT_S = 0.2


def _amount(text: str) -> float | None:
    match = _AMOUNT.match(text)
    if match is None or float(match.group(1)) <= 0:
        return None
    base = 1024 if match.group(3) else 1000
    return float(match.group(1)) * float(base ** _POWERS[match.group(2).lower()])


def parse_rate(text: str) -> float:
    """`"10M"`, `"2.5MiB/s"`, `"500k"`, `"1000000"` → bytes per second (k = 1000, Ki = 1024)."""
    rate = _amount(text)
    if rate is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a rate: write e.g. 500k, 10M, 2.5MiB/s (bytes per second)"
        )
    return rate


def parse_part_size(text: str) -> int:
    """`"16MiB"`, `"8M"` → bytes; S3 takes parts of 5 MiB to 5 GiB."""
    size = _amount(text)
    if size is None or not MIN_PART_BYTES <= size <= MAX_PART_BYTES:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a part size between 5MiB and 5GiB (e.g. 16MiB)"
        )
    return int(size)


DEFAULT_OFFLINE_TIMEOUT_S = 3600.0
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(s|sec|m|min|h)?", re.IGNORECASE)
_DURATION_UNIT_S = {"": 1.0, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float:
    """`"90s"`, `"30m"`, `"2h"`, `"45"` (seconds) → seconds."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration: write e.g. 90s, 30m, 2h")
    seconds = float(match[1]) * _DURATION_UNIT_S[(match[2] or "").lower()]
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is no time at all: write e.g. 90s, 30m, 2h")
    return seconds


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "transfer",
        help=command_help("transfer"),
        description=__doc__.split("```")[0].strip() if __doc__ else None,
    )
    parser.add_argument("source", type=Path, metavar="SOURCE", help="the data folder")
    parser.add_argument("label", type=Path, metavar="LABEL", help="the delivery label (YAML)")
    parser.add_argument(
        "index", type=Path, nargs="?", metavar="INDEX", help="the index CSV (default: built here)"
    )
    parser.add_argument("--sample", action="store_true", help="a sample, not the full delivery")
    add_profile_arguments(parser)
    parser.add_argument(
        "--sandbox", action="store_true", help="deliver to a local archive started for this run"
    )
    parser.add_argument(
        "--concurrency", type=_positive_int, metavar="N", help="files/parts sent at once (4)"
    )
    parser.add_argument(
        "--max-bandwidth", type=parse_rate, metavar="RATE", help="e.g. 10M or 2.5MiB/s"
    )
    parser.add_argument(
        "--part-size",
        type=parse_part_size,
        metavar="SIZE",
        help="multipart part size (16MiB); files of 4 parts or more go up in parts",
    )
    parser.add_argument(
        "--receipt",
        type=Path,
        metavar="PATH",
        help="a folder for the receipt's JSON and CSV, or a file path for the JSON (the CSV "
        "beside it); default: the app's receipts folder",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON event per line")
    parser.add_argument(
        "--no-browser",
        action="store_true",
        help="when a sign-in is needed, only print its address (open it yourself)",
    )
    parser.add_argument(
        "--take-over-stale-lock",
        action="store_true",
        help="take over a lock left by an uploader that stopped long ago (else exit 3)",
    )
    parser.add_argument(
        "--deliver-again",
        action="store_true",
        help="if the archive has no record of a delivery sent to it before (it was reset), "
        "send it again from the start (else stop, keeping the saved progress)",
    )
    # Tuning for tests and demos against a local archive with short timeouts.
    parser.add_argument(
        "--offline-timeout",
        type=parse_duration,
        default=DEFAULT_OFFLINE_TIMEOUT_S,
        metavar="DURATION",
        help="how long to wait for an archive that cannot be reached before stopping "
        "(resumably, exit 3): e.g. 90s, 30m, 2h (default 1h)",
    )
    parser.add_argument("--heartbeat-every", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--poll-every", type=float, help=argparse.SUPPRESS)
    parser.set_defaults(func=run_transfer)


def run_transfer(
    args: argparse.Namespace,
    out: TextIO | None = None,
    err: TextIO | None = None,
    services: AuthServices | None = None,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    if args.sandbox and (args.profile or args.profile_file):
        print("uploader-gui transfer: give --sandbox or a profile, not both", file=err)
        return EXIT_BAD_INPUT
    # Human lines of a sign-in go to stderr with --json, so stdout stays one event per line.
    services = services or AuthServices(out=err if args.json else out, err=err)
    log_setup = setup_logging(redactor=services.redactor) if services.install_logging else None
    try:
        return _transfer(args, out, err, services)
    finally:
        if log_setup is not None:
            log_setup.close()


def _transfer(args: argparse.Namespace, out: TextIO, err: TextIO, services: AuthServices) -> int:
    events: queue.SimpleQueue[Event] = queue.SimpleQueue()
    view = view_for(out, as_json=args.json, is_tty=out.isatty())
    try:
        with _archive(args, err, services, view) as (profile, credentials, sign_in):
            session = DeliverySession(
                profile,
                _inputs(args, profile),
                emit=events.put,
                options=_options(args),
                credentials=credentials,
                ask_takeover=lambda check: bool(args.take_over_stale_lock),
                ask_deliver_again=lambda text: bool(args.deliver_again),
                sign_in=sign_in,
            )
            answer = _sign_in_answerer(sign_in, services, view, args)
            summary = _drive(session, events, view, answer)
            view.close(summary)
    except UserInputError as exc:
        print(f"uploader-gui transfer: {exc}", file=err)
        return EXIT_BAD_INPUT
    except SignInCancelled as exc:
        print(f"uploader-gui transfer: {exc}", file=err)
        return EXIT_INTERRUPTED
    except FatalError as exc:
        print(f"uploader-gui transfer: {exc}", file=err)
        return EXIT_COULD_NOT_RUN
    return summary.exit_status if summary is not None else EXIT_INTERRUPTED


def _inputs(args: argparse.Namespace, profile: Profile) -> DeliveryInput:
    return DeliveryInput(
        profile_name=profile.name,
        source=args.source,
        label_path=args.label,
        index_path=args.index,
        transfer_type="sample" if args.sample else "staging",
    )


def _options(args: argparse.Namespace) -> SessionOptions:
    return session_options(
        receipt_target=args.receipt,
        concurrency=args.concurrency,
        bandwidth_limit_bytes_per_s=args.max_bandwidth,
        part_size_bytes=args.part_size,
        heartbeat_every_s=args.heartbeat_every,
        poll_every_s=args.poll_every,
        offline_timeout_s=args.offline_timeout,
    )


QuestionHandler = Callable[[QuestionAsked], None]


def _drive(
    session: DeliverySession,
    events: queue.SimpleQueue[Event],
    view: View,
    answer: QuestionHandler,
) -> SessionSummary | None:
    """Show events until the session ends; the first Ctrl-C stops it cleanly, a second quits."""
    session.start()
    with _sigterm_as_interrupt():
        try:
            _show_until_end(events, view, answer)
        except KeyboardInterrupt:
            view.note(
                "Stopping: parts being sent finish, the lock is released, progress is kept "
                "(Ctrl-C again quits at once)."
            )
            session.commands.stop()
            try:
                _show_until_end(events, view, answer)
            except KeyboardInterrupt:
                return None
    return session.wait()


def _show_until_end(events: queue.SimpleQueue[Event], view: View, answer: QuestionHandler) -> None:
    while True:
        try:
            event = events.get(timeout=EVENT_WAIT_S)
        except queue.Empty:
            view.tick()
            continue
        view.show(event)
        if isinstance(event, QuestionAsked):
            answer(event)
        if isinstance(event, SessionEnded):
            return


def _sign_in_answerer(
    sign_in: SignedInCredentials | None,
    services: AuthServices,
    view: View,
    args: argparse.Namespace,
) -> QuestionHandler:
    """Answers "Sign in again" with a new browser sign-in; other questions keep their default."""

    def answer(question: QuestionAsked) -> None:
        if question.question_id != SIGN_IN_QUESTION_ID or sign_in is None:
            question.reply.answer(question.default_choice)
            return
        view.note(question.text)
        try:
            _sign_in(sign_in.auth, services, view, args)
        except UploaderError as exc:
            view.note(f"Not signed in: {exc}")
            question.reply.answer(STOP)
            return
        question.reply.answer(SIGNED_IN)

    return answer


def _sign_in(
    auth: ProfileSignIn, services: AuthServices, view: View, args: argparse.Namespace
) -> None:
    def show_url(url: str) -> None:
        view.show(SignInUrlShown(auth.profile.name, url))
        view.note(f"Sign in to {auth.profile.name} in your browser. The address is:\n  {url}")

    # A browser only for a person at a terminal: with --json a program reads the address.
    open_browser = not args.no_browser and not args.json
    browser_sign_in(auth, services, open_browser=open_browser, show_url=show_url)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the session like Ctrl-C (only the main thread can install handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _archive(
    args: argparse.Namespace, err: TextIO, services: AuthServices, view: View
) -> Iterator[tuple[Profile, CredentialsSource, SignedInCredentials | None]]:
    """The profile to deliver to, where its credentials come from, and its sign-in."""
    if not args.sandbox:
        profile = profile_from_args(args)
        if profile.cognito is None:
            yield profile, static_credentials, None
            return
        auth = services.session(profile)
        if auth.resume():
            message = f"Signed in to {profile.name} as {auth.account} (kept from before)."
            print(message, file=services.out)
        else:
            _sign_in(auth, services, view, args)
        credentials, signed_in = credentials_for(profile, auth)
        yield profile, credentials, signed_in
        return
    from uploader_gui.sandbox.archive import LocalArchive, SandboxOptions

    options = SandboxOptions(auto_accept=True, bucket_stem=f"sbx{secrets.token_hex(3)}")
    with LocalArchive(options) as archive:
        print(f"Local archive for this run at {archive.endpoint_url}", file=err)
        yield archive.profile(), static_credentials, None
    for failure in archive.validator_failures:
        print(f"local archive: the validator reported a protocol error: {failure}", file=err)
