"""`uploader-gui sandbox`: use the local archive on this machine until interrupted.

Joins this user's local archive (the one the window uses) or starts it in its own process,
writes a profile file that reaches it (by default `local-archive.toml` in the app's profiles
folder), prints the endpoint and the profile path, and leaves it on Ctrl-C or SIGTERM: the
archive stops once its last user (a window, another `sandbox`) has gone. `--reset` stops it
and empties what it keeps. `--serve FOLDER` is the archive's own process (hidden: clients
start it, see `sandbox/archive_client.py`).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from uploader_gui.app_dirs import app_dirs
from uploader_gui.commands import command_help
from uploader_gui.core.delivery.problems import ProblemsFound

if TYPE_CHECKING:
    from uploader_gui.archive_service import ChildArchiveHandle
    from uploader_gui.sandbox.archive import SandboxOptions

DEFAULT_PROFILE_NAME = "local-archive.toml"


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "sandbox",
        help=command_help("sandbox"),
        description="Run a local archive on this machine until interrupted (Ctrl-C).",
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="stop the local archive, whoever uses it, and empty its buckets and files",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="loopback address (default %(default)s)"
    )
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one")
    parser.add_argument(
        "--profile-file",
        type=Path,
        metavar="PATH",
        help=f"where to write the profile (default: the profiles folder, {DEFAULT_PROFILE_NAME})",
    )
    parser.add_argument(
        "--audit", type=Path, metavar="PATH", help="append one JSON line per request here"
    )
    parser.add_argument(
        "--accept",
        type=Path,
        action="append",
        default=[],
        metavar="LABEL",
        help="accept this label and create its delivery's buckets (repeatable)",
    )
    parser.add_argument(
        "--auto-accept",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="accept any label a client submits and create delivery buckets on first use "
        "(the default when no --accept or --delivery is given)",
    )
    parser.add_argument(
        "--delivery",
        type=Path,
        action="append",
        default=[],
        metavar="LABEL",
        help="create this label's delivery buckets without accepting it (repeatable)",
    )
    parser.add_argument(
        "--bucket-stem", default="fast", metavar="STEM", help="bucket name prefix (%(default)s)"
    )
    faults = parser.add_argument_group("faults, for demos and tests")
    faults.add_argument(
        "--invalid",
        action="append",
        default=[],
        metavar="GLOB",
        help="files matching GLOB fail validation (repeatable)",
    )
    faults.add_argument(
        "--slow-validation",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="the validator takes this long per file",
    )
    faults.add_argument(
        "--fail-requests",
        type=float,
        default=0.0,
        metavar="RATE",
        help="share (0..1) of data uploads answered with S3 500/503",
    )
    faults.add_argument("--fail-seed", type=int, metavar="N", help="seed for --fail-requests")
    faults.add_argument(
        "--validator-crash-after",
        type=int,
        metavar="N",
        help="the validator crashes after N verdicts",
    )
    faults.add_argument(
        "--missing-timeout",
        type=float,
        default=240.0,
        metavar="SECONDS",
        help="the validator declares a silent client missing after this long (%(default)s)",
    )
    faults.add_argument(
        "--no-keepalive-quirk",
        action="store_true",
        help="let keepalive rows alone keep a client alive (upstream's validator does not)",
    )
    serve = parser.add_argument_group()  # the archive's own process, started by its clients
    serve.add_argument("--serve", type=Path, metavar="FOLDER", help=argparse.SUPPRESS)
    serve.add_argument("--options-json", default="{}", help=argparse.SUPPRESS)
    serve.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    serve.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.serve is not None:
        from uploader_gui.sandbox.archive_process import serve

        return serve(args.serve, json.loads(args.options_json), args.data_dir, args.parent_pid)
    if args.reset:
        return _reset()
    from uploader_gui.archive_service import start_local_archive
    from uploader_gui.sandbox.archive import SandboxOptions, require_loopback

    try:
        require_loopback(args.host)  # before starting anything
        options = SandboxOptions(
            host=args.host,
            port=args.port,
            audit_path=args.audit,
            accepted_labels=tuple(args.accept),
            auto_accept=_auto_accept(args),
            delivery_labels=tuple(args.delivery),
            invalid_globs=tuple(args.invalid),
            slow_validation_s=args.slow_validation,
            fail_request_rate=args.fail_requests,
            fail_seed=args.fail_seed,
            validator_crash_after=args.validator_crash_after,
            bucket_stem=args.bucket_stem,
            missing_timeout_s=args.missing_timeout,
            reproduce_keepalive_quirk=not args.no_keepalive_quirk,
        )
        profile_path = args.profile_file or app_dirs().profiles_dir / DEFAULT_PROFILE_NAME
        handle = start_local_archive(options=options, profile_file=profile_path)
    except (ValueError, OSError, RuntimeError, ProblemsFound) as exc:
        print(f"uploader-gui sandbox: {exc}", file=sys.stderr)
        return 2
    stop_requested = threading.Event()
    previous = {
        signum: signal.signal(signum, lambda *_: stop_requested.set())
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        _say_where(handle, options)
        # wait() with a timeout lets the signal handler run promptly on every platform.
        while not stop_requested.wait(timeout=0.5):
            pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        handle.stop()
    if handle.stopped_archive:
        print("Local archive stopped.", flush=True)
    else:
        print("Left the local archive running for its other users.", flush=True)
    return 0


def _say_where(handle: ChildArchiveHandle, options: SandboxOptions) -> None:
    print(f"Local archive at {handle.endpoint_url}", flush=True)
    if handle.profile_write_error:
        print(f"Its profile could not be written: {handle.profile_write_error}", flush=True)
    else:
        print(f"Profile: {handle.profile_path}", flush=True)
    if handle.lease.joined_running:
        print(f"Already running (pid {handle.pid}); joined it.", flush=True)
    if options.auto_accept:
        print("Any label a client submits is accepted (--auto-accept).", flush=True)
    elif not options.accepted_labels:
        print("No label is accepted: use --accept LABEL or --auto-accept.", flush=True)
    print("Press Ctrl-C to stop.", flush=True)


def _reset() -> int:
    from uploader_gui.archive_service import reset_local_archive

    try:
        print(reset_local_archive(), flush=True)
    except (OSError, RuntimeError) as exc:  # e.g. another archive still runs on its folder
        print(f"uploader-gui sandbox: the local archive could not be reset: {exc}", file=sys.stderr)
        return 1
    return 0


def _auto_accept(args: argparse.Namespace) -> bool:
    if args.auto_accept is not None:
        return bool(args.auto_accept)
    return not args.accept and not args.delivery
