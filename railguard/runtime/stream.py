"""Guarding a streamed answer: bounded hold-back, nothing released before every validator cleared it.

This is the same runtime as the non-streaming path run over growing text: the same
stage ops (Setup, Jobs, Started), the same validators and actions, plus four stream
ops a driver answers: :class:`OpenStream`, :class:`Pull` (the next piece, or None at
the end), :class:`Poll` (non-blocking check of running jobs) and :class:`Emit` (hand
text to the consumer).

Each output validator plays one of two roles:

- **window** (it declares ``lookahead()``): run on the unreleased text plus a left
  context after every incoming piece. A span ending more than ``lookahead`` characters
  before the end is settled; text before the earliest unsettled span is cleared.
- **batch** (it declares ``batch_chars()``, model-backed validators): run on batches of
  about that many characters cut at a sentence or word boundary, concurrently with the
  model still generating; a batch's text is cleared when its call returns.

Text is released up to the point every validator cleared, never cutting through a
span to be masked; masks are applied in place before release. ``block`` stops the
stream with the spec's blocked message. A validator that needs the whole text
(``lookahead()`` is None and no ``batch_chars()``), any ``fix``, and ``reask`` (unless
``settings.stream_reask`` is ``block``) make the stream **buffered**: the whole answer is
collected, checked exactly as a non-streamed answer (reasks included) and released once.
"""

from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any, Generator

from .._frozen import EMPTY, FrozenMap
from ..actions import Kind
from ..errors import ModelError, ValidatorError, ValidatorTimeout
from ..graph import GuardGraph, Node, StageGraph
from ..messages import Conversation
from ..results import Assessment, GuardResult, Span, StageResult
from ..telemetry import state as _telemetry
from ..text.normalize import visible_len
from ..validator import Context
from .execute import Raw
from .flow import _result, input_part, output_part
from .stage import Started, _node_kind, apply_masks, collect, merge_spans

__all__ = ["OpenStream", "Pull", "Poll", "Emit", "StreamClosed", "StreamPlan", "plan_stream", "stream_flow"]

BATCH_BACKLOG = 4  # batches in flight before the stream waits for the oldest (memory bound)
# A window validator's look-ahead counts characters a reader sees: invisible ones (zero-width spaces, soft
# hyphens, bidi controls: what detectors drop before matching) in the held-back tail do not use it up, so
# "E1<ZWSP>2<ZWSP>3..." is held back whole. The tail grows by at most this many times the look-ahead for them
# (bounded hold-back); denser invisible runs than that are cut as written characters.
INVISIBLE_SLACK = 3


@dataclass(frozen=True)
class OpenStream:
    conversation: Conversation


@dataclass(frozen=True)
class Pull:
    pass


@dataclass(frozen=True)
class Poll:
    handle: Any


@dataclass(frozen=True)
class Emit:
    text: str


class StreamClosed(BaseException):
    """Thrown into a stream flow at the Emit the consumer stopped after (an early ``break``, ``close()``):
    the flow returns the result decided so far instead of reading more of the model's stream.
    A BaseException, like GeneratorExit, so that no ``except Exception`` on the way swallows it."""


PULL = Pull()


@dataclass(frozen=True)
class StreamPlan:
    mode: str  # "incremental" | "buffered"
    reason: str
    window: tuple[tuple[Node, int], ...] = ()  # (node, lookahead)
    batch: tuple[tuple[Node, int], ...] = ()  # (node, batch characters)


def plan_stream(graph: GuardGraph) -> StreamPlan:
    """Decide, once per stream, how each output validator takes part."""
    window, batch = [], []
    reask_blocks = graph.spec.settings.stream_reask == "block"
    for node in graph.output.nodes:
        if node.monitor and node.kind in (Kind.FIX, Kind.REASK):
            pass  # never acts: its fix or reask cannot force buffering
        elif node.kind == Kind.FIX:
            return StreamPlan("buffered", f"{node.id} fixes the whole answer (on_fail: fix)")
        elif node.kind == Kind.REASK and not reask_blocks:
            return StreamPlan("buffered", f"{node.id} may reask (settings.stream_reask: buffer)")
        size = node.validator.batch_chars()
        if size is not None:
            if size <= 0:
                return StreamPlan("buffered", f"{node.id} declares batch_chars {size}")
            batch.append((node, int(size)))
            continue
        look = node.validator.lookahead()
        if look is None:
            return StreamPlan("buffered", f"{node.id} needs the whole answer (no look-ahead)")
        window.append((node, max(0, int(look))))
    return StreamPlan("incremental", "every output validator declares look-ahead or batches",
                      tuple(window), tuple(batch))


