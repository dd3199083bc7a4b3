"""The one switch every runtime hook reads: ``state.hub`` is the active :class:`Telemetry` or None.

With telemetry off (the default) a hook costs one attribute check. Nothing here is set at
import; :func:`railguard.telemetry.configure` sets it.
"""

from __future__ import annotations

from typing import Any

hub: Any = None


def end_span(handle: Any) -> None:
    """End a validator span left open for its decision, when nobody decides (a stream's verdict)."""
    span, end_ns = handle
    span.end(end_time=end_ns)
