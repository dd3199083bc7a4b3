"""The Guard facade: load a spec, validate text, guard model calls, decorate functions."""

from __future__ import annotations

import os
from typing import Any, Callable, Mapping, TypeVar

from ._frozen import EMPTY, FrozenMap, freeze
from .errors import GuardBlocked, RailguardError
from .graph import GuardGraph, compile_spec
from .llm.base import as_model
from .messages import Conversation
from .results import GuardResult
from .runtime.drive import drive_async, drive_sync
from .runtime.flow import GuardCall, call_flow, validate_flow
from .runtime.trace import atraced, traced
from .spec.model import Spec

__all__ = ["Guard", "load_spec"]

F = TypeVar("F", bound=Callable[..., Any])

_SOURCES = ("input", "output")


def _meta(metadata: Mapping[str, Any] | None, documents: Any) -> FrozenMap:
    """The call's metadata, with retrieved ``documents`` (untrusted content some validators judge)."""
    if documents is None:
        return freeze(metadata) if metadata else EMPTY
    if isinstance(documents, (str, bytes)) or not isinstance(documents, (list, tuple)) or \
            not all(isinstance(d, str) for d in documents):
        raise RailguardError(f"documents must be a list of strings, got {type(documents).__name__}")
    return freeze({**(metadata or {}), "documents": list(documents)})


def load_spec(path_or_text: str | os.PathLike[str], *, format: str | None = None, registry: Any = None) -> Spec:
    """Load and check a spec (YAML or RAIL) from a path or from text. Raises SpecError listing every problem."""
    from . import spec as spec_mod
    from .plugins import Registry

    return spec_mod.load(path_or_text, registry or Registry.load(), format=format)


