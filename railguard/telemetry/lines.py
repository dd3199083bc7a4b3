"""Where JSON lines go: a text stream, a file path (appended), a ``logging.Logger`` or a callable."""

from __future__ import annotations

import logging
import os
import threading
from typing import Any, Callable

__all__ = ["line_writer"]


def line_writer(target: Any) -> Callable[[str], None]:
    """A thread-safe function writing one line to ``target``."""
    if isinstance(target, logging.Logger):
        return lambda line: target.info(line)
    if callable(target) and not hasattr(target, "write"):
        return target
    lock = threading.Lock()
    if isinstance(target, (str, os.PathLike)):
        path = os.fspath(target)

        def to_file(line: str) -> None:
            data = (line + "\n").encode("utf-8")
            with lock:
                # One O_APPEND write per line: whole lines even with several processes writing.
                fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(fd, data)
                finally:
                    os.close(fd)
        return to_file
    if hasattr(target, "write"):
        def to_stream(line: str) -> None:
            with lock:
                target.write(line + "\n")
                flush = getattr(target, "flush", None)
                if flush is not None:
                    flush()
        return to_stream
    raise TypeError(f"cannot write lines to {type(target).__name__}: give a path, a stream, a Logger or a callable")
