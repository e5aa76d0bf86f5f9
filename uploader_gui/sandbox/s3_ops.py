"""Which S3 operation a path-style request is, named as boto3 names it (for audit and dispatch)."""

from __future__ import annotations

from dataclasses import dataclass

from uploader_gui.sandbox.wire import WireRequest

DIRECTORY_BUCKET_SUFFIX = "--x-s3"

# (method, query parameter that decides it, operation), checked in order, for bucket requests.
_BUCKET_OPERATIONS: tuple[tuple[str, str, str], ...] = (
    ("GET", "session", "CreateSession"),
    ("GET", "uploads", "ListMultipartUploads"),
    ("GET", "location", "GetBucketLocation"),
    ("GET", "versioning", "GetBucketVersioning"),
    ("GET", "versions", "ListObjectVersions"),
    ("GET", "list-type", "ListObjectsV2"),
    ("POST", "delete", "DeleteObjects"),
)
_KEY_QUERY_OPERATIONS: tuple[tuple[str, str, str], ...] = (
    ("GET", "uploadId", "ListParts"),
    ("POST", "uploads", "CreateMultipartUpload"),
    ("POST", "uploadId", "CompleteMultipartUpload"),
    ("DELETE", "uploadId", "AbortMultipartUpload"),
    ("GET", "tagging", "GetObjectTagging"),
    ("PUT", "tagging", "PutObjectTagging"),
    ("GET", "attributes", "GetObjectAttributes"),
    ("GET", "acl", "GetObjectAcl"),
    ("PUT", "acl", "PutObjectAcl"),
)
_PLAIN_BUCKET = {
    "GET": "ListObjects",
    "PUT": "CreateBucket",
    "DELETE": "DeleteBucket",
    "HEAD": "HeadBucket",
}
_PLAIN_KEY = {"GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}


@dataclass(frozen=True)
class S3Target:
    bucket: str
    key: str
    operation: str

    @property
    def is_directory_bucket(self) -> bool:
        return self.bucket.endswith(DIRECTORY_BUCKET_SUFFIX)


def classify(request: WireRequest) -> S3Target:
    """Bucket, key and operation of a path-style request (`/bucket/key?query`)."""
    bucket, _, key = request.path.lstrip("/").partition("/")
    method = request.method
    if not bucket:
        return S3Target("", "", "ListBuckets" if method == "GET" else f"S3{method.title()}")
    if not key:
        for wanted_method, parameter, operation in _BUCKET_OPERATIONS:
            if method == wanted_method and request.has_query(parameter):
                return S3Target(bucket, "", operation)
        if method == "GET" and request.query:
            return S3Target(bucket, "", "GetBucket" + _first_query_name(request).title())
        return S3Target(bucket, "", _PLAIN_BUCKET.get(method, f"S3{method.title()}"))
    return S3Target(bucket, key, _key_operation(request))


def _key_operation(request: WireRequest) -> str:
    method = request.method
    if method == "PUT" and request.has_query("partNumber") and request.has_query("uploadId"):
        return "UploadPartCopy" if request.header("x-amz-copy-source") else "UploadPart"
    for wanted_method, parameter, operation in _KEY_QUERY_OPERATIONS:
        if method == wanted_method and request.has_query(parameter):
            return operation
    if method == "PUT":
        return "CopyObject" if request.header("x-amz-copy-source") else "PutObject"
    return _PLAIN_KEY.get(method, f"S3{method.title()}")


def _first_query_name(request: WireRequest) -> str:
    return next(iter(request.query), "")