@dataclass
class _Track:
    """What one validator did over the whole stream, for its single final assessment."""

    node: Node
    calls: int = 0
    latency_ms: float = 0.0
    spans: dict = field(default_factory=dict)
    categories: list = field(default_factory=list)
    action: Any = None  # the strongest Action taken
    message: str | None = None
    error: str | None = None
    usage: dict = field(default_factory=dict)
    score: float | None = None
    details: Any = EMPTY

    def ran(self, raw: Raw) -> None:
        if raw.span is not None:  # a traced run: its span closes here (the stream's verdict is cumulative)
            _telemetry.end_span(raw.span)
        self.calls += 1
        self.latency_ms += raw.latency * 1000.0
        if raw.outcome is not None:
            for k, v in raw.outcome.usage.items():
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    self.usage[k] = self.usage.get(k, 0) + v
            if raw.outcome.details:
                self.details = raw.outcome.details

    def took(self, action: Any, message: str | None, categories: tuple = (), score: float | None = None) -> None:
        if self.action is None or action.kind > self.action.kind:
            self.action = action
        self.message = self.message or message
        for c in categories:
            if c not in self.categories:
                self.categories.append(c)
        if score is not None:
            self.score = score if self.score is None else max(self.score, score)

    def assessment(self, checked: int) -> Assessment:
        spec = self.node.spec
        failed = self.action is not None or self.error is not None
        action = self.action.name if self.action is not None else ("allow" if self.error else "none")
        monitored = self.node.monitor
        return Assessment(spec.name, spec.id, "output", not failed, "none" if monitored else action, self.message,
                          tuple(sorted(self.spans.values())), tuple(self.categories), self.score, self.latency_ms,
                          self.error, FrozenMap(dict(self.details)), FrozenMap(self.usage), checked, spec.on_fail,
                          monitored=monitored, would_action=action if monitored and failed else None)


def _behind(node: Node, look: int) -> int:
    behind = node.validator.lookbehind()
    return look if behind is None else max(0, int(behind))


class _Stop(Exception):
    """The stream must stop: a validator blocked (or errored with on_error: block)."""

    def __init__(self, track: _Track, kind: Kind):
        self.track = track
        self.kind = kind


_BOUNDARY = re.compile(r"[.!?\n][\"')\]]*\s+|\s+")


