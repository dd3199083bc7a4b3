"""Streaming entry points: ``guard.stream(...)``, ``guard.astream(...)``, ``@guard`` on generators.

A stream object is iterated for the released text; when iteration ends (or the guard
blocked) ``stream.result`` holds the :class:`GuardResult`, whose ``stream`` figures say
how the stream went (mode, released characters, maximum hold-back, validator calls,
text units, time to the first released byte). A model stream that fails mid-way ends
the iteration with :class:`ModelError` after the text that was already validated; a
``raise`` action or ``settings.on_block: raise`` ends it with :class:`GuardBlocked`.
"""

from __future__ import annotations

import functools
import inspect
import time
from typing import Any, AsyncIterator, Callable, Iterator

from ._frozen import EMPTY, freeze
from .errors import ModelError, RailguardError
from .llm.base import as_model
from .messages import Conversation
from .prompt_arg import prompt_value, resolve_prompt_arg
from .results import GuardResult
from .runtime.drive import drive_stream_async, drive_stream_sync
from .runtime.stream import stream_flow

__all__ = ["GuardStream", "AsyncGuardStream", "open_stream", "decorate_stream"]


def _raise_if_needed(guard: Any, result: GuardResult) -> None:
    error = dict(result.stream or {}).get("error")
    if error is not None:
        exc = ModelError(error)
        exc.result = result  # type: ignore[attr-defined]
        raise exc
    guard._finish(result)


class GuardStream:
    """Iterate for released text; then read ``result``. Use as a context manager to close early."""

    def __init__(self, guard: Any, flow: Any, opener: Callable[[Conversation], Any]):
        self._guard = guard
        self._out: list[GuardResult] = []
        self._gen = drive_stream_sync(flow, opener, self._out)
        self._started = False

    @property
    def result(self) -> GuardResult | None:
        """The GuardResult once the stream has ended, or what was decided up to an early ``break`` or
        ``close()`` (``result.stream["closed_early"]`` is then True); None before either."""
        return self._out[0] if self._out else None

    def __iter__(self) -> Iterator[str]:
        if self._started:
            raise RailguardError("a guarded stream can be iterated only once")
        self._started = True
        yield from self._gen
        if self._out:
            _raise_if_needed(self._guard, self._out[0])

    def text(self) -> str:
        """Consume the stream and return all released text."""
        return "".join(self)

    def close(self) -> None:
        self._gen.close()

    def __enter__(self) -> "GuardStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class AsyncGuardStream:
    """The asyncio twin of GuardStream: ``async for chunk in stream``."""

    def __init__(self, guard: Any, flow: Any, opener: Callable[[Conversation], Any]):
        self._guard = guard
        self._out: list[GuardResult] = []
        self._gen = drive_stream_async(flow, opener, self._out)
        self._started = False

    @property
    def result(self) -> GuardResult | None:
        return self._out[0] if self._out else None

    async def __aiter__(self) -> AsyncIterator[str]:
        if self._started:
            raise RailguardError("a guarded stream can be iterated only once")
        self._started = True
        async for text in self._gen:
            yield text
        if self._out:
            _raise_if_needed(self._guard, self._out[0])

    async def text(self) -> str:
        return "".join([t async for t in self])

    async def aclose(self) -> None:
        await self._gen.aclose()

    async def __aenter__(self) -> "AsyncGuardStream":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()


def _source(model: Any, output_key: str, is_async: bool) -> Callable[[Conversation], Any]:
    """How to open the model's stream for a conversation."""
    if hasattr(model, "__next__") or hasattr(model, "__anext__"):
        used = []

        def once(conversation: Conversation) -> Any:
            if used:
                raise RailguardError("this stream was produced before railguard saw the prompt, so it cannot be "
                                     "asked again; pass a callable model to allow reask")
            used.append(True)
            return model

        return once
    adapter = as_model(model, output_key=output_key)
    return adapter.ainvoke_stream if is_async else adapter.invoke_stream


def open_stream(guard: Any, model: Any, prompt_or_messages: Any, *, metadata: Any = None,
                output_key: str = "text", is_async: bool = False) -> GuardStream | AsyncGuardStream:
    t0 = time.perf_counter()
    meta = freeze(metadata) if metadata else EMPTY
    ready_made = hasattr(model, "__next__") or hasattr(model, "__anext__")
    if prompt_or_messages is None:
        if not ready_made:
            raise RailguardError("a prompt is needed to call the model; pass prompt_or_messages")
        conversation = Conversation.parse([])
    else:
        conversation = Conversation.parse(prompt_or_messages)
    opener = _source(model, output_key, is_async)
    if ready_made and prompt_or_messages is not None:
        opener = _refuse_changed_input(conversation, opener)
    flow = stream_flow(guard.graph, conversation, meta, t0)
    return (AsyncGuardStream if is_async else GuardStream)(guard, flow, opener)


def _refuse_changed_input(original: Conversation, opener: Callable[[Conversation], Any]) -> Callable:
    """A stream produced before the input was checked cannot receive the masked prompt: say so."""

    def guarded(conversation: Conversation) -> Any:
        if conversation.messages != original.messages:
            raise RailguardError("the input stage changed the prompt, but this stream was produced before railguard "
                                 "saw it; pass a callable model so that the model receives the masked prompt")
        return opener(conversation)

    return guarded


def decorate_stream(guard: Any, fn: Callable[..., Any], *, prompt_arg: str | None,
                    output_key: str) -> Callable[..., Any]:
    """``@guard`` on a generator or async-generator function: calling it returns a guarded stream."""
    sig = inspect.signature(fn)
    where = resolve_prompt_arg(fn, sig, prompt_arg)
    is_async = inspect.isasyncgenfunction(fn)

    def start(*args: Any, **kwargs: Any) -> GuardStream | AsyncGuardStream:
        t0 = time.perf_counter()
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"{fn.__qualname__}(): {exc}") from None
        bound.apply_defaults()
        conversation = Conversation.parse(prompt_value(bound, where, fn.__qualname__))

        def opener(conv: Conversation) -> Any:
            call = inspect.BoundArguments(sig, bound.arguments.copy())
            call.arguments[where] = conv.original
            return fn(*call.args, **call.kwargs)

        flow = stream_flow(guard.graph, conversation, EMPTY, t0)
        return (AsyncGuardStream if is_async else GuardStream)(guard, flow, opener)

    functools.update_wrapper(start, fn)
    start.__railguard_guard__ = guard  # type: ignore[attr-defined]
    return start
