"""The validator contract that built-in and third-party validators implement.

A validator is a class with a ``name``, a JSON Schema for its parameters and a
``validate(text, context) -> Outcome`` method (plain or ``async def``). The
runtime creates one instance per spec entry, calls ``setup()`` once, lazily,
before the first ``validate``, and may call ``validate`` from several threads
at once: keep per-call state local.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, ClassVar, Iterable, Mapping

from ._frozen import EMPTY, FrozenMap
from .chunking import ChunkPolicy
from .messages import Message
from .results import Outcome

__all__ = ["Validator", "Context", "ParamIssue", "ChunkPolicy"]


@dataclass(frozen=True)
class Context:
    """What a validator may know besides the text.

    ``messages`` is the conversation so far (for the output stage: the user's turns,
    without the answer being checked). ``final`` is False while a stream is still
    growing: a validator may then report spans near the end that later text would
    extend. ``offset`` is where ``text`` starts within the whole text (chunks, streams).
    """

    stage: str
    validator_id: str
    guard: str = ""
    messages: tuple[Message, ...] = ()
    metadata: FrozenMap = EMPTY
    final: bool = True
    offset: int = 0
    total_chars: int | None = None


@dataclass(frozen=True)
class ParamIssue:
    """A problem with a validator's parameters beyond what its JSON Schema says.

    ``path`` is relative to the validator's parameters, e.g. ``("patterns", 2, "pattern")``.
    """

    path: tuple[str | int, ...]
    message: str


class Validator:
    """Base class of every validator.

    Class attributes a subclass sets:

    - ``name``: the spec name, ``[a-z][a-z0-9_]*`` (``pii``, ``regex``, ``acme_toxicity``).
    - ``params_schema``: JSON Schema of its parameters. The common keys ``on_fail``,
      ``id``, ``on_error`` and ``timeout_s`` are added by railguard; unknown keys are errors.
    - ``default_on_fail``: the action when the spec gives none.
    - ``can_mask`` / ``can_fix``: whether outcomes carry spans to mask / a fix value; a spec
      asking for ``mask`` or ``fix`` from a validator that cannot is rejected at load time.
    - ``inline``: True for cheap, CPU-bound, linear-time validators; they run in the calling
      thread (no pool hop). Their timeout is checked after they return. May be set per
      instance in ``__init__`` when it depends on the parameters (an engine choice).
    - ``stages``: which stages the validator makes sense in.
    - ``max_chars``: a size limit per call; longer texts are chunked by the runtime.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    params_schema: ClassVar[Mapping[str, Any]] = {"type": "object", "properties": {}}
    default_on_fail: ClassVar[str] = "block"
    can_mask: ClassVar[bool] = False
    can_fix: ClassVar[bool] = False
    inline: ClassVar[bool] = False
    stages: ClassVar[tuple[str, ...]] = ("input", "output")
    max_chars: ClassVar[int | None] = None

    def __init__(self, params: Mapping[str, Any] | None = None, *, stage: str = "output"):
        self.params: Mapping[str, Any] = params if params is not None else EMPTY
        self.stage = stage
        self.entry_id = self.name  # set to the spec entry's id by the compiler

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> Iterable[ParamIssue]:
        """Checks beyond the JSON Schema (a regex that does not compile, an unknown entity).

        Called when a spec is loaded, so problems are reported with file, line and path.
        """
        return ()

    @classmethod
    def is_async(cls) -> bool:
        return inspect.iscoroutinefunction(cls.validate)

    def link(self, spec: Any, resources: Mapping[str, Any]) -> None:
        """Called once at compile time with the whole spec and the caller's resources.

        ``spec`` is the :class:`~railguard.spec.model.Spec`, for validators that build on
        other entries of the same spec (Llama Guard taking custom categories from a
        ``denied_topics`` entry). ``resources`` holds Python objects a spec cannot
        (specs never execute code): ready boto3 clients or sessions, Python callables,
        passed as ``Guard.from_file(path, resources={...})``. Look first under your entry's
        id (``resources[self.entry_id]``, a mapping) and then at the top level, using
        :meth:`resource`. Raise ``ValueError`` with a clear message if something does not
        fit; it becomes a spec error at this entry.
        """
        self._resources = resources

    def resource(self, key: str, default: Any = None) -> Any:
        """A caller-supplied resource: ``resources[entry_id][key]``, else ``resources[key]``."""
        resources = getattr(self, "_resources", None) or {}
        own = resources.get(self.entry_id)
        if isinstance(own, Mapping) and key in own:
            return own[key]
        return resources.get(key, default)

    def setup(self) -> None:
        """Load heavy assets (models, word lists). Called once, before the first validate."""

    def validate(self, text: str, context: Context) -> Outcome:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.validate")

    # -- streaming ----------------------------------------------------------------------
    def lookahead(self) -> int | None:
        """Characters of look-ahead needed before text can be cleared in a stream.

        ``None`` means the whole text is needed (the stream is buffered to its end
        for this validator). Pattern validators return their longest possible match.
        """
        return None

    def chunk_policy(self) -> ChunkPolicy | None:
        """How texts longer than ``max_chars`` are split; None means no size limit.

        The default splits into chunks of ``max_chars`` that end on a sentence or word
        boundary, and re-checks 100 characters on each side of every boundary.
        """
        if self.max_chars is None:
            return None
        size = self.max_chars
        return ChunkPolicy(max_chars=size, chunk_chars=size, slack=max(1, size // 10), boundary_window=min(100, size // 4))

    def lookbehind(self) -> int | None:
        """Characters of left context needed to decide a match (word boundaries, context words
        before a value). Defaults to :meth:`lookahead`; a stream keeps this much released text
        in the window the validator sees."""
        return self.lookahead()

    def batch_chars(self) -> int | None:
        """For model-backed validators: validate a stream in batches of this many characters."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} stage={self.stage!r}>"
