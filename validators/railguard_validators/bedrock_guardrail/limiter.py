"""A client-side text-units-per-second limiter for ApplyGuardrail.

Bedrock meters ApplyGuardrail in text units (one unit per started 1,000 characters) against
a per-account, per-Region quota (25 units per second by default; quotas differ by Region
and account). The limiter is a token bucket in its "virtual scheduling" form: each request
reserves its units in arrival order (first come, first served, no busy waiting) and sleeps
until the bucket holds them. The bucket starts full with ``burst`` units: by default 90% of
one second's worth, a margin under the service's own bucket so that network jitter (requests
sent in order arriving closer together) does not trip it. A request larger than the bucket
waits for a full bucket and then runs into debt, so the long-run rate holds for any size.

All ``bedrock_guardrail`` validators of a process that talk to the same endpoint with the same
rate share one limiter (:func:`shared`), since the quota is the account's, not the entry's.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

__all__ = ["TextUnitLimiter", "shared"]


class TextUnitLimiter:
    def __init__(self, units_per_second: float, burst: float | None = None, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        if units_per_second <= 0:
            raise ValueError(f"units_per_second must be positive, got {units_per_second!r}")
        self.rate = float(units_per_second)
        self.burst = float(burst) if burst is not None else max(0.9 * self.rate, 1.0)
        if self.burst <= 0:
            raise ValueError(f"burst must be positive, got {burst!r}")
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tat = float("-inf")  # theoretical arrival time: the bucket is full before it
        self.units = 0  # units granted so far
        self.requests = 0
        self.waited = 0.0  # seconds spent waiting, summed over requests

    def reserve(self, units: int) -> float:
        """Reserve ``units`` now; returns how many seconds the caller must wait before sending."""
        if units < 0:
            raise ValueError(f"units must not be negative, got {units}")
        with self._lock:
            now = self._clock()
            base = max(self._tat, now)
            start = max(now, base - (self.burst - min(units, self.burst)) / self.rate)
            self._tat = base + units / self.rate
            self.units += units
            self.requests += 1
            delay = start - now
            self.waited += delay
            return delay

    def acquire(self, units: int) -> float:
        """Wait until ``units`` may be sent; returns the seconds waited."""
        delay = self.reserve(units)
        if delay > 0:
            self._sleep(delay)
        return delay

    def __repr__(self) -> str:
        return f"<TextUnitLimiter {self.rate:g} units/s burst={self.burst:g}>"


_lock = threading.Lock()
_shared: dict[tuple, TextUnitLimiter] = {}


def shared(endpoint: str, units_per_second: float, burst: float | None = None) -> TextUnitLimiter:
    """The process-wide limiter for ``endpoint`` at this rate, created on first use."""
    key = (endpoint, float(units_per_second), burst)
    with _lock:
        limiter = _shared.get(key)
        if limiter is None:
            limiter = _shared[key] = TextUnitLimiter(units_per_second, burst)
        return limiter
