"""The embedded local archive: moto on 127.0.0.1 with the protocol's gaps closed, provisioned.

```
with LocalArchive(SandboxOptions(auto_accept=True)) as archive:
    archive.write_profile(path)           # a profile any client can use
    s3 = archive.boto3_client("s3")       # for tests and the reference validator
```
The server is threaded: the init step answering a Lambda `Invoke` makes S3 calls back to it.

Isolation: each archive has its own moto account (own access key, SSM parameters, buckets) and
wipes it on `stop()`, so archives started one after another in one process never see each
other's state. Bucket names are global (in moto as on AWS): archives running *at the same time*
in one process need different `bucket_stem`s; `start()` says so if they collide. Never enter
`moto.mock_aws()` in a process that runs an archive: it wipes the shared store (DESIGN.md §7).
"""

from __future__ import annotations

import ipaddress
import threading
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.s3.models import s3_backends
from werkzeug.serving import BaseWSGIServer, make_server

from uploader_gui.core.delivery.label import parse_label
from uploader_gui.core.delivery.profile import (
    CognitoSettings,
    Profile,
    StaticCredentials,
    save_profile,
)
from uploader_gui.core.protocol.network_config import NetworkConfig
from uploader_gui.sandbox.archive_objects import ArchiveObjectLookup
from uploader_gui.sandbox.audit import AuditLog
from uploader_gui.sandbox.cognito_identity import (
    DEFAULT_USER_POOL_ID,
    MOTO_CREDENTIALS_LIFETIME_S,
    CognitoSettingsForArchive,
    IdentityPoolGate,
)
from uploader_gui.sandbox.disk_restore import ArchiveFolder, open_account, open_store
from uploader_gui.sandbox.disk_store import DiskStore
from uploader_gui.sandbox.faults import FaultInjector
from uploader_gui.sandbox.init_step import InitStep
from uploader_gui.sandbox.lambda_service import (
    LambdaHandler,
    LambdaService,
    init_step_not_available,
)
from uploader_gui.sandbox.memory_tuning import return_large_buffers_to_os
from uploader_gui.sandbox.provisioning import (
    NETWORK_CONFIG_PARAMETER,
    Provisioner,
    SandboxAccount,
)
from uploader_gui.sandbox.s3_gaps import S3GapCloser
from uploader_gui.sandbox.server_app import QuietRequestHandler, SandboxApp

REGION = "us-east-1"
SHUTDOWN_POLL_S = 0.05


@dataclass(frozen=True)
class SandboxOptions:
    host: str = "127.0.0.1"
    port: int = 0
    audit_path: Path | None = None
    accepted_labels: tuple[Path, ...] = ()
    auto_accept: bool = False
    delivery_labels: tuple[Path, ...] = ()  # provision these deliveries' buckets up front
    invalid_globs: tuple[str, ...] = ()
    slow_validation_s: float = 0.0
    fail_request_rate: float = 0.0
    fail_seed: int | None = None
    validator_crash_after: int | None = None
    missing_timeout_s: float = 240.0
    reproduce_keepalive_quirk: bool = True
    max_appends_per_object: int = 10_000  # tests lower it to exercise TooManyParts
    bucket_stem: str = "fast"
    az_id: str = "use1-az4"
    lock_staleness_threshold_s: float = 3600
    # None: moto keeps everything in memory, gone at stop(). A folder (one per archive): object
    # bodies live in files there and buckets, objects and locks outlive a restart (disk_store).
    data_dir: Path | None = None


def require_loopback(host: str) -> None:
    """Refuse to serve anything but this machine: the archive has static keys and no TLS."""
    if host == "localhost":
        return
    try:
        is_loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        is_loopback = False
    if not is_loopback:
        raise ValueError(
            f"the local archive only listens on loopback (127.0.0.1, ::1, localhost), not {host!r}"
        )


