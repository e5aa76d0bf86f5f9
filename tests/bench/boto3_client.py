"""The "boto3" client of the transfer benchmark: `upload_file` with its default TransferConfig.

Run as its own process by `clients.py` so that its CPU is measured like every other client's:

    python -m tests.bench.boto3_client big ENDPOINT_URL BUCKET FILE KEY
    python -m tests.bench.boto3_client many ENDPOINT_URL BUCKET FOLDER PREFIX

Credentials, region and the CA bundle come from the environment (`AWS_*`). Many files go
through 4 worker threads sharing one client, each calling `upload_file`, as the reference
client does (PROTOCOL.md §6.3).
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REFERENCE_CLIENT_THREADS = 4


def main(argv: list[str]) -> int:
    import boto3

    mode, endpoint_url, bucket, source, key = argv
    client = boto3.client("s3", endpoint_url=endpoint_url)
    if mode == "big":
        client.upload_file(source, bucket, key)
        return 0
    paths = sorted(path for path in Path(source).iterdir() if path.is_file())
    with ThreadPoolExecutor(REFERENCE_CLIENT_THREADS) as pool:
        uploads = [
            pool.submit(client.upload_file, str(path), bucket, f"{key}/{path.name}")
            for path in paths
        ]
        for upload in uploads:
            upload.result()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
