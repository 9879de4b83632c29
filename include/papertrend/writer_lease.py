"""One writer at a time on an object-store data root, across machines.

``flock`` (:mod:`papertrend.writers`) keeps writers apart on one machine; workers
that share no disk need the lock in the store itself. S3's conditional writes
give it: ``PUT .writer.lock`` with ``If-None-Match: *`` succeeds for exactly one
writer (AWS S3, MinIO, R2 and moto support it). The object names its holder and
when its lease ends; the holder renews it (a conditional PUT on its own ETag)
while it works and deletes it when done. A killed holder cannot delete it, so a
lease that has ended is taken over by the next writer. pyarrow's S3 client, used
for the data, has no conditional PUT; boto3 (AWS's own SDK) writes this one object.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from papertrend.settings import Settings
from papertrend.writers import DataRootLocked

log = logging.getLogger(__name__)

LEASE_KEY = ".writer.lock"


@contextmanager
def writer_lease(settings: Settings, holder: str) -> Iterator[None]:
    """Hold the object store's writer lease for the ``with`` block; nothing for a local root.
    Raises :class:`~papertrend.writers.DataRootLocked` when another writer holds it."""
    if settings.data_root_uri is None:
        yield
        return
    lease = _Lease(settings, holder)
    lease.acquire()
    try:
        yield
    finally:
        lease.release()


class _Lease:
    def __init__(self, settings: Settings, holder: str):
        import boto3

        bucket, _, prefix = settings.data_root_uri.removeprefix("s3://").partition("/")
        self.uri = settings.data_root_uri
        self.bucket = bucket
        self.key = f"{prefix}/{LEASE_KEY}" if prefix else LEASE_KEY
        self.seconds = settings.writer_lease_seconds
        self.holder = holder
        self.client = boto3.client("s3")
        self.etag: str | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def acquire(self) -> None:
        from botocore.exceptions import ClientError

        for attempt in range(2):
            try:
                self.etag = self.client.put_object(
                    Bucket=self.bucket, Key=self.key, Body=self._body(), IfNoneMatch="*"
                )["ETag"]
                break
            except ClientError as error:
                if not _precondition_failed(error) or attempt:
                    raise
            current = self._current()
            if current is None:
                continue  # deleted between our PUT and GET: try once more
            etag, document = current
            if _lease_end(document) > datetime.now(timezone.utc):
                raise DataRootLocked(
                    f"data root {self.uri} is busy: another writer holds {LEASE_KEY} "
                    f"({document.get('holder', 'unknown')}, lease until {document.get('expires_at')}); "
                    "nothing was done, try again when it has finished"
                )
            log.warning("taking over the writer lease of %s: its holder (%s) let it end at %s without release",
                        self.uri, document.get("holder"), document.get("expires_at"))
            try:
                self.client.delete_object(Bucket=self.bucket, Key=self.key, IfMatch=etag)
            except ClientError as error:
                if not _precondition_failed(error):
                    raise
        self._renewer = threading.Thread(target=self._renew, name="papertrend-writer-lease", daemon=True)
        self._renewer.start()

    def release(self) -> None:
        from botocore.exceptions import ClientError

        self._stop.set()
        if self._renewer:
            self._renewer.join()
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.key, IfMatch=self.etag)
        except ClientError as error:
            if not _precondition_failed(error):
                raise
            log.error("the writer lease of %s was no longer ours at release", self.uri)

    def _renew(self) -> None:
        from botocore.exceptions import ClientError

        while not self._stop.wait(self.seconds / 4):
            try:
                self.etag = self.client.put_object(
                    Bucket=self.bucket, Key=self.key, Body=self._body(), IfMatch=self.etag
                )["ETag"]
            except ClientError as error:
                log.error("could not renew the writer lease of %s: %s", self.uri, error)
                if _precondition_failed(error):
                    return  # taken over: renewing would overwrite the new holder's

    def _body(self) -> bytes:
        expires = datetime.now(timezone.utc) + timedelta(seconds=self.seconds)
        return json.dumps({"holder": self.holder, "expires_at": expires.isoformat()}).encode()

    def _current(self) -> tuple[str, dict] | None:
        from botocore.exceptions import ClientError

        try:
            found = self.client.get_object(Bucket=self.bucket, Key=self.key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        try:
            document = json.loads(found["Body"].read())
        except ValueError:
            document = {}
        return found["ETag"], document


def _lease_end(document: dict) -> datetime:
    try:
        return datetime.fromisoformat(document["expires_at"])
    except (KeyError, TypeError, ValueError):
        return datetime.min.replace(tzinfo=timezone.utc)  # unreadable: nobody's lease


def _precondition_failed(error) -> bool:
    # 412 when the condition fails; 409 when a concurrent conditional write won the race
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") in (409, 412)
