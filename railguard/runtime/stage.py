"""One stage run: every validator on the same text, concurrently; then one decision.

:func:`run_stage` is a generator: it runs inline validators itself and yields a
:class:`Jobs` request for the others, which a driver (sync or async) runs and
answers. The decision never depends on completion order: precedence is
raise > block > reask > fix > mask > pass, fixes apply in spec order, and masks
from all validators are merged and applied once.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import Any, Generator, Sequence

from .._frozen import FrozenMap
from ..actions import Action, Kind
from ..errors import ValidatorError, ValidatorTimeout
from ..graph import Node, StageGraph
from ..results import Assessment, Outcome, Span, StageResult
from ..telemetry import state as _telemetry
from ..validator import Context
from .execute import Raw, run_sync

__all__ = ["Jobs", "Setup", "Started", "StageRun", "run_stage", "Decision", "merge_spans", "apply_masks",
           "apply_masks_ranges"]

log = logging.getLogger("railguard.runtime")


@dataclass(frozen=True)
class Setup:
    """Ask the driver to run ``setup()`` of these nodes (first use only)."""

    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Jobs:
    """Ask the driver to run these nodes on ``text`` and send back one Raw per node."""

    nodes: tuple[Node, ...]
    text: str
    contexts: tuple[Context, ...]
    stops: Any  # callable(node) -> callable(outcome) -> bool, for chunked runs


@dataclass(frozen=True)
class Started:
    """The driver's handle on running Jobs; yielding it back waits for their results."""

    handle: Any


@dataclass(frozen=True)
class StageRun:
    """A stage's public result plus what the caller needs to write masks back (merged regions)."""

    result: StageResult
    merged: tuple[tuple[int, int, Span, Node], ...] = ()
    fixed: bool = False


@dataclass(frozen=True)
class Decision:
    kind: Kind
    assessments: tuple[Assessment, ...]
    masks: tuple[tuple[Span, Node], ...]
    fix: str | None
    would: "Decision | None" = None  # with monitored validators enforcing; None if none of them failed


def _node_kind(node: Node, outcome: Outcome, actions: FrozenMap) -> tuple[Action, list[Span]]:
    """The action for a failed outcome, and the spans to mask if that action masks."""
    if outcome.action is not None:
        action = actions.get(outcome.action)
        if action is None:
            raise ValidatorError(f"outcome names unknown action {outcome.action!r}")
        return action, list(outcome.spans) if action.kind == Kind.MASK else []
    if not outcome.spans:
        return node.action, []
    strongest = None
    mask_spans: list[Span] = []
    for span in outcome.spans:
        action = node.action if span.action is None else actions.get(span.action)
        if action is None:
            raise ValidatorError(f"span names unknown action {span.action!r}")
        if action.kind == Kind.MASK:
            mask_spans.append(span)
        if strongest is None or action.kind > strongest.kind:
            strongest = action
    return strongest or node.action, mask_spans


def stopper(node: Node, actions: FrozenMap):
    def stops(outcome: Outcome) -> bool:
        try:
            action, _ = _node_kind(node, outcome, actions)
        except ValidatorError:
            return True
        return action.kind >= Kind.REASK
    return stops


_SKIP_MESSAGE = "not run: length blocked the stage first"


