"""The per-call scan state shared by the recognizers: the text, lazily derived views of it,
the context-word index, and the candidate spans found so far."""

from __future__ import annotations

import time

__all__ = ["Scan", "ascii_lower", "ScanBudgetExceeded"]


class ScanBudgetExceeded(TimeoutError):
    """The scan ran out of its time budget before reaching the end of the text (fail closed)."""


_ASCII_LOWER = {c: c + 32 for c in range(65, 91)}


def ascii_lower(text: str) -> str:
    """``text`` lower-cased without changing its length (``str.lower`` can: 'İ' becomes two
    characters), so offsets into the result are offsets into ``text``."""
    low = text.lower()
    return low if len(low) == len(text) else text.translate(_ASCII_LOWER)


class Scan:
    """One validate call's working state. Recognizers append ``(start, end, type, score, why)``."""

    __slots__ = ("text", "n", "_lower", "_rev", "_ctx", "_automata", "out", "deadline", "_ticks")

    def __init__(self, text: str, automata=None, deadline: float | None = None) -> None:
        self.text = text
        self.n = len(text)
        self._lower: str | None = None
        self._rev: str | None = None
        self._ctx = None
        self._automata = automata
        self.out: list[tuple[int, int, str, float, str]] = []
        self.deadline = deadline
        self._ticks = 0

    def tick(self, pos: int) -> None:
        """Called once per place a recognizer looks at: past the deadline, the scan stops with
        :class:`ScanBudgetExceeded` (the runtime then applies ``on_error``: block by default)."""
        if self.deadline is None:
            return
        self._ticks += 1
        if self._ticks & 1023 == 0 and time.monotonic() > self.deadline:
            raise ScanBudgetExceeded(f"pii scan stopped at character {pos:,} of {self.n:,}: over its time budget")

    @property
    def ctx(self):
        """The cue words of the text (:class:`~.context.ContextIndex`), found on first use; None
        when no selected type has cue words."""
        if self._ctx is None and self._automata:
            from .context import ContextIndex

            self._ctx = ContextIndex(self.text, self.lower, self._automata)
        return self._ctx

    @property
    def lower(self) -> str:
        if self._lower is None:
            self._lower = ascii_lower(self.text)
        return self._lower

    @property
    def rev(self) -> str:
        """The text reversed: matching it at ``n - i`` looks leftwards from ``i`` in linear time."""
        if self._rev is None:
            self._rev = self.text[::-1]
        return self._rev

    def add(self, start: int, end: int, entity: str, score: float, why: str) -> None:
        self.out.append((start, end, entity, score, why))

    def near(self, entity: str, start: int, end: int) -> bool:
        ctx = self.ctx
        return ctx is not None and ctx.near(entity, start, end)
