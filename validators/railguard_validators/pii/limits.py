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
    if entity in patterns.MAX_LEN:
        return patterns.MAX_LEN[entity]
    if entity in contextual.MAX_LEN:
        return contextual.MAX_LEN[entity]
    if entity in numeric.NUMERIC_TYPES:
        return numeric.MAX_LEN
    raise KeyError(entity)