def decide(nodes: Sequence[Node], raws: Sequence[Raw], stage: str, guard: str,
           actions: FrozenMap) -> Decision:
    assessments: list[Assessment] = []
    strongest = Kind.PASS
    masks: list[tuple[Span, Node]] = []
    fix: str | None = None
    watched: list[tuple[Kind, list]] = []  # monitored failures: (kind, masks)
    any_fix: str | None = None  # the first fix in spec order, monitored validators included
    for node, raw in zip(nodes, raws):
        spec = node.spec
        if raw is SKIPPED:
            assessments.append(Assessment(spec.name, spec.id, stage, True, "none", _SKIP_MESSAGE, on_fail=spec.on_fail,
                                          monitored=node.monitor, skipped=True))
            continue
        if node.monitor:
            a, kind, mask_spans, fixed = _watch(node, raw, stage, actions)
            assessments.append(a)
            if not a.passed:
                watched.append((kind, [(sp, node) for sp in mask_spans]))
                any_fix = fixed if any_fix is None else any_fix
            continue
        latency_ms = raw.latency * 1000.0
        error = raw.error
        if error is None and raw.latency > spec.timeout_s:
            error = ValidatorTimeout(f"took {raw.latency:.3f}s, over its timeout of {spec.timeout_s:g}s")
        if error is not None:
            text = f"{type(error).__name__}: {error}" if not isinstance(error, ValidatorTimeout) else f"timeout: {error}"
            if spec.on_error == "allow":
                a = Assessment(spec.name, spec.id, stage, False, "allow", None, latency_ms=latency_ms, error=text,
                               checked_chars=raw.checked, on_fail=spec.on_fail)
            else:
                a = Assessment(spec.name, spec.id, stage, False, "block", "validator failed to run (on_error: block)",
                               latency_ms=latency_ms, error=text, checked_chars=raw.checked, on_fail=spec.on_fail)
                strongest = max(strongest, Kind.BLOCK)
            assessments.append(a)
            # Only the exception type is logged: its message might quote the text.
            log.warning("guard=%s stage=%s validator=%s could not run (%s); on_error=%s", guard, stage, spec.id,
                        type(error).__name__, spec.on_error)
            continue
        out = raw.outcome
        assert out is not None
        if out.passed:
            assessments.append(Assessment(spec.name, spec.id, stage, True, "none", None, out.spans, out.categories,
                                          out.score, latency_ms, None, out.details, out.usage, raw.checked,
                                          spec.on_fail))
            continue
        message = out.message
        try:
            action, mask_spans = _node_kind(node, out, actions)
        except ValidatorError as exc:
            action, mask_spans, message = actions["block"], [], f"{message} ({exc}; blocked)"
        kind = action.kind
        if kind == Kind.MASK and not mask_spans:
            action, kind = actions["block"], Kind.BLOCK
            message = f"{message} (mask asked for but no spans were reported; blocked)"
        if kind == Kind.FIX and out.fix is None:
            action, kind = actions["block"], Kind.BLOCK
            message = f"{message} (fix asked for but no fix value was given; blocked)"
        if kind == Kind.REASK and stage == "input":
            action, kind = actions["block"], Kind.BLOCK
        a = Assessment(spec.name, spec.id, stage, False, action.name, message, out.spans, out.categories, out.score,
                       latency_ms, None, out.details, out.usage, raw.checked, spec.on_fail)
        assessments.append(a)
        if kind == Kind.PASS:
            action.notify(a, guard)
        if kind == Kind.MASK:
            masks.extend((s, node) for s in mask_spans)
        if kind == Kind.FIX and fix is None:
            fix = out.fix
            any_fix = fix if any_fix is None else any_fix
        strongest = max(strongest, kind)
    would = None
    if watched:
        w_masks = list(masks) + [m for _, ms in watched for m in ms]
        would = Decision(max(strongest, *(k for k, _ in watched)), (), tuple(w_masks), any_fix)
    hub = _telemetry.hub
    if hub is not None:
        hub.decided(nodes, raws, assessments)
    return Decision(strongest, tuple(assessments), tuple(masks), fix, would)