class LocalArchive:
    def __init__(self, options: SandboxOptions | None = None) -> None:
        self.options = options or SandboxOptions()
        require_loopback(self.options.host)
        self.region = REGION
        self.endpoint_url = ""
        self.validator_failures: list[str] = []
        self._audit = AuditLog(self.options.audit_path)
        self._faults = FaultInjector(self.options.fail_request_rate, self.options.fail_seed)
        self._account: SandboxAccount | None = None
        self._provisioner: Provisioner | None = None
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.network_config = NetworkConfig(
            availability_zone_id=self.options.az_id,
            bucket_stem=self.options.bucket_stem,
            config_bucket=f"{self.options.bucket_stem}-config",
            init_lambda_arn="",
            lock_staleness_threshold_s=self.options.lock_staleness_threshold_s,
        )
        self._lambda_handler: LambdaHandler = init_step_not_available
        self._lambda: LambdaService | None = None
        self._init_step: InitStep | None = None
        self._identity_gate: IdentityPoolGate | None = None
        self._cognito: CognitoSettings | None = None
        data_dir = self.options.data_dir
        self._folder = ArchiveFolder(data_dir) if data_dir is not None else None
        self._store: DiskStore | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        if self._server is not None:
            return
        self._check_stem_is_free()
        self._account = self._open_account()
        self.network_config = replace(
            self.network_config,
            init_lambda_arn=f"arn:aws:lambda:{REGION}:{self._account.account_id}:"
            f"function:{self.options.bucket_stem}-init",
        )
        self._lambda = LambdaService(self.network_config.init_lambda_arn)
        if self._lambda_handler is init_step_not_available:
            # The archive's own init step unless a test installed another handler.
            self._init_step = InitStep(self)
            self._lambda_handler = self._init_step
        self._lambda.set_handler(self._lambda_handler)
        self._provisioner = Provisioner(self._account, self.network_config, REGION)
        if self._folder is not None:
            self._store = open_store(self._folder, self._provisioner)
        self._provision(self._provisioner)
        self._audit.open()
        try:
            self._serve(self._provisioner, self._lambda)
        except OSError:
            self.stop()
            raise

    def stop(self) -> None:
        if self._init_step is not None:
            # Before the server goes: validators still write their shutdown and stop rows.
            self._init_step.stop()
            self._lambda_handler = init_step_not_available
            self._init_step = None
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None
        self._audit.close()
        if self._provisioner is not None:
            self._provisioner.teardown()  # moto's memory only: the data folder stays
            self._provisioner = None
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._folder is not None:
            self._folder.close()

    def __enter__(self) -> LocalArchive:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- for clients, tests and the init step ----------------------------------------------

    @property
    def credentials(self) -> StaticCredentials:
        account = self._require_account()
        return StaticCredentials(account.access_key_id, account.secret_access_key)

    @property
    def account_id(self) -> str:
        return self._require_account().account_id

    def profile(self, name: str = "Local archive") -> Profile:
        return Profile(
            name=name,
            region=self.region,
            endpoint_url=self._require_endpoint(),
            network_config_parameter=NETWORK_CONFIG_PARAMETER,
            credentials=self.credentials,
        )

    def write_profile(self, path: Path, *, cognito: bool = False) -> None:
        save_profile(self.cognito_profile() if cognito else self.profile(), path)

    def enable_cognito(
        self,
        *,
        domain: str,
        client_id: str,
        redirect_uri: str,
        user_pool_id: str = DEFAULT_USER_POOL_ID,
        credentials_lifetime_s: float = MOTO_CREDENTIALS_LIFETIME_S,
    ) -> CognitoSettings:
        """Let `[cognito]` profiles in: an identity pool trusting `user_pool_id`, whose
        credentials are keys of this archive's account that expire (see `cognito_identity`).

        `domain` is the sign-in provider's base URL (e.g. a local OIDC provider's
        `http://127.0.0.1:PORT`). Call after `start()`.
        """
        if self._identity_gate is None:
            raise RuntimeError("the local archive is not started; call start() first")
        identity_pool_id = f"{self.region}:{uuid.uuid4()}"
        self._identity_gate.enable(
            CognitoSettingsForArchive(
                identity_pool_id,
                f"cognito-idp.{self.region}.amazonaws.com/{user_pool_id}",
                credentials_lifetime_s,
            )
        )
        self._cognito = CognitoSettings(
            domain, client_id, redirect_uri, user_pool_id, identity_pool_id
        )
        return self._cognito

    def cognito_profile(self, name: str = "Local archive") -> Profile:
        """A profile that signs in with `[cognito]` instead of carrying `[credentials]`."""
        if self._cognito is None:
            raise RuntimeError("call enable_cognito() first")
        return replace(self.profile(name), credentials=None, cognito=self._cognito)

    @property
    def identity_gate(self) -> IdentityPoolGate | None:
        """Counts of credentials issued and expired keys refused (for tests)."""
        return self._identity_gate

    def boto3_client(self, service: str, **config: Any) -> Any:
        """A client of this archive (endpoint, keys, region, path-style S3); `config` adds
        botocore Config settings, e.g. `retries={"total_max_attempts": 1}`."""
        credentials = self.credentials
        session = boto3.session.Session(
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            region_name=self.region,
        )
        settings: dict[str, Any] = {"s3": {"addressing_style": "path"}}
        settings.update(config)
        return session.client(
            service, endpoint_url=self._require_endpoint(), config=Config(**settings)
        )

    def stored_objects(self) -> ArchiveObjectLookup:
        """The validator's lookup of stored objects: HEAD's answer without the HTTP trip."""
        return ArchiveObjectLookup(self._require_provisioner())

    def audit_records(self) -> list[dict[str, Any]]:
        return self._audit.records()

    def set_lambda_handler(self, handler: LambdaHandler) -> None:
        """Answer the init Lambda's `Invoke` with `handler(payload) -> (payload, FunctionError)`.

        May be called before or after `start()`.
        """
        self._lambda_handler = handler
        if self._lambda is not None:
            self._lambda.set_handler(handler)

    def accept_label(self, label_path: Path) -> None:
        """Accept a label (as `--accept`) and create its delivery's buckets, while running."""
        label = parse_label(label_path)
        provisioner = self._require_provisioner()
        provisioner.provision_delivery(label.dataset, label.delivery_id)
        provisioner.accept_label(
            label.dataset, label.delivery_id, label.canonical_text().encode("utf-8")
        )

    def provision_delivery(self, label_path: Path) -> None:
        """Create a delivery's buckets without accepting its label (as `--delivery`)."""
        label = parse_label(label_path)
        self._require_provisioner().provision_delivery(label.dataset, label.delivery_id)

    # --- internals ---------------------------------------------------------------------------

    def _provision(self, provisioner: Provisioner) -> None:
        provisioner.provision_base()
        for path in self.options.delivery_labels:
            self.provision_delivery(path)
        for path in self.options.accepted_labels:
            self.accept_label(path)

    def _serve(self, provisioner: Provisioner, lambda_service: LambdaService) -> None:
        moto_app = DomainDispatcherApplication(create_backend_app)
        app = SandboxApp(
            moto_app=moto_app,
            gaps=S3GapCloser(
                moto_app,
                provisioner,
                max_appends_per_object=self.options.max_appends_per_object,
                auto_accept=self.options.auto_accept,
            ),
            lambda_service=lambda_service,
            provisioner=provisioner,
            faults=self._faults,
            audit=self._audit,
        )
        self._identity_gate = IdentityPoolGate(app, self._require_account())
        try:
            server = make_server(
                self.options.host,
                self.options.port,
                self._identity_gate,
                threaded=True,
                request_handler=QuietRequestHandler,
            )
        except SystemExit:
            # werkzeug prints and exits the process when it cannot bind; a busy port is the
            # environment's fault and the caller decides what to do.
            raise OSError(
                f"cannot listen on {self.options.host}:{self.options.port}: "
                "the port is in use by another program; choose another port or 0 for any"
            ) from None
        self._server = server
        address = server.server_address
        host, port = str(address[0]), int(address[1])
        shown_host = f"[{host}]" if ":" in host else host
        self.endpoint_url = f"http://{shown_host}:{port}"
        # A short poll keeps stop() quick; tests start and stop many archives.
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_S},
            name="local-archive",
            daemon=True,
        )
        self._thread.start()

    def _open_account(self) -> SandboxAccount:
        if self._folder is None:
            return SandboxAccount.create()
        return_large_buffers_to_os()  # a folder is for an archive whose memory must stay flat
        return open_account(self._folder, self.options.bucket_stem)

    def _check_stem_is_free(self) -> None:
        if self.network_config.config_bucket in s3_backends.bucket_accounts:
            raise RuntimeError(
                f"bucket stem {self.options.bucket_stem!r} is in use by another local archive "
                "in this process; give each running archive its own bucket_stem"
            )

    def _require_account(self) -> SandboxAccount:
        if self._account is None:
            raise RuntimeError("the local archive is not started; call start() first")
        return self._account

    def _require_provisioner(self) -> Provisioner:
        if self._provisioner is None:
            raise RuntimeError("the local archive is not started; call start() first")
        return self._provisioner

    def _require_endpoint(self) -> str:
        if not self.endpoint_url:
            raise RuntimeError("the local archive is not started; call start() first")
        return self.endpoint_url
