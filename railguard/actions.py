"""On-fail actions.

An action has a ``name`` (what specs write in ``on_fail``) and a ``kind`` that fixes
how it combines with the other validators of a stage. Precedence, strongest first:

    raise > block > reask > fix > mask > pass

``raise`` and ``block`` stop the stage (a blocked input never reaches the model);
``reask`` (output stage only) asks the model again; ``fix`` replaces the text with the
validator's fix value, after which the stage runs again on the fixed text; ``mask``
replaces spans, merged across validators and applied once; ``pass`` kinds (``log``)
record and let the text through.

Plugins add actions through ``register_actions``: a ``mask`` kind overrides
:meth:`Action.replacement` (hash, redact, ...), a ``pass`` kind overrides
:meth:`Action.notify` (alerting, metrics).
"""

from __future__ import annotations

import enum
import logging
import re
from typing import TYPE_CHECKING, ClassVar

from .results import Span

if TYPE_CHECKING:  # pragma: no cover
    from .results import Assessment

__all__ = ["Action", "Kind", "BUILTIN_ACTIONS", "DEFAULT_MASK_FORMAT", "render_mask"]

DEFAULT_MASK_FORMAT = "{TYPE}"

log = logging.getLogger("railguard.actions")


class Kind(enum.IntEnum):
    """Action kinds, ordered by precedence (a higher value wins within a stage)."""

    PASS = 0
    MASK = 1
    FIX = 2
    REASK = 3
    BLOCK = 4
    RAISE = 5


_TYPE_TOKEN = re.compile(r"(?<![A-Za-z])TYPE(?![A-Za-z])")


def render_mask(mask_format: str, span_type: str) -> str:
    """Fill a mask format: the token ``TYPE`` becomes the span's type, so the default ``{TYPE}``
    gives Bedrock's ``{EMAIL}``, ``[TYPE]`` gives ``[EMAIL]`` and ``***`` stays ``***``.
    Nothing else is expanded (a format is never a code template)."""
    return _TYPE_TOKEN.sub(lambda _: span_type, mask_format)


class Action:
    name: ClassVar[str] = ""
    kind: ClassVar[Kind] = Kind.PASS
    description: ClassVar[str] = ""
    input_stage: ClassVar[bool] = True
    output_stage: ClassVar[bool] = True

    def replacement(self, span: Span, fragment: str, mask_format: str) -> str:
        """For mask kinds: the text that replaces ``fragment`` (never a part of it)."""
        return render_mask(mask_format, span.type)

    def notify(self, assessment: "Assessment", guard: str) -> None:
        """Called once for every failed assessment handled by this action."""

    def __repr__(self) -> str:
        return f"<Action {self.name} ({self.kind.name.lower()})>"


class Block(Action):
    name = "block"
    kind = Kind.BLOCK
    description = "Replace the text with the spec's blocked message; a blocked input never reaches the model."


class Raise(Action):
    name = "raise"
    kind = Kind.RAISE
    description = "Raise GuardBlocked carrying the full result."


class Reask(Action):
    name = "reask"
    kind = Kind.REASK
    input_stage = False
    description = "Call the model again with the failures explained, up to settings.max_reasks, then block."


class Fix(Action):
    name = "fix"
    kind = Kind.FIX
    description = "Replace the text with the validator's fix value, then check the fixed text again."


class Mask(Action):
    name = "mask"
    kind = Kind.MASK
    description = "Replace each detected span with a placeholder such as {EMAIL}."


class Log(Action):
    name = "log"
    kind = Kind.PASS
    description = "Record the failure (logger 'railguard.actions', no matched text) and let the text through."

    def notify(self, assessment: "Assessment", guard: str) -> None:
        if log.isEnabledFor(logging.WARNING):
            spans = ", ".join(f"{s.type}@{s.start}-{s.end}" for s in assessment.spans)
            log.warning("guard=%s stage=%s validator=%s failed: %s%s", guard, assessment.stage, assessment.id,
                        assessment.message or assessment.error or "", f" [{spans}]" if spans else "")


BUILTIN_ACTIONS: tuple[type[Action], ...] = (Block, Raise, Reask, Fix, Mask, Log)


from .hookspecs import hookimpl  # noqa: E402  (the built-in actions register like any plugin)


@hookimpl
def register_actions() -> list[type[Action]]:
    return list(BUILTIN_ACTIONS)