def _watch(node: Node, raw: Raw, stage: str, actions: FrozenMap
           ) -> tuple[Assessment, Kind, list[Span], str | None]:
    """A monitored validator's verdict: recorded with the action enforce mode would take, never acted on."""
    spec = node.spec
    latency_ms = raw.latency * 1000.0
    error = raw.error
    if error is None and raw.latency > spec.timeout_s:
        error = ValidatorTimeout(f"took {raw.latency:.3f}s, over its timeout of {spec.timeout_s:g}s")
    if error is not None:
        text = f"timeout: {error}" if isinstance(error, ValidatorTimeout) else f"{type(error).__name__}: {error}"
        would = "allow" if spec.on_error == "allow" else "block"
        return (Assessment(spec.name, spec.id, stage, False, "none", None, latency_ms=latency_ms, error=text,
                           checked_chars=raw.checked, on_fail=spec.on_fail, monitored=True, would_action=would),
                Kind.PASS if would == "allow" else Kind.BLOCK, [], None)
    out = raw.outcome
    assert out is not None
    if out.passed:
        return (Assessment(spec.name, spec.id, stage, True, "none", None, out.spans, out.categories, out.score,
                           latency_ms, None, out.details, out.usage, raw.checked, spec.on_fail, monitored=True),
                Kind.PASS, [], None)
    try:
        action, mask_spans = _node_kind(node, out, actions)
    except ValidatorError:
        action, mask_spans = actions["block"], []
    if (action.kind == Kind.MASK and not mask_spans) or (action.kind == Kind.FIX and out.fix is None) or \
            (action.kind == Kind.REASK and stage == "input"):
        action, mask_spans = actions["block"], []
    a = Assessment(spec.name, spec.id, stage, False, "none", out.message, out.spans, out.categories, out.score,
                   latency_ms, None, out.details, out.usage, raw.checked, spec.on_fail, monitored=True,
                   would_action=action.name)
    return a, action.kind, mask_spans if action.kind == Kind.MASK else [], out.fix if action.kind == Kind.FIX else None


def merge_spans(masks: Sequence[tuple[Span, Node]]) -> list[tuple[int, int, Span, Node]]:
    """Union overlapping spans. Each merged region is labelled by its longest span (ties: earlier validator)."""
    order = {id(node): n for n, (_, node) in enumerate(masks)}
    items = sorted(masks, key=lambda sn: (sn[0].start, -sn[0].end))
    merged: list[tuple[int, int, Span, Node]] = []
    for span, node in items:
        if span.start == span.end:
            continue
        if merged and span.start < merged[-1][1]:
            start, end, label, lnode = merged[-1]
            better = (len(span), -order[id(node)]) > (len(label), -order[id(lnode)])
            merged[-1] = (start, max(end, span.end), span if better else label, node if better else lnode)
        else:
            merged.append((span.start, span.end, span, node))
    return merged


def apply_masks(text: str, merged: Sequence[tuple[int, int, Span, Node]], lo: int = 0, hi: int | None = None) -> str:
    """``text[lo:hi]`` with every merged region (clipped to the range) replaced by its placeholder."""
    hi = len(text) if hi is None else hi
    out: list[str] = []
    pos = lo
    for start, end, span, node in merged:
        s, e = max(start, lo), min(end, hi)
        if s >= e:
            continue
        out.append(text[pos:s])
        out.append(node.action.replacement(span, text[s:e], node.mask_format))
        pos = e
    out.append(text[pos:hi])
    return "".join(out)


def apply_masks_ranges(text: str, merged: Sequence[tuple[int, int, Span, Node]],
                       ranges: Sequence[tuple[int, int]]) -> list[str]:
    """``apply_masks(text, merged, lo, hi)`` for every (lo, hi) of ``ranges`` (sorted, disjoint), in one sweep:
    time linear in the text plus the regions, however many ranges (one per user turn) there are."""
    out: list[str] = []
    first = 0  # the first region that may still reach the current range (regions are sorted and disjoint)
    for lo, hi in ranges:
        while first < len(merged) and merged[first][1] <= lo:
            first += 1
        last = first
        while last < len(merged) and merged[last][0] < hi:
            last += 1
        out.append(apply_masks(text, merged[first:last], lo, hi) if last > first else text[lo:hi])
        if last > first and merged[last - 1][1] > hi:
            last -= 1  # a region straddling two ranges masks its part of the next one too
        first = last
    return out


