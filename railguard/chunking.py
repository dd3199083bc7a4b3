"""One chunking policy for every validator with a size limit.

Text longer than a validator's limit is split into chunks that end on a sentence
boundary where one exists near the chunk's end, otherwise on whitespace, and never
inside a word unless a single "word" is longer than a chunk. Offsets are kept, so
spans map back into the whole text. Each boundary can also be checked once with a
small window around it, so an entity straddling two chunks is still seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ChunkPolicy", "Chunk", "split", "boundary_windows"]

_SENTENCE_END = re.compile(r"[.!?\u3002\uff01\uff1f][\"')\]]*\s+|\n\s*\n|\n")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class ChunkPolicy:
    """How a validator wants long text split.

    ``max_chars``: texts up to this size go in one call. ``chunk_chars``: the size of each
    chunk when splitting. ``slack``: how far before ``chunk_chars`` a chunk may end to land
    on a sentence or word boundary (small slack keeps chunks near a multiple of a billing
    unit). ``boundary_window``: characters on each side of each boundary checked again
    (0 turns it off). ``concurrency``: chunks in flight at once. ``stop_on_block``: the first
    failing chunk stops the ones not yet sent.
    """

    max_chars: int
    chunk_chars: int
    slack: int = 500
    boundary_window: int = 100
    concurrency: int = 4
    stop_on_block: bool = True

    def __post_init__(self) -> None:
        if self.chunk_chars <= 0 or self.max_chars <= 0:
            raise ValueError("chunk sizes must be positive")
        if self.chunk_chars > self.max_chars:
            raise ValueError("chunk_chars cannot exceed max_chars")
        if not 0 <= self.slack < self.chunk_chars:
            raise ValueError("slack must be smaller than chunk_chars")


@dataclass(frozen=True)
class Chunk:
    start: int
    end: int
    text: str
    window: bool = False  # a boundary window rather than a regular chunk


def _cut(text: str, start: int, policy: ChunkPolicy) -> int:
    """End offset of the chunk starting at ``start``."""
    hard = start + policy.chunk_chars
    if hard >= len(text):
        return len(text)
    lo = hard - policy.slack
    region = text[lo:hard + 1]
    best = None
    for m in _SENTENCE_END.finditer(region):
        best = lo + m.end() if lo + m.end() <= hard else best
    if best is not None and best > start:
        return best
    # A word boundary: the last whitespace run ending at or before ``hard``.
    for lo2 in (lo, start + policy.chunk_chars // 2):
        best = None
        for m in _SPACE.finditer(text, lo2, hard + 1):
            end = m.end() if m.end() <= hard else m.start()
            if end > start:
                best = end
        if best is not None and best > start:
            return best
    return hard  # one "word" longer than the chunk: cut it (reported by the caller as a hard cut)


def split(text: str, policy: ChunkPolicy) -> list[Chunk]:
    """Chunks that cover ``text`` exactly, in order, each at most ``policy.chunk_chars`` long."""
    if len(text) <= policy.max_chars:
        return [Chunk(0, len(text), text)]
    chunks: list[Chunk] = []
    start = 0
    while start < len(text):
        end = _cut(text, start, policy)
        chunks.append(Chunk(start, end, text[start:end]))
        start = end
    return chunks


def boundary_windows(text: str, chunks: list[Chunk], width: int) -> list[Chunk]:
    """A window of ``width`` characters on each side of every boundary between chunks."""
    if width <= 0 or len(chunks) < 2:
        return []
    out = []
    for left in chunks[:-1]:
        b = left.end
        s, e = max(0, b - width), min(len(text), b + width)
        out.append(Chunk(s, e, text[s:e], window=True))
    return out
