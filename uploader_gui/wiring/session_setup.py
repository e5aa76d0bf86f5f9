"""How a delivery session is put together from what a person chose, shared by the terminal
(`uploader-gui transfer`) and the window: the settings from tuning options, and where a
profile's credentials come from (static keys, or a Cognito sign-in).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from uploader_gui.auth.profile_sign_in import ProfileSignIn
from uploader_gui.core.delivery.profile import Profile
from uploader_gui.core.engine.lock_wait import LockBackoff
from uploader_gui.core.engine.running_session import RunSettings
from uploader_gui.core.engine.session_tuning import SessionTuning
from uploader_gui.core.upload.part_plan import PartPlanner
from uploader_gui.transfer.engine import TransferSettings
from uploader_gui.wiring.control_channel import (
    ControlSettings,
    CredentialsSource,
    static_credentials,
)
from uploader_gui.wiring.delivery_session import SessionOptions
from uploader_gui.wiring.sign_in_credentials import SignedInCredentials


def session_options(
    *,
    receipt_target: Path | None = None,
    concurrency: int | None = None,
    bandwidth_limit_bytes_per_s: float | None = None,
    part_size_bytes: int | None = None,
    heartbeat_every_s: float | None = None,
    poll_every_s: float | None = None,
    offline_timeout_s: float | None = None,
    lock_backoff: LockBackoff | None = None,
) -> SessionOptions:
    """The session's options; None (or 0) keeps the protocol's or the app's default."""
    control = ControlSettings()
    if heartbeat_every_s:
        control = replace(
            control,
            heartbeat_every_s=heartbeat_every_s,
            heartbeat_tick_s=min(1.0, heartbeat_every_s / 2),
        )
    if poll_every_s:
        control = replace(
            control,
            flush_interval_s=poll_every_s,
            tail_poll_interval_s=poll_every_s,
            pipeline_poll_interval_s=poll_every_s,
        )
    transfer = TransferSettings()
    if concurrency:
        transfer = replace(transfer, concurrency=concurrency)
    if bandwidth_limit_bytes_per_s:
        transfer = replace(transfer, bandwidth_limit_bytes_per_s=bandwidth_limit_bytes_per_s)
    if part_size_bytes:
        planner = PartPlanner(threshold_bytes=4 * part_size_bytes, part_size_bytes=part_size_bytes)
        transfer = replace(transfer, planner=planner)
    run = RunSettings()
    if offline_timeout_s is not None:
        run = replace(run, offline_timeout_s=offline_timeout_s)
    return SessionOptions(
        receipt_target=receipt_target,
        control=control,
        transfer=transfer,
        run=run,
        lock_backoff=lock_backoff or LockBackoff(),
    )


def tuned_options(options: SessionOptions, tuning: SessionTuning) -> SessionOptions:
    """`options` with the person's tuning laid over it (a field left None keeps its value)."""
    transfer = options.transfer
    if tuning.concurrency is not None:
        transfer = replace(transfer, concurrency=tuning.concurrency)
    if tuning.bandwidth_limit_bytes_per_s is not None:
        transfer = replace(transfer, bandwidth_limit_bytes_per_s=tuning.bandwidth_limit_bytes_per_s)
    receipt_target = tuning.receipt_target or options.receipt_target
    return replace(options, transfer=transfer, receipt_target=receipt_target)


def credentials_for(
    profile: Profile, auth: ProfileSignIn | None
) -> tuple[CredentialsSource, SignedInCredentials | None]:
    """Where the session's credentials come from, and its sign-in watch (Cognito profiles).

    A `[cognito]` profile needs its `ProfileSignIn` (signed in, or the first connect says so).
    """
    if profile.cognito is None or auth is None:
        return static_credentials, None
    signed_in = SignedInCredentials(auth)
    return signed_in, signed_in
