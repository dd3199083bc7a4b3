"""The model seam: anything railguard can call to get an answer.

An adapter subclasses :class:`Model` and implements ``generate(messages) -> str``
(and, where the backend can, ``stream(messages)`` yielding text pieces and
``agenerate`` for asyncio). Plain Python callables are wrapped by
:class:`CallableModel`, which hands them the prompt in the shape the caller gave.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, AsyncIterator, Callable, Iterator, Mapping, Sequence

from ..errors import ModelError
from ..messages import Conversation, Message

__all__ = ["Model", "CallableModel", "as_model", "extract_text"]


def extract_text(value: Any, key: str = "text", *, where: str = "model") -> str:
    """The answer text in a return value: a str, or a dict holding it under ``key``."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get(key), str):
        return value[key]
    if isinstance(value, Mapping):
        raise ModelError(f"{where} returned a dict without a string under {key!r} (keys: {sorted(map(str, value))}); "
                         f"set the output key to the one holding the answer")
    raise ModelError(f"{where} returned {type(value).__name__}; expected a str or a dict with the text under {key!r}")


class Model:
    """Base of model adapters."""

    name: str = "model"

    def generate(self, messages: Sequence[Message]) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    async def agenerate(self, messages: Sequence[Message]) -> str:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self.generate, messages)

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        """Text pieces as the model produces them. The default yields the whole answer once."""
        yield self.generate(messages)

    async def astream(self, messages: Sequence[Message]) -> AsyncIterator[str]:
        yield await self.agenerate(messages)

    # The runtime calls these with the whole conversation; adapters normally need only the messages.
    def invoke(self, conversation: Conversation) -> str:
        return self.generate(conversation.messages)

    async def ainvoke(self, conversation: Conversation) -> str:
        return await self.agenerate(conversation.messages)

    def invoke_stream(self, conversation: Conversation) -> Iterator[str]:
        return self.stream(conversation.messages)

    def ainvoke_stream(self, conversation: Conversation) -> AsyncIterator[str]:
        return self.astream(conversation.messages)


class CallableModel(Model):
    """Wraps ``fn(prompt_or_messages) -> str | dict``, sync or ``async def``.

    ``fn`` receives the prompt as the caller passed it (a string stays a string, a
    message list keeps its shape), with the input stage's masks applied.
    """

    def __init__(self, fn: Callable[..., Any], *, output_key: str = "text"):
        if not callable(fn):
            raise TypeError(f"expected a callable model, got {type(fn).__name__}")
        self.fn = fn
        self.output_key = output_key
        self.is_async = inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(getattr(fn, "__call__", None))
        self.name = getattr(fn, "__qualname__", type(fn).__name__)

    def _text(self, value: Any) -> str:
        return extract_text(value, self.output_key, where=f"model {self.name}")

    def invoke(self, conversation: Conversation) -> str:
        if self.is_async:
            from ..pools import run_coroutine

            return self._text(run_coroutine(self.fn(conversation.original)))
        return self._text(self.fn(conversation.original))

    async def ainvoke(self, conversation: Conversation) -> str:
        if self.is_async:
            return self._text(await self.fn(conversation.original))
        loop = asyncio.get_running_loop()
        return self._text(await loop.run_in_executor(None, self.fn, conversation.original))

    def generate(self, messages: Sequence[Message]) -> str:
        return self.invoke(Conversation.parse([m.to_dict() for m in messages]))

    def invoke_stream(self, conversation: Conversation) -> Iterator[str]:
        out = self.fn(conversation.original)
        if isinstance(out, (str, Mapping)):
            yield self._text(out)
            return
        if inspect.isasyncgen(out) or inspect.iscoroutine(out):
            raise ModelError(f"model {self.name} is async; use the async stream API")
        for piece in out:
            if not isinstance(piece, str):
                raise ModelError(f"model {self.name} yielded {type(piece).__name__}; a stream yields str")
            yield piece

    async def ainvoke_stream(self, conversation: Conversation) -> AsyncIterator[str]:
        out = self.fn(conversation.original)
        if inspect.iscoroutine(out):
            out = await out
        if isinstance(out, (str, Mapping)):
            yield self._text(out)
            return
        if inspect.isasyncgen(out):
            async for piece in out:
                if not isinstance(piece, str):
                    raise ModelError(f"model {self.name} yielded {type(piece).__name__}; a stream yields str")
                yield piece
            return
        for piece in out:
            if not isinstance(piece, str):
                raise ModelError(f"model {self.name} yielded {type(piece).__name__}; a stream yields str")
            yield piece


def as_model(model: Any, *, output_key: str = "text") -> Model:
    """An adapter for ``model``: adapters pass through, callables are wrapped."""
    if isinstance(model, Model):
        return model
    if callable(model):
        return CallableModel(model, output_key=output_key)
    raise TypeError(f"expected a railguard Model adapter or a callable, got {type(model).__name__}")
