"""Where a scan reads and writes: local paths, or ``s3://`` URIs through pyarrow's S3 file system.

No data passes through a hand-written S3 client. ``s3://`` needs ``pyarrow``
(``pip install 'railguard[scan]'``); the endpoint, region and credentials come from the usual
AWS settings (``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL`` for an S3-compatible server,
``AWS_REGION``/``AWS_DEFAULT_REGION``, the standard credential chain) or from ``s3_options``.
"""

from __future__ import annotations

import os
import posixpath
import shutil
from dataclasses import dataclass, field
from typing import IO, Any, Mapping

from ..errors import MissingDependency, RailguardError

__all__ = ["Location", "locate", "is_s3"]


def is_s3(uri: str) -> bool:
    return uri.startswith("s3://")


def _pyarrow_fs() -> Any:
    try:
        import pyarrow.fs as pafs
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise MissingDependency("s3:// paths and Parquet files need pyarrow: pip install 'railguard[scan]'") from None
    return pafs


def _s3(options: Mapping[str, Any]) -> Any:
    pafs = _pyarrow_fs()
    kw: dict[str, Any] = {}
    endpoint = options.get("endpoint_url") or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get(
        "AWS_ENDPOINT_URL")
    if endpoint:
        scheme, _, rest = endpoint.partition("://")
        kw["endpoint_override"] = rest if rest else scheme
        if rest:
            kw["scheme"] = scheme
    region = options.get("region") or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        kw["region"] = region
    for key in ("access_key", "secret_key", "session_token"):
        if options.get(key):
            kw[key] = options[key]
    return pafs.S3FileSystem(**kw)


@dataclass(frozen=True)
class Location:
    """A file or folder, local or on S3. ``uri`` is what the user wrote, for messages."""

    uri: str
    path: str
    s3: Any = field(default=None, repr=False, compare=False)  # a pyarrow S3FileSystem for s3:// URIs

    @property
    def name(self) -> str:
        return posixpath.basename(self.path.rstrip("/")) if self.s3 is not None else os.path.basename(self.path)

    def child(self, *parts: str) -> "Location":
        if self.s3 is not None:
            path = posixpath.join(self.path, *parts)
            return Location(f"s3://{path}", path, self.s3)
        path = os.path.join(self.path, *parts)
        return Location(path, path)

    # -- queries ----------------------------------------------------------------------------
    def exists(self) -> bool:
        if self.s3 is None:
            return os.path.exists(self.path)
        pafs = _pyarrow_fs()
        return self.s3.get_file_info(self.path).type != pafs.FileType.NotFound

    def is_dir(self) -> bool:
        if self.s3 is None:
            return os.path.isdir(self.path)
        pafs = _pyarrow_fs()
        return self.s3.get_file_info(self.path).type == pafs.FileType.Directory

    def size(self) -> int:
        if self.s3 is None:
            return os.path.getsize(self.path)
        return int(self.s3.get_file_info(self.path).size or 0)

    def list_files(self) -> list["Location"]:
        """The files directly in this folder, sorted by name."""
        if self.s3 is None:
            return [self.child(n) for n in sorted(os.listdir(self.path)) if os.path.isfile(os.path.join(self.path, n))]
        pafs = _pyarrow_fs()
        infos = self.s3.get_file_info(pafs.FileSelector(self.path, recursive=False))
        return [Location(f"s3://{i.path}", i.path, self.s3) for i in sorted(infos, key=lambda i: i.path)
                if i.type == pafs.FileType.File]

    # -- reading and writing ---------------------------------------------------------------
    def open_read(self) -> IO[bytes]:
        if self.s3 is None:
            return open(self.path, "rb")
        return self.s3.open_input_file(self.path)

    def open_write(self) -> IO[bytes]:
        if self.s3 is None:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            return open(self.path, "wb")
        return self.s3.open_output_stream(self.path)

    def read_text(self) -> str:
        with self.open_read() as f:
            return f.read().decode("utf-8")

    def write_bytes_atomic(self, data: bytes) -> None:
        """Write all of ``data`` or nothing: a crash never leaves a half-written file under this name."""
        if self.s3 is None:
            tmp = self.path + ".tmp"
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
            return
        with self.s3.open_output_stream(self.path) as f:  # an S3 object appears whole or not at all
            f.write(data)

    def makedirs(self) -> None:
        if self.s3 is None:
            os.makedirs(self.path, exist_ok=True)
        # S3 has no folders: a key's prefix exists once an object is written under it.

    def remove_tree(self) -> None:
        if self.s3 is None:
            shutil.rmtree(self.path, ignore_errors=True)
        elif self.exists():
            # pyarrow keeps an empty "folder/" marker object for the parent, as S3 consoles do.
            self.s3.delete_dir(self.path)


def locate(uri: str, s3_options: Mapping[str, Any] | None = None) -> Location:
    if not isinstance(uri, str) or not uri:
        raise RailguardError(f"a path or s3:// URI is required, got {uri!r}")
    if is_s3(uri):
        path = uri[len("s3://"):]
        if not path or path.startswith("/"):
            raise RailguardError(f"{uri!r} is not an s3://bucket/key URI")
        return Location(uri, path.rstrip("/") or path, _s3(s3_options or {}))
    if "://" in uri:
        raise RailguardError(f"{uri[:80]!r}: only local paths and s3:// URIs are supported")
    return Location(uri, os.path.abspath(uri))