# Gates: validators that judge only the text's size, in time linear in it and with no setup. They
# run before the others; when a gate's verdict blocks the stage (block or raise, or an error under
# on_error: block), the other validators are not run (a 10 MB text that `length` refuses is not
# scanned for PII) and are recorded as skipped. A monitored gate never stops anything.
GATES = frozenset({"length"})

# The Raw of a validator that was not run because a gate blocked the stage first.
SKIPPED = Raw(None, None, 0.0, 0)


def _gate_blocks(node: Node, raw: Raw, stage: str, actions: FrozenMap) -> bool:
    if raw.error is not None or raw.latency > node.spec.timeout_s:
        return node.spec.on_error != "allow"
    out = raw.outcome
    if out is None or out.passed:
        return False
    try:
        action, _ = _node_kind(node, out, actions)
    except ValidatorError:
        return True
    return action.kind >= Kind.BLOCK or (action.kind == Kind.REASK and stage == "input")


def collect(sg: StageGraph, text: str, base: Context, actions: FrozenMap) -> Generator[Any, Any, list[Raw]]:
    """Run every node of ``sg`` on ``text``: one Raw per node, in node order; gates first (see GATES)."""
    nodes = sg.nodes
    gates = [i for i, n in enumerate(nodes) if n.spec.name in GATES and n.mode == "inline" and not n.monitor]
    if not gates or len(gates) == len(nodes):
        return (yield from _collect(sg, nodes, text, base, actions))
    raws: list[Raw] = [SKIPPED] * len(nodes)
    gate_raws = yield from _collect(sg, tuple(nodes[i] for i in gates), text, base, actions)
    for i, raw in zip(gates, gate_raws):
        raws[i] = raw
    if any(_gate_blocks(nodes[i], raw, sg.stage, actions) for i, raw in zip(gates, gate_raws)):
        return raws
    gated = set(gates)
    rest = [i for i in range(len(nodes)) if i not in gated]
    rest_raws = yield from _collect(sg, tuple(nodes[i] for i in rest), text, base, actions)
    for i, raw in zip(rest, rest_raws):
        raws[i] = raw
    return raws


def _collect(sg: StageGraph, nodes: tuple[Node, ...], text: str, base: Context, actions: FrozenMap
             ) -> Generator[Any, Any, list[Raw]]:
    unready = tuple(n for n in nodes if not n._ready.done)
    failed = (yield Setup(unready)) if unready else {}  # the driver answers {node: error} for failed setups
    contexts = [Context(sg.stage, n.spec.id, base.guard, base.messages, base.metadata, base.final, base.offset,
                        base.total_chars) for n in nodes]
    raws: list[Raw | None] = [None] * len(nodes)
    remote = []
    for i, node in enumerate(nodes):
        if node in failed:
            raws[i] = Raw(None, failed[node], 0.0, 0)
        elif node.mode != "inline":
            remote.append(i)
    if remote:
        # Remote jobs first, so they run while the inline validators work in this thread.
        started = yield Jobs(tuple(nodes[i] for i in remote), text, tuple(contexts[i] for i in remote),
                             lambda node: stopper(node, actions))
    for i, node in enumerate(nodes):
        if raws[i] is None and node.mode == "inline":
            raws[i] = run_sync(node, text, contexts[i], stopper(node, actions))
    if remote:
        results = yield started
        for i, raw in zip(remote, results):
            raws[i] = raw
    return raws  # type: ignore[return-value]


def _evaluate(sg: StageGraph, text: str, base: Context, actions: FrozenMap) -> Generator[Any, Any, Decision]:
    raws = yield from collect(sg, text, base, actions)
    return decide(sg.nodes, raws, sg.stage, base.guard, actions)


def run_stage(sg: StageGraph, text: str, base: Context, actions: FrozenMap) -> Generator[Any, Any, StageRun]:
    """Run a stage to its final text: masks applied, fixes applied and checked again."""
    gen = _run_stage(sg, text, base, actions)
    hub = _telemetry.hub
    return gen if hub is None or hub.tracer is None or not sg.nodes else hub.stage(gen, sg, len(text))


