"""`uploader-gui login | logout | whoami`: sign in to an archive from a terminal.

`login` reuses the sign-in kept in the keychain when it can (no browser), else prints the
hosted-UI address and opens a browser where there is one. `whoami` never opens a browser.
Profiles: `--profile-file PATH`, or `--profile NAME` = `{profiles dir}/NAME.toml`, or else the
one profile there whose `name` is NAME. The delivery (for the role) comes from `--label PATH` or
`--dataset D --delivery-id ID`.
"""

from __future__ import annotations

import argparse
import logging
import sys
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from keyring.backend import KeyringBackend

from uploader_gui.app_dirs import app_dirs
from uploader_gui.auth.errors import SignInCancelled
from uploader_gui.auth.hosted_ui import SIGN_IN_TIMEOUT_S
from uploader_gui.auth.identity_credentials import DeliveryCredentials
from uploader_gui.auth.profile_sign_in import ProfileSignIn
from uploader_gui.auth.roles import roles_in
from uploader_gui.auth.time_source import Clock, utc_now
from uploader_gui.auth.token_store import KnownAccounts, RefreshTokenStore
from uploader_gui.commands import command_help
from uploader_gui.core.delivery.label import parse_label
from uploader_gui.core.delivery.problems import ProblemsFound
from uploader_gui.core.delivery.profile import Profile, load_profile
from uploader_gui.core.errors import FatalError, RetryableError, UserInputError
from uploader_gui.logging_setup import SecretRedactor, setup_logging

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
ACCOUNTS_FILE_NAME = "accounts.json"


@dataclass
class AuthServices:
    """What the commands talk to; tests pass real-but-local ones (keyring backend, browser)."""

    keyring_backend: KeyringBackend | None = None  # None: the OS keychain keyring finds
    store: RefreshTokenStore | None = None
    accounts: KnownAccounts | None = None
    open_browser: Callable[[str], bool] = webbrowser.open
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    clock: Clock = utc_now
    redactor: SecretRedactor = field(default_factory=SecretRedactor)
    sign_in_timeout_s: float = SIGN_IN_TIMEOUT_S
    install_logging: bool = True

    def warn(self, message: str) -> None:
        print(f"Warning: {message}", file=self.err)

    def session(self, profile: Profile) -> ProfileSignIn:
        if self.store is None:
            self.store = RefreshTokenStore(self.keyring_backend, on_warning=self.warn)
        if self.accounts is None:
            self.accounts = KnownAccounts(app_dirs().config_dir / ACCOUNTS_FILE_NAME)
        return ProfileSignIn(
            profile,
            store=self.store,
            accounts=self.accounts,
            clock=self.clock,
            on_secret=self.redactor.add,
            on_warning=self.warn,
        )


def add_parser(subparsers: Any) -> None:
    for name, handler, needs_delivery in (
        ("login", login_command, False),
        ("logout", logout_command, None),
        ("whoami", whoami_command, True),
    ):
        parser: argparse.ArgumentParser = subparsers.add_parser(name, help=command_help(name))
        add_profile_arguments(parser)
        if needs_delivery is not None:
            add_delivery_arguments(parser, required=needs_delivery)
        if name == "login":
            parser.add_argument(
                "--no-browser", action="store_true", help="only print the sign-in address"
            )
        parser.set_defaults(func=handler)


def add_profile_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--profile", metavar="NAME", help="a profile in the app's profiles folder (file or name)"
    )
    group.add_argument("--profile-file", metavar="PATH", type=Path, help="a profile TOML file")


def add_delivery_arguments(parser: argparse.ArgumentParser, *, required: bool) -> None:
    need = "required" if required else "optional"
    parser.add_argument("--label", metavar="PATH", type=Path, help=f"the delivery's label ({need})")
    parser.add_argument("--dataset", help="dataset name, instead of --label")
    parser.add_argument("--delivery-id", help="delivery id, instead of --label")
    parser.set_defaults(delivery_required=required)


def profile_from_args(args: argparse.Namespace, profiles_dir: Path | None = None) -> Profile:
    """The profile named by --profile-file or --profile (see the module docstring)."""
    if args.profile_file is not None:
        return load_profile(args.profile_file)
    folder = profiles_dir or app_dirs().profiles_dir
    files = sorted(folder.glob("*.toml"))
    if args.profile:
        exact = folder / f"{args.profile}.toml"
        if exact.is_file():
            return load_profile(exact)
        by_name = [p for p in _readable_profiles(files) if p.name == args.profile]
        if len(by_name) == 1:
            return by_name[0]
        raise UserInputError(
            f"No profile {args.profile!r} in {folder} ({_listing(files)}); "
            "use one of those, or --profile-file PATH",
            path=str(folder),
        )
    if len(files) == 1:
        return load_profile(files[0])
    raise UserInputError(
        f"Choose a profile with --profile NAME or --profile-file PATH ({_listing(files)})",
        path=str(folder),
    )


def _readable_profiles(files: list[Path]) -> list[Profile]:
    profiles = []
    for path in files:
        try:
            profiles.append(load_profile(path))
        except ProblemsFound:
            continue  # a broken neighbour must not hide the profile asked for
    return profiles


def _listing(files: list[Path]) -> str:
    if not files:
        return "it holds none yet: save the profile the archive gave you there"
    return "available: " + ", ".join(p.stem for p in files)


