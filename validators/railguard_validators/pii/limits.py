"""The longest span each entity type can produce (for streaming look-ahead)."""

from __future__ import annotations

from . import addresses, contextual, names, numeric, patterns

__all__ = ["max_len"]


def max_len(entity: str) -> int:
    if entity == "NAME":
        return names.MAX_LEN
    if entity == "ADDRESS":
        return addresses.MAX_LEN
    sizes = [table[entity] for table in (patterns.MAX_LEN, contextual.MAX_LEN) if entity in table]
    if entity in numeric.NUMERIC_TYPES:
        sizes.append(numeric.MAX_LEN)
    if not sizes:
        raise KeyError(entity)
    return max(sizes)
