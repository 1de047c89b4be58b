"""An S3- and KMS-compatible server on loopback (moto's standalone server, from the `dev` extra):
a shared Pulumi backend for the review workflow's tests, as a team's runners share a bucket.

For example:

with RunningS3() as s3:
    env = {**CREDENTIALS, "PULUMI_BACKEND_URL": s3.backend_url(s3.bucket("state"))}
    secrets_provider = s3.kms_key()  # awskms://<key id>?region=…&endpoint=…
    s3.objects("state")              # every object of the bucket, by key
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3

from devtools.emulator import start_server, stop

_READY = re.compile(r"Running on (http://127\.0\.0\.1:\d+)")
REGION = "us-east-1"
CREDENTIALS = {
    # moto accepts any credentials; the CLI's AWS SDK only needs some to sign with.
    "AWS_ACCESS_KEY_ID": "maytapi-test",
    "AWS_SECRET_ACCESS_KEY": "maytapi-test",
    "AWS_REGION": REGION,
    # moto's answers carry no checksums: without this the SDK warns on every read (stderr)
    "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
}


class RunningS3:
    """`moto_server` on 127.0.0.1 with a free port, started on construction. It keeps everything
    in memory: a bucket lives as long as the server."""

    def __init__(self, startup_timeout: float = 30.0) -> None:
        server = Path(sys.executable).with_name("moto_server")
        command = [str(server), "-H", "127.0.0.1", "-p", "0"]
        self.process, ready = start_server(command, _READY, on_stderr=True, timeout=startup_timeout)
        self.url = ready.group(1)
        self.endpoint = self.url.removeprefix("http://")

    def _client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def bucket(self, name: str) -> str:
        """A new, empty bucket; returns its name."""
        self._client("s3").create_bucket(Bucket=name)
        return name

    def backend_url(self, bucket: str) -> str:
        """The `PULUMI_BACKEND_URL` of a DIY backend in `bucket` on this server."""
        return f"s3://{bucket}?endpoint={self.endpoint}&disableSSL=true&s3ForcePathStyle=true&region={REGION}"

    def kms_key(self) -> str:
        """A new symmetric KMS key, as the `--secrets-provider` URL the CLI opens it by."""
        key = self._client("kms").create_key()["KeyMetadata"]["KeyId"]
        return f"awskms:///{key}?region={REGION}&endpoint={self.url}"

    def objects(self, bucket: str) -> dict[str, bytes]:
        """Every object of `bucket`, by key."""
        s3 = self._client("s3")
        keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
                for o in page.get("Contents", [])]  # fmt: skip
        return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}

    def stop(self) -> None:
        stop(self.process)

    def __enter__(self) -> RunningS3:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