def delivery_from_args(args: argparse.Namespace) -> tuple[str, str] | None:
    """(dataset, delivery_id) from --label or --dataset/--delivery-id; None when allowed."""
    has_names = args.dataset is not None or args.delivery_id is not None
    if args.label is not None:
        if has_names:
            raise UserInputError("Give --label or --dataset/--delivery-id, not both")
        label = parse_label(args.label)
        return label.dataset, label.delivery_id
    if args.dataset and args.delivery_id:
        return args.dataset, args.delivery_id
    if has_names:
        raise UserInputError("Give both --dataset and --delivery-id (or --label PATH)")
    if args.delivery_required:
        raise UserInputError("Which delivery? Give --label PATH, or --dataset and --delivery-id")
    return None


def login_command(args: argparse.Namespace, services: AuthServices | None = None) -> int:
    return _run(_login, args, services or AuthServices())


def logout_command(args: argparse.Namespace, services: AuthServices | None = None) -> int:
    return _run(_logout, args, services or AuthServices())


def whoami_command(args: argparse.Namespace, services: AuthServices | None = None) -> int:
    return _run(_whoami, args, services or AuthServices())


def _run(
    body: Callable[[argparse.Namespace, AuthServices], int],
    args: argparse.Namespace,
    services: AuthServices,
) -> int:
    setup = setup_logging(redactor=services.redactor) if services.install_logging else None
    try:
        return body(args, services)
    except UserInputError as exc:
        print(str(exc), file=services.err)
        return EXIT_BAD_INPUT
    except SignInCancelled as exc:
        print(str(exc), file=services.err)
        return EXIT_INTERRUPTED
    except (FatalError, RetryableError) as exc:
        log.warning("%s failed: %s", args.command, exc)
        print(str(exc), file=services.err)
        return EXIT_FAILED
    finally:
        if setup is not None:
            setup.close()


def _login(args: argparse.Namespace, services: AuthServices) -> int:
    profile = profile_from_args(args)
    delivery = delivery_from_args(args)
    auth = services.session(profile)
    if auth.resume():
        print(
            f"Signed in to {profile.name} as {auth.account} (kept from before).", file=services.out
        )
    else:
        browser_sign_in(auth, services, open_browser=not args.no_browser)
    if delivery is not None:
        _print_identity(auth.delivery_credentials(*delivery), services)
    else:
        _print_roles(auth, services)
    return EXIT_OK


def browser_sign_in(
    auth: ProfileSignIn,
    services: AuthServices,
    *,
    open_browser: bool,
    show_url: Callable[[str], None] | None = None,
) -> None:
    """The hosted-UI sign-in from a terminal: print the address (or hand it to `show_url`),
    open a browser when asked and possible, wait. Ctrl-C → SignInCancelled."""
    sign_in = auth.new_sign_in(timeout_s=services.sign_in_timeout_s)
    url = sign_in.start()
    out = services.out
    if show_url is not None:
        show_url(url)
    else:
        print(f"Sign in to {auth.profile.name} in your browser. The address is:\n  {url}", file=out)
    if open_browser and not services.open_browser(url):
        print("No browser could be opened: open the address above on this computer.", file=out)
    print("Waiting for the browser (Ctrl-C cancels)...", file=out, flush=True)
    try:
        account = auth.finish_sign_in(sign_in)
    except KeyboardInterrupt:
        sign_in.cancel()
        raise SignInCancelled("Sign-in was cancelled.") from None
    finally:
        sign_in.close()
    print(f"Signed in to {auth.profile.name} as {account}.", file=out)


def _logout(args: argparse.Namespace, services: AuthServices) -> int:
    profile = profile_from_args(args)
    services.session(profile).sign_out()
    print(f"Signed out of {profile.name}; the kept sign-in was removed.", file=services.out)
    return EXIT_OK


def _whoami(args: argparse.Namespace, services: AuthServices) -> int:
    profile = profile_from_args(args)
    delivery = delivery_from_args(args)
    assert delivery is not None
    auth = services.session(profile)
    if not auth.resume():
        message = f"Not signed in to {profile.name}."
        if auth.keeps_sign_in_across_restarts:
            message += f" Sign in with: uploader-gui login {_profile_hint(args)}"
        else:
            message += " No system keychain is available, so a sign-in is not kept between runs."
        print(message, file=services.err)
        return EXIT_FAILED
    _print_identity(auth.delivery_credentials(*delivery), services)
    return EXIT_OK


def _profile_hint(args: argparse.Namespace) -> str:
    if args.profile_file is not None:
        return f"--profile-file {args.profile_file}"
    return f"--profile {args.profile}" if args.profile else ""


def _print_identity(credentials: DeliveryCredentials, services: AuthServices) -> None:
    print(f"Account:     {credentials.account}", file=services.out)
    print(f"Role:        {credentials.role_arn}", file=services.out)
    print(
        f"Credentials: expire {_when(credentials.expires_at, services.clock())} "
        "(renewed automatically while signed in)",
        file=services.out,
    )


def _print_roles(auth: ProfileSignIn, services: AuthServices) -> None:
    roles = roles_in(auth.fresh_tokens().claims)
    print(f"Account:     {auth.account}", file=services.out)
    listing = "\n  ".join(roles) if roles else "none (ask the archive to add you to a delivery)"
    print(f"Roles:\n  {listing}", file=services.out)


def _when(moment: datetime, now: datetime) -> str:
    minutes = max(0, round((moment - now).total_seconds() / 60))
    local = moment.astimezone()
    return f"{local:%Y-%m-%d %H:%M:%S %Z}, in {minutes} min"