def _run_stage(sg: StageGraph, text: str, base: Context, actions: FrozenMap) -> Generator[Any, Any, StageRun]:
    t0 = time.perf_counter()
    original = text
    if not sg.nodes:
        return StageRun(StageResult(sg.stage, text, False, False, (), len(text), len(text), 0.0, source_text=text))
    # A fix is checked again; one round per fixing validator, then a failing fix fails closed.
    rounds = 1 + sg.fixers
    fixed_by: dict[str, Assessment] = {}
    decision = None
    would = None
    passed_first: set[str] = set()
    for n in range(rounds + 1):
        decision = yield from _evaluate(sg, text, base, actions)
        if n == 0:
            would = decision.would
            passed_first = {a.id for a in decision.assessments if a.passed and not a.skipped}
        if decision.kind != Kind.FIX:
            break
        for a in decision.assessments:
            if a.action == "fix" and a.id not in fixed_by:
                fixed_by[a.id] = a
        text = decision.fix  # type: ignore[assignment]
    assert decision is not None
    assessments = tuple(fixed_by.get(a.id, a) if a.passed else a for a in decision.assessments)
    if fixed_by:
        # A check the original text passed and the fixed text fails was broken by the fix (length cutting
        # JSON that json_schema accepted): say so, rather than report the fixed text's fault as the answer's.
        by = ", ".join(fixed_by)
        assessments = tuple(
            replace(a, message=f"after the fix by {by} (the text passed this check before that fix): {a.message}")
            if not a.passed and a.id in passed_first and a.id not in fixed_by else a for a in assessments)
    ran = [a.checked_chars for a in assessments if not a.skipped]
    checked = min(ran) if ran else 0
    kind = decision.kind
    latency = (time.perf_counter() - t0) * 1000.0
    fixed = bool(fixed_by)
    run = _finish_stage(sg, text, original, kind, decision, assessments, checked, latency, fixed)
    if would is None:
        return run
    w_action, w_text = _would(sg, original, would)
    return StageRun(replace(run.result, would_action=w_action, would_text=w_text), run.merged, run.fixed)


def _would(sg: StageGraph, original: str, would: Decision) -> tuple[str, str | None]:
    """The action (by kind) and the text the stage would have produced with monitored validators enforcing."""
    kind = would.kind
    name = "none" if kind == Kind.PASS else kind.name.lower()
    if kind >= Kind.BLOCK:
        return name, sg.blocked_message
    if kind == Kind.REASK:
        return name, None
    if kind == Kind.FIX:
        return name, would.fix
    if kind == Kind.MASK:
        return name, apply_masks(original, merge_spans(would.masks))
    return name, original


def _finish_stage(sg: StageGraph, text: str, original: str, kind: Kind, decision: Decision,
                  assessments: tuple[Assessment, ...], checked: int, latency: float, fixed: bool) -> StageRun:
    if kind in (Kind.FIX, Kind.BLOCK, Kind.RAISE):  # a fix that keeps failing fails closed
        return StageRun(StageResult(sg.stage, sg.blocked_message, True, True, assessments, len(original), checked,
                                    latency, raise_=kind == Kind.RAISE, source_text=original), (), fixed)
    if kind == Kind.REASK:
        merged = tuple(merge_spans([m for m in decision.masks]))
        return StageRun(StageResult(sg.stage, text, False, text != original, assessments, len(original), checked,
                                    latency, reask=True, source_text=original), merged, fixed)
    merged = tuple(merge_spans(decision.masks)) if kind == Kind.MASK else ()
    if merged:
        text = apply_masks(text, merged)
    return StageRun(StageResult(sg.stage, text, False, text != original, assessments, len(original), checked,
                                latency, source_text=original), merged, fixed)