class Guard:
    """A compiled spec, ready to check text and to wrap model calls.

    Build one with :meth:`from_file`, :meth:`from_text` or :meth:`from_spec`.
    """

    def __init__(self, graph: GuardGraph, registry: Any):
        self.graph = graph
        self.registry = registry

    # -- construction -----------------------------------------------------------------
    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, registry: Any = None,
                  resources: Mapping[str, Any] | None = None) -> "Guard":
        """Load, check and compile a spec file. ``resources`` passes Python objects to validators
        (boto3 clients or sessions, callables), globally or under an entry's id."""
        from . import spec as spec_mod
        from .plugins import Registry

        registry = registry or Registry.load()
        return cls.from_spec(spec_mod.load(path, registry), registry=registry, resources=resources)

    @classmethod
    def from_text(cls, text: str, *, format: str | None = None, registry: Any = None,
                  resources: Mapping[str, Any] | None = None) -> "Guard":
        from . import spec as spec_mod
        from .plugins import Registry

        registry = registry or Registry.load()
        return cls.from_spec(spec_mod.load_text(text, registry, format=format), registry=registry,
                             resources=resources)

    @classmethod
    def from_spec(cls, spec: Spec, *, registry: Any = None, resources: Mapping[str, Any] | None = None) -> "Guard":
        from .plugins import Registry

        registry = registry or Registry.load()
        return cls(compile_spec(spec, registry, dict(resources or {})), registry)

    @property
    def spec(self) -> Spec:
        return self.graph.spec

    @property
    def name(self) -> str:
        return self.graph.name

    def __repr__(self) -> str:
        return f"<Guard {self.name!r}: {len(self.graph.input.nodes)} input, {len(self.graph.output.nodes)} output>"

    def warmup(self) -> None:
        """Run every validator's setup() now instead of on first use."""
        for sg in (self.graph.input, self.graph.output):
            for node in sg.nodes:
                node.ensure_ready()

    # -- helpers ------------------------------------------------------------------------
    def _finish(self, result: GuardResult) -> GuardResult:
        stages = [s for s in result.stages if s.raise_]
        if stages or (result.blocked and self.graph.spec.settings.on_block == "raise"):
            raise GuardBlocked(result)
        return result

    def _trace_call(self, kind: str, source: str | None, metadata: FrozenMap) -> Any:
        return GuardCall(self.name, kind, source, metadata)

    # -- validate -----------------------------------------------------------------------
    def validate(self, text: str, source: str = "input", *, metadata: Mapping[str, Any] | None = None,
                 documents: Any = None) -> GuardResult:
        """Run one stage on ``text`` with no model. ``source`` is 'input' or 'output'. ``documents``:
        retrieved passages, judged as untrusted content by validators whose ``roles`` include ``document``."""

        if source not in _SOURCES:
            raise RailguardError(f"source {source!r} is not one of {list(_SOURCES)}")
        if not isinstance(text, str):
            raise RailguardError(f"text must be a str, got {type(text).__name__}")
        meta = _meta(metadata, documents)
        if not self.graph.tracing:
            return self._finish(drive_sync(validate_flow(self.graph, text, source, meta)))

        return self._finish(traced(self.registry.manager, self._trace_call("validate", source, meta),
                                   lambda: drive_sync(validate_flow(self.graph, text, source, meta))))

    def validate_batch(self, texts: Any, source: str = "input", *, metadata: Mapping[str, Any] | None = None,
                       concurrency: int | None = None, batch_size: int = 256) -> list[GuardResult]:
        """One stage on many texts: one result per text, in order, each what :meth:`validate` gives it.
        Never raises GuardBlocked. Validators with ``prepare_batch(texts)`` see each batch whole first
        (one embedding pass, one model request); stages with remote checks run ``concurrency`` texts
        at a time. See :mod:`railguard.batch`."""
        from .batch import validate_batch

        return validate_batch(self, texts, source, metadata=metadata, concurrency=concurrency,
                              batch_size=batch_size)

    async def avalidate(self, text: str, source: str = "input", *,
                        metadata: Mapping[str, Any] | None = None) -> GuardResult:

        if source not in _SOURCES:
            raise RailguardError(f"source {source!r} is not one of {list(_SOURCES)}")
        meta = freeze(metadata) if metadata else EMPTY
        return self._finish(await atraced(self.registry.manager, self._trace_call("validate", source, meta),
                                          lambda: drive_async(validate_flow(self.graph, text, source, meta))))

    # -- guarded model calls -----------------------------------------------------------
    def call(self, model: Any, prompt_or_messages: Any, *, metadata: Mapping[str, Any] | None = None,
             output_key: str = "text", documents: Any = None) -> GuardResult:
        """Input stage, ``model``, output stage (with reasks). ``result.output`` is the text to show.
        ``documents``: retrieved passages, judged as untrusted content (see :meth:`validate`)."""

        adapter = as_model(model, output_key=output_key)
        conversation = Conversation.parse(prompt_or_messages)
        meta = _meta(metadata, documents)
        run = lambda: drive_sync(call_flow(self.graph, conversation, meta), adapter.invoke)  # noqa: E731
        if not self.graph.tracing:
            return self._finish(run())
        return self._finish(traced(self.registry.manager, self._trace_call("call", None, meta), run))

    async def acall(self, model: Any, prompt_or_messages: Any, *, metadata: Mapping[str, Any] | None = None,
                    output_key: str = "text", documents: Any = None) -> GuardResult:

        adapter = as_model(model, output_key=output_key)
        conversation = Conversation.parse(prompt_or_messages)
        meta = _meta(metadata, documents)
        return self._finish(await atraced(self.registry.manager, self._trace_call("call", None, meta),
                                          lambda: drive_async(call_flow(self.graph, conversation, meta),
                                                              adapter.ainvoke)))

    # -- streams --------------------------------------------------------------------------
    def stream(self, model: Any, prompt_or_messages: Any = None, *, metadata: Mapping[str, Any] | None = None,
               output_key: str = "text") -> Any:
        """Guard a streamed answer: iterate the returned stream for released text, then read ``.result``.

        ``model`` is an adapter with ``stream()`` (BedrockConverse, SageMakerEndpoint), a callable
        returning an iterator of str, or a ready iterator of str (then the prompt, if given, is only
        checked: a masked prompt cannot reach a stream that already exists)."""
        from .streaming import open_stream

        return open_stream(self, model, prompt_or_messages, metadata=metadata, output_key=output_key)

    def astream(self, model: Any, prompt_or_messages: Any = None, *, metadata: Mapping[str, Any] | None = None,
                output_key: str = "text") -> Any:
        """The asyncio form of :meth:`stream`: ``async for text in guard.astream(...)``."""
        from .streaming import open_stream

        return open_stream(self, model, prompt_or_messages, metadata=metadata, output_key=output_key,
                           is_async=True)

    # -- decorator ------------------------------------------------------------------------
    def __call__(self, fn: F) -> F:
        """``@guard``: guard an existing function's prompt argument and return value."""
        return self.wrap()(fn)

    def wrap(self, *, prompt_arg: str | None = None, output_key: str = "text") -> Callable[[F], F]:
        """A decorator with options: which argument holds the prompt, which key of a returned dict the text."""

        def decorator(fn: F) -> F:
            from .decorate import decorate

            return decorate(self, fn, prompt_arg=prompt_arg, output_key=output_key)  # type: ignore[return-value]

        return decorator
