"""The shared worker thread pool and background event loop, created on first use, never at import.

Sync validators and sync model calls run in the pool; ``async def`` validators and async model
callables called from sync code run on the loop, in a daemon thread. This module imports nothing
of railguard, so every layer that needs to run work concurrently (the runtime, the model
adapters) can use the same pool and loop.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Coroutine

__all__ = ["executor", "background_loop", "run_coroutine", "MAX_WORKERS"]

MAX_WORKERS = 64

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_loop: asyncio.AbstractEventLoop | None = None


def executor() -> ThreadPoolExecutor:
    """The shared thread pool (``MAX_WORKERS`` threads named ``railguard``)."""
    global _executor
    if _executor is None:
        with _lock:
            if _executor is None:
                _executor = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="railguard")
    return _executor


def background_loop() -> asyncio.AbstractEventLoop:
    """An event loop running in a daemon thread, for async validators called from sync code."""
    global _loop
    if _loop is None:
        with _lock:
            if _loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def run() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                threading.Thread(target=run, name="railguard-loop", daemon=True).start()
                ready.wait()
                _loop = loop
    return _loop


def run_coroutine(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine to completion from sync code (on the background loop)."""
    return asyncio.run_coroutine_threadsafe(coro, background_loop()).result()
