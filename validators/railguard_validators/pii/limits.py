"""The longest span each entity type can produce (for streaming look-ahead)."""

from __future__ import annotations

from . import contextual, numeric, patterns

__all__ = ["max_len"]

_NAME_MAX = 80  # up to four name words after a title
_ADDRESS_MAX = 200  # street line, unit, city, state and ZIP


def max_len(entity: str) -> int:
    if entity == "NAME":
        return _NAME_MAX
    if entity == "ADDRESS":
        return _ADDRESS_MAX
    sizes = [table[entity] for table in (patterns.MAX_LEN, contextual.MAX_LEN) if entity in table]
    if entity in numeric.NUMERIC_TYPES:
        sizes.append(numeric.MAX_LEN)
    if not sizes:
        raise KeyError(entity)
    return max(sizes)
