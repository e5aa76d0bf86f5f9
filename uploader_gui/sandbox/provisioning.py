"""What a local archive holds before a client arrives, written straight into moto's store.

Each `LocalArchive` gets its own moto account (a random account id with its own access key), so
its SSM parameters and buckets do not mix with another archive's in the same process; moto
picks the account from the request's access key. Bucket names are global in moto as on AWS, so
two archives running at the same time need different bucket stems.

Provisioned: the SSM network config and resource tags, the config bucket with the default task
config and accepted labels, and per delivery the control (directory) bucket and the staging and
sample buckets. With auto-accept, a request to a delivery bucket that does not exist yet creates
that delivery's buckets, and a label written to a control bucket is accepted as it is.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from moto.iam.models import iam_backends
from moto.s3.models import s3_backends
from moto.ssm.models import ssm_backends

from uploader_gui.core.protocol import naming
from uploader_gui.core.protocol.network_config import NetworkConfig
from uploader_gui.sandbox.disk_store import NullStore, ObjectStore

NETWORK_CONFIG_PARAMETER = "/mast-fast/delivery"
RESOURCE_TAG_PARAMETER = "/mast-fast/resource-tags"
PARTITION = "aws"
TRANSFER_TYPES = ("staging", "sample")
_PLACEHOLDER_DATASET = "datasetplaceholder"
_PLACEHOLDER_DELIVERY = "deliveryplaceholder"
_LABEL_KEY = re.compile(r"^(?P<stem>[^/]+)-label\.yaml$")


@dataclass(frozen=True)
class SandboxAccount:
    account_id: str
    access_key_id: str
    secret_access_key: str

    @classmethod
    def create(cls) -> SandboxAccount:
        """A fresh moto account with one IAM user and its access key."""
        account_id = "".join(secrets.choice("0123456789") for _ in range(12))
        iam = iam_backends[account_id][PARTITION]
        iam.create_user(region_name="us-east-1", user_name="local-archive")
        key = iam.create_access_key("local-archive")
        return cls(account_id, key.access_key_id, key.secret_access_key)

    @classmethod
    def restore(cls, account_id: str, access_key_id: str, secret_access_key: str) -> SandboxAccount:
        """The account a persistent archive had before its restart, with the same access key."""
        iam = iam_backends[account_id][PARTITION]
        iam.create_user(region_name="us-east-1", user_name="local-archive")
        key = iam.create_access_key("local-archive")
        del iam.access_keys[key.physical_resource_id]
        key.access_key_id, key.secret_access_key = access_key_id, secret_access_key
        iam.access_keys[key.physical_resource_id] = key
        return cls(account_id, access_key_id, secret_access_key)

    def session_key(self) -> tuple[str, str]:
        """Temporary keys in this account, as an S3 Express CreateSession hands out."""
        key = iam_backends[self.account_id][PARTITION].create_temp_access_key()
        return key.access_key_id, key.secret_access_key


def default_task_config(az_id: str) -> str:
    return (
        "cluster: local-archive\n"
        "family: fast-validator\n"
        "subnet_id: subnet-local-archive\n"
        "sg_id: sg-local-archive\n"
        f"az_id: {az_id}\n"
    )


class Provisioner:
    """Creates and finds this archive's resources in its moto account."""

    def __init__(
        self,
        account: SandboxAccount,
        config: NetworkConfig,
        region: str,
        store: ObjectStore | None = None,
    ) -> None:
        self.account = account
        self.config = config
        self.region = region
        self.store: ObjectStore = store or NullStore()
        self._lock = threading.Lock()
        self._control_pattern = _delivery_bucket_pattern(
            naming.control_bucket(
                config.bucket_stem,
                _PLACEHOLDER_DATASET,
                _PLACEHOLDER_DELIVERY,
                config.availability_zone_id,
            )
        )
        self._transfer_patterns = [
            _delivery_bucket_pattern(
                naming.transfer_bucket(
                    config.bucket_stem, _PLACEHOLDER_DATASET, _PLACEHOLDER_DELIVERY, kind
                )
            )
            for kind in TRANSFER_TYPES
        ]

    @property
    def s3(self) -> Any:
        return s3_backends[self.account.account_id][PARTITION]

    def provision_base(self) -> None:
        """SSM parameters, the config bucket and the default task config."""
        ssm = ssm_backends[self.account.account_id][self.region]
        for name, value in (
            (NETWORK_CONFIG_PARAMETER, self.config.to_json()),
            (RESOURCE_TAG_PARAMETER, json.dumps({"project": "local-archive"})),
        ):
            ssm.put_parameter(
                name=name,
                description="local archive",
                value=value,
                parameter_type="String",
                allowed_pattern="",
                keyid="",
                overwrite=True,
                tags=[],
                data_type="text",
                tier=None,
                policies=None,
            )
        self._create_bucket(self.config.config_bucket)
        task_key = f"{self.config.task_config_prefix}/default-task-config.yaml"
        self.put_object(
            self.config.config_bucket,
            task_key,
            default_task_config(self.config.availability_zone_id).encode(),
        )

    def provision_delivery(self, dataset: str, delivery_id: str) -> None:
        """The delivery's control, staging and sample buckets (existing ones are kept)."""
        names = [
            naming.control_bucket(
                self.config.bucket_stem, dataset, delivery_id, self.config.availability_zone_id
            )
        ]
        names += [
            naming.transfer_bucket(self.config.bucket_stem, dataset, delivery_id, kind)
            for kind in TRANSFER_TYPES
        ]
        for name in names:
            self._create_bucket(name)

    def accept_label(self, dataset: str, delivery_id: str, label_text: bytes) -> None:
        key = naming.accepted_label_key(dataset, delivery_id)
        self.put_object(self.config.config_bucket, key, label_text)

    def accept_submitted_label(self, bucket: str, key: str, body: bytes) -> bool:
        """Auto-accept: a label written to one of our control buckets becomes the accepted one."""
        if not self._control_pattern.match(bucket) or not _LABEL_KEY.match(key):
            return False
        self.put_object(self.config.config_bucket, f"{naming.LABEL_PREFIX}/{key}", body)
        return True

    def create_delivery_for(self, bucket: str) -> bool:
        """Auto-accept: create the delivery's buckets if `bucket` is one of them and is missing."""
        delivery = self._delivery_part(bucket)
        if delivery is None or self.bucket_exists(bucket):
            return False
        # Names are joined with "-", so any split of the sanitised "dataset-delivery" part
        # gives the same bucket names.
        dataset, _, delivery_id = delivery.rpartition("-")
        self.provision_delivery(dataset, delivery_id)
        return True

    def is_transfer_bucket(self, bucket: str) -> bool:
        return any(pattern.match(bucket) for pattern in self._transfer_patterns)

    def bucket_exists(self, bucket: str) -> bool:
        return bucket in self.s3.buckets

    def get_object(self, bucket: str, key: str) -> Any:
        """moto's FakeKey, or None if there is no such object (or bucket)."""
        if not self.bucket_exists(bucket):
            return None
        return self.s3.get_object(bucket, key)

    def put_object(self, bucket: str, key: str, body: bytes) -> None:
        self.s3.put_object(bucket, key, body)
        self.store.record_key(bucket, key)

    def teardown(self) -> None:
        """Forget everything this archive's account holds, freeing its bucket names."""
        for backends in (s3_backends, ssm_backends, iam_backends):
            if self.account.account_id in backends:
                backends[self.account.account_id].reset()
                del backends[self.account.account_id]

    def _create_bucket(self, name: str) -> None:
        with self._lock:
            if not self.bucket_exists(name):
                self.s3.create_bucket(name, self.region)
                self.store.record_bucket(name)

    def _delivery_part(self, bucket: str) -> str | None:
        for pattern in (self._control_pattern, *self._transfer_patterns):
            match = pattern.match(bucket)
            if match and "-" in match.group("delivery"):
                return match.group("delivery")
        return None


def _delivery_bucket_pattern(placeholder_name: str) -> re.Pattern[str]:
    escaped = re.escape(placeholder_name)
    middle = re.escape(f"{_PLACEHOLDER_DATASET}-{_PLACEHOLDER_DELIVERY}")
    return re.compile("^" + escaped.replace(middle, "(?P<delivery>.+)") + "$")