def _batch_cut(text: str, start: int, size: int, final: bool) -> int | None:
    """End of the next batch beginning at ``start``: at most ``size`` characters, ending on a sentence
    end or whitespace in its last half; None if there is not yet a full batch."""
    avail = len(text) - start
    if avail <= 0:
        return None
    if avail < size:
        return len(text) if final else None
    hard = start + size
    best = None
    for m in _BOUNDARY.finditer(text, start + size // 2, hard):
        best = m.end()
        if text[m.start()] in ".!?\n":
            sentence = m.end()
            best = sentence
    return best if best is not None and best > start else hard


class _Incremental:
    def __init__(self, graph: GuardGraph, plan: StreamPlan, messages: tuple, metadata: FrozenMap):
        self.graph = graph
        self.plan = plan
        self.messages = messages
        self.metadata = metadata
        self.actions = graph.actions
        self.reask_as_block = graph.spec.settings.stream_reask == "block"
        self.tracks = {id(n): _Track(n) for n in graph.output.nodes}
        self.context_chars = max((_behind(n, look) for n, look in plan.window), default=0)
        self.max_look = max((look for _, look in plan.window), default=0)
        self.window_sg = StageGraph("output", tuple(n for n, _ in plan.window), graph.output.blocked_message)
        self.batch_nodes = tuple(n for n, _ in plan.batch)
        self.batch_size = min((size for _, size in plan.batch), default=0)
        self.batch_sg = StageGraph("output", self.batch_nodes, graph.output.blocked_message)
        # Text: ``win`` holds text[base:], the unreleased text plus a left context.
        self.base = 0
        self.win = ""
        self.pieces: list[str] = []
        self.released = 0
        self.frontier = 0
        self.remote_clear = 0
        self.batches: deque = deque()
        self.masks: dict[tuple, tuple[Span, Node]] = {}
        self.max_held = 0
        self.violations = 0

    @property
    def total(self) -> int:
        return self.base + len(self.win)

    # -- acting on one validator's verdict -------------------------------------------------------
    def _kind(self, action: Any) -> Kind:
        kind = action.kind
        return Kind.BLOCK if kind == Kind.REASK and self.reask_as_block else kind

    def _error(self, track: _Track, raw: Raw) -> bool:
        """Handle an error or timeout; True if the validator's verdict is unusable (then on_error decides)."""
        error = raw.error
        if error is None and raw.latency > track.node.spec.timeout_s:
            error = ValidatorTimeout(f"took {raw.latency:.3f}s, over its timeout of {track.node.spec.timeout_s:g}s")
        if error is None:
            return False
        text = f"timeout: {error}" if isinstance(error, ValidatorTimeout) else f"{type(error).__name__}: {error}"
        track.error = track.error or text
        if track.node.spec.on_error != "allow":
            track.took(self.actions["block"], "validator failed to run (on_error: block)")
            raise _Stop(track, Kind.BLOCK)
        return True

    def _apply(self, track: _Track, raw: Raw, offset: int, horizon: int | None) -> int:
        """Record a verdict on text starting at ``offset``; return how far this validator clears.

        ``horizon`` is ``total - lookahead``: the validator may still change its mind about spans
        starting after it, and clears the text before it. None: the text is final for this validator."""
        node = track.node
        clear = self.total if horizon is None else max(horizon, self.released)
        if node.monitor:
            self._watch(track, raw, offset)
            return self.total
        if self._error(track, raw):
            return self.total  # on_error: allow (fail-open, recorded)
        out = raw.outcome
        assert out is not None
        if out.passed:
            return clear
        try:
            action, _ = _node_kind(node, out, self.actions)
        except ValidatorError as exc:
            track.took(self.actions["block"], f"{out.message} ({exc}; blocked)")
            raise _Stop(track, Kind.BLOCK) from None
        if not out.spans:
            kind = self._kind(action)
            if kind == Kind.PASS:
                track.took(action, out.message, out.categories, out.score)
                return clear
            if kind == Kind.MASK:  # mask without spans: blocked, as in a non-streamed stage
                action, kind = self.actions["block"], Kind.BLOCK
            track.took(action, out.message, out.categories, out.score)
            raise _Stop(track, kind)
        for span in out.spans:
            g = span.shifted(offset)
            if g.end <= self.released or (g.start, g.end, g.type) in track.spans:
                continue  # seen before: already acted on
            if horizon is not None and g.start > horizon:
                continue  # may still grow or vanish: decided when more text arrives
            if g.start < self.released:  # the validator's look-ahead was too small: mask what is left
                self.violations += 1
                g = Span(self.released, g.end, g.type, g.score, g.action, g.explanation)
            span_action = (self.actions.get(out.action) if out.action is not None else
                           node.action if span.action is None else self.actions.get(span.action))
            if span_action is None:
                span_action = self.actions["block"]
            kind = self._kind(span_action)
            track.spans.setdefault((g.start, g.end, g.type), g)
            track.took(span_action, out.message, out.categories, out.score)
            if kind >= Kind.REASK:
                raise _Stop(track, kind)
            if kind == Kind.MASK:
                self.masks.setdefault((g.start, g.end, g.type, node.spec.id), (g, node))
        return clear

    def _horizon(self, look: int) -> int:
        """Where the last ``look`` visible characters of the text start (see ``INVISIBLE_SLACK``)."""
        end = self.total
        start = end - look
        lowest = max(self.base, end - (1 + INVISIBLE_SLACK) * look)
        if start <= lowest:
            return max(start, self.base)
        seen = visible_len(self.win[start - self.base:])
        while seen < look and start > lowest:
            wider = max(lowest, start - (look - seen))
            seen += visible_len(self.win[wider - self.base:start - self.base])
            start = wider
        return start

    def _watch(self, track: _Track, raw: Raw, offset: int) -> None:
        """A monitored validator: record what it would do (its strongest action, its spans), never act."""
        error = raw.error
        if error is None and raw.latency > track.node.spec.timeout_s:
            error = ValidatorTimeout(f"took {raw.latency:.3f}s, over its timeout of {track.node.spec.timeout_s:g}s")
        if error is not None:
            text = f"timeout: {error}" if isinstance(error, ValidatorTimeout) else f"{type(error).__name__}: {error}"
            track.error = track.error or text
            if track.node.spec.on_error != "allow":
                track.took(self.actions["block"], "validator failed to run (on_error: block)")
            return
        out = raw.outcome
        if out is None or out.passed:
            return
        try:
            action, _ = _node_kind(track.node, out, self.actions)
        except ValidatorError:
            action = self.actions["block"]
        if (action.kind == Kind.MASK and not out.spans) or self._kind(action) != action.kind:
            action = self.actions["block"]
        for span in out.spans:
            g = span.shifted(offset)
            track.spans.setdefault((g.start, g.end, g.type), g)
        track.took(action, out.message, out.categories, out.score)

    # -- one step --------------------------------------------------------------------------------
    def step(self, final: bool) -> Generator[Any, Any, None]:
        if self.batch_nodes:
            yield from self._batches(final)
        remote_clear = self.remote_clear if self.batch_nodes else self.total
        local_clear = self.released if self.window_sg.nodes else self.total
        # Window validators run only when their verdict could release something: once the text
        # outgrows the longest look-ahead past the released point, and not while every new
        # character still waits for a remote batch (blocks are found when they do run).
        could = min(self.total if final else self.total - self.max_look, remote_clear)
        if self.window_sg.nodes and (final or could > self.released):
            ctx = Context("output", "", self.graph.name, self.messages, self.metadata, final, self.base, None)
            local_clear = self.total
            raws = yield from collect(self.window_sg, self.win, ctx, self.actions)
            for (node, look), raw in zip(self.plan.window, raws):
                track = self.tracks[id(node)]
                track.ran(raw)
                horizon = None if final else self._horizon(look)
                local_clear = min(local_clear, self._apply(track, raw, self.base, horizon))
        release = max(min(local_clear, remote_clear), self.released)
        live = [(s, n) for s, n in self.masks.values() if s.end > self.released]
        merged = merge_spans(live)
        for start, end, _, _ in merged:
            if start < release < end:
                # Never cut a masked region: release through it when every validator is done with
                # the text it covers (it is replaced as a whole), else stop before it.
                release = end if end <= remote_clear else start
        if release > self.released:
            lo, hi = self.released - self.base, release - self.base
            shifted = [(s - self.base, e - self.base, sp, nd) for s, e, sp, nd in merged]
            text = apply_masks(self.win, shifted, lo, hi)
            self.released = release
            self.masks = {k: v for k, v in self.masks.items() if v[0].end > release}
            yield Emit(text)
        keep_from = max(self.base, min(self.released - self.context_chars, self.frontier if self.batch_nodes
                                       else self.released))
        if keep_from > self.base:
            self.win = self.win[keep_from - self.base:]
            self.base = keep_from
        self.max_held = max(self.max_held, self.total - self.released)

    def _batches(self, final: bool) -> Generator[Any, Any, None]:
        while True:
            cut = _batch_cut(self.win, self.frontier - self.base, self.batch_size, final)
            if cut is None:
                break
            end = self.base + cut
            text = self.win[self.frontier - self.base:cut]
            ctx = Context("output", "", self.graph.name, self.messages, self.metadata, final and end == self.total,
                          self.frontier, None)
            raws_gen = collect(self.batch_sg, text, ctx, self.actions)
            # Drive collect() up to its Started request without waiting, so the batch runs while the
            # model keeps generating; its results are picked up by Poll/Started below.
            handle = yield from _start_only(raws_gen)
            self.batches.append((self.frontier, end, handle, raws_gen))
            self.frontier = end
        while self.batches:
            start, end, handle, raws_gen = self.batches[0]
            if not isinstance(handle, Started):
                results = handle  # no remote job (inline validators, or setups that failed)
            elif final or len(self.batches) > BATCH_BACKLOG:
                results = yield handle
            else:
                results = yield Poll(handle.handle)
                if results is None:
                    break
            raws = _finish(raws_gen, results)
            for node, raw in zip(self.batch_nodes, raws):
                track = self.tracks[id(node)]
                track.ran(raw)
                self._apply(track, raw, start, None)
            self.remote_clear = end
            self.batches.popleft()


def _start_only(gen: Generator[Any, Any, Any]) -> Generator[Any, Any, Any]:
    """Advance a collect() generator through Setup and Jobs; return its Started handle (or its raws)."""
    value = None
    while True:
        try:
            op = gen.send(value)
        except StopIteration as stop:
            return ("done", stop.value)
        if isinstance(op, Started):
            return op
        value = yield op


def _finish(gen: Generator[Any, Any, Any], results: Any) -> list[Raw]:
    if isinstance(results, tuple) and len(results) == 2 and results[0] == "done":
        return results[1]
    try:
        gen.send(results)
    except StopIteration as stop:
        return stop.value
    raise RuntimeError("collect() asked for more than one wait")  # pragma: no cover


def _units(usage: dict) -> float:
    """Text units sent, as validators report them under a key ``text_units`` or ``*_text_units``
    (the per-policy units a service bills are kept in usage as they come)."""
    return sum(v for k, v in usage.items()
               if (k == "text_units" or k.endswith("_text_units")) and isinstance(v, (int, float)))


def stream_flow(graph: GuardGraph, conversation: Conversation, metadata: FrozenMap = EMPTY,
                t0: float | None = None) -> Generator[Any, Any, GuardResult]:
    """Input stage, then the model's stream guarded by the output stage; yields stream ops."""
    gen = _stream_flow(graph, conversation, metadata, t0)
    hub = _telemetry.hub
    return gen if hub is None else hub.flow(gen, graph, "stream", None, None)


def _stream_flow(graph: GuardGraph, conversation: Conversation, metadata: FrozenMap,
                 t0: float | None) -> Generator[Any, Any, GuardResult]:
    t0 = time.perf_counter() if t0 is None else t0
    settings = graph.spec.settings
    raising = settings.on_block == "raise"
    stats: dict[str, Any] = {"mode": "", "reason": "", "chars_in": 0, "pieces_in": 0, "released_chars": 0,
                             "max_held_back": 0, "validator_calls": 0, "text_units": 0, "ttfb_ms": None}
    emitted: list[str] = []

    def emit(text: str) -> Emit:
        if stats["ttfb_ms"] is None and text:
            stats["ttfb_ms"] = round((time.perf_counter() - t0) * 1000.0, 3)
        emitted.append(text)
        stats["released_chars"] += len(text)
        return Emit(text)

    def result(model_called: bool = True, **kw: Any) -> GuardResult:
        # The consumer saw the emitted text: that is the output, whatever the stages say.
        return replace(_result(graph, t0, output="".join(emitted), model_called=model_called, **kw),
                       stream=FrozenMap(stats))

    input_result, sent = yield from input_part(graph, conversation, metadata)
    if sent is None:
        assert input_result is not None
        stats.update(mode="blocked-input", reason="the input stage blocked")
        if not (raising or input_result.raise_):
            try:
                yield emit(input_result.text)
            except StreamClosed:
                stats["closed_early"] = True
        return result(input=input_result, blocked_stage="input", model_called=False)
    yield OpenStream(sent)
    plan = plan_stream(graph)
    stats.update(mode=plan.mode, reason=plan.reason)
    if plan.mode == "buffered":
        pieces: list[str] = []
        try:
            while (piece := (yield PULL)) is not None:
                pieces.append(piece)
                stats["pieces_in"] += 1
                stats["chars_in"] += len(piece)
                stats["max_held_back"] = stats["chars_in"]
        except ModelError as exc:
            stats["error"] = str(exc)
            return result(input=input_result)
        res, reasks = yield from output_part(graph, sent, "".join(pieces), metadata)
        stats["validator_calls"] = len(graph.output.nodes) * (1 + len(reasks))
        usage: dict[str, Any] = {}
        for a in [*res.assessments, *(x for r in reasks for x in r.stage.assessments)]:
            for k, v in a.usage.items():
                usage[k] = usage.get(k, 0) + v
        stats["text_units"] = _units(usage)
        if res.text and not (res.blocked and (raising or res.raise_)):
            try:
                yield emit(res.text)
            except StreamClosed:
                stats["closed_early"] = True
        return result(input=input_result, output_stage=res, reasks=reasks,
                      blocked_stage="output" if res.blocked else None)

    engine = _Incremental(graph, plan, sent.messages, metadata)
    stop: _Stop | None = None
    error: ModelError | None = None
    try:
        while True:
            try:
                piece = yield PULL
            except ModelError as exc:
                error = exc
                break
            if piece is None:
                yield from _relay(engine.step(True), emit)
                break
            engine.win += piece
            engine.pieces.append(piece)
            stats["pieces_in"] += 1
            stats["chars_in"] += len(piece)
            yield from _relay(engine.step(False), emit)
    except _Stop as s:
        stop = s
    except StreamClosed:
        # The consumer stopped reading: the result holds what was decided up to here. Validators
        # had cleared everything released; nothing more is read from the model.
        stats["closed_early"] = True
    closed = bool(stats.get("closed_early"))
    stats["max_held_back"] = engine.max_held
    stats["validator_calls"] = sum(t.calls for t in engine.tracks.values())
    stats["text_units"] = _units({k: v for t in engine.tracks.values() for k, v in t.usage.items()})
    if engine.violations:
        stats["lookahead_violations"] = engine.violations
    released_text = "".join(emitted)
    blocked = stop is not None
    stage_text = released_text
    if blocked:
        stage_text = graph.output.blocked_message
        if not (raising or stop.kind == Kind.RAISE):
            try:
                yield emit(graph.output.blocked_message)
            except StreamClosed:
                stats["closed_early"] = True
    if error is not None:
        stats["error"] = str(error)
    source = "".join(engine.pieces)
    checked = engine.total if error is None and not closed else engine.released
    assessments = tuple(t.assessment(checked) for t in engine.tracks.values())
    if engine.reask_as_block:  # what was done is a block: say so, and why
        assessments = tuple(replace(a, action="block", message=f"{a.message} (settings.stream_reask: block)")
                            if a.action == "reask" else a for a in assessments)
    would_action = would_text = None
    if any(t.node.monitor and t.action is not None for t in engine.tracks.values()):
        would = max(t.action.kind for t in engine.tracks.values() if t.action is not None)
        would_action = "none" if would == Kind.PASS else would.name.lower()
        would_text = graph.output.blocked_message if would >= Kind.BLOCK else None
    out_stage = StageResult("output", stage_text, blocked, blocked or released_text != source, assessments,
                            len(source), checked, (time.perf_counter() - t0) * 1000.0,
                            raise_=blocked and stop.kind == Kind.RAISE, would_action=would_action,
                            would_text=would_text, source_text=source)
    for t in engine.tracks.values():
        if t.action is not None and t.action.kind == Kind.PASS and not t.node.monitor:
            t.action.notify(t.assessment(checked), graph.name)
    return result(input=input_result, output_stage=out_stage, blocked_stage="output" if blocked else None)


def _relay(gen: Generator[Any, Any, None], emit: Any) -> Generator[Any, Any, None]:
    """Pass a step's ops through, recording Emit ops on the way (first-byte time, released text)."""
    value = None
    while True:
        try:
            op = gen.send(value)
        except StopIteration:
            return
        if isinstance(op, Emit):
            value = yield emit(op.text)
        else:
            value = yield op
