"""Where uploaded files live between the API and the worker: a local directory or a GCS bucket.

Names are content-addressed (``<sha256>`` of the bytes plus a suffix), so storing the same file
twice is one object, a name never points at other bytes, and the API and the worker agree on it
wherever each of them runs. Local writes are atomic (a temporary file in the same directory, then
``os.replace``): a reader never sees half a file, even when two processes store it at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Protocol

from portfolio_shared.errors import NotFound

_NAME = re.compile(r"^[0-9a-f]{64}(\.[a-z0-9]{1,8})?$")


class StoredFileMissing(NotFound):
    code = "stored_file_missing"
    default_message = "The stored file does not exist."


def content_name(data: bytes, suffix: str = "") -> str:
    """The content-addressed name of ``data``: its SHA-256 in hex, then ``suffix`` (e.g. ``.pdf``)."""
    return hashlib.sha256(data).hexdigest() + suffix


def _check_name(name: str) -> str:
    # Names come back from job rows; refuse anything that is not one we made (no path tricks).
    if not _NAME.match(name):
        raise ValueError(f"not a stored file name: {name!r}")
    return name


class Storage(Protocol):
    """A place for files shared by the API and the worker."""

    def put(self, data: bytes, *, suffix: str = "") -> str:
        """Store ``data``; return its name (the same bytes always get the same name)."""
        ...

    def get(self, name: str) -> bytes:
        """The bytes stored under ``name``; :class:`StoredFileMissing` when there are none."""
        ...

    def exists(self, name: str) -> bool: ...

    def delete(self, name: str) -> bool:
        """Remove ``name``; False when it was not there."""
        ...


class LocalStorage:
    """Files under ``root`` (``MEDIA_ROOT``), fanned out as ``ab/<name>`` to keep directories small."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, name: str) -> Path:
        return self.root / "uploads" / _check_name(name)[:2] / name

    def put(self, data: bytes, *, suffix: str = "") -> str:
        name = content_name(data, suffix)
        target = self.path(name)
        if target.exists():
            return name
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return name

    def get(self, name: str) -> bytes:
        try:
            return self.path(name).read_bytes()
        except FileNotFoundError:
            raise StoredFileMissing(f"No stored file {name}.") from None

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def delete(self, name: str) -> bool:
        try:
            self.path(name).unlink()
        except FileNotFoundError:
            return False
        return True


class GcsStorage:
    """Objects ``uploads/<name>`` in a Google Cloud Storage bucket (``GCS_BUCKET``).

    ``google-cloud-storage`` is imported only here, so a deployment without a bucket never loads it.
    Credentials come from the environment (Application Default Credentials on Cloud Run);
    ``client`` lets a caller pass a configured one (another endpoint, anonymous credentials).
    """

    PREFIX = "uploads/"

    def __init__(self, bucket: str, *, client: Any | None = None) -> None:
        from google.cloud import storage  # the dependency stays unloaded without GCS_BUCKET

        self._client = client or storage.Client()
        self._bucket = self._client.bucket(bucket)

    def _blob(self, name: str) -> Any:
        return self._bucket.blob(self.PREFIX + _check_name(name))

    def put(self, data: bytes, *, suffix: str = "") -> str:
        from google.api_core.exceptions import PreconditionFailed

        name = content_name(data, suffix)
        # if_generation_match=0: create only; an existing object already holds these very bytes.
        with contextlib.suppress(PreconditionFailed):
            self._blob(name).upload_from_string(data, if_generation_match=0)
        return name

    def get(self, name: str) -> bytes:
        from google.api_core.exceptions import NotFound as GcsNotFound

        try:
            data: bytes = self._blob(name).download_as_bytes()
        except GcsNotFound:
            raise StoredFileMissing(f"No stored file {name}.") from None
        return data

    def exists(self, name: str) -> bool:
        return bool(self._blob(name).exists())

    def delete(self, name: str) -> bool:
        from google.api_core.exceptions import NotFound as GcsNotFound

        try:
            self._blob(name).delete()
        except GcsNotFound:
            return False
        return True


def storage_from_settings(*, media_root: str, gcs_bucket: str | None) -> Storage:
    """GCS when a bucket is configured, else the local ``media_root``."""
    if gcs_bucket:
        return GcsStorage(gcs_bucket)
    return LocalStorage(media_root)
