"""Long inputs: one chunking policy, whole text covered, spans mapped back, boundaries re-checked."""

from __future__ import annotations

import random
import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from railguard import ChunkPolicy, Context, Outcome, Span, Validator
from railguard.chunking import boundary_windows, split

from coretest import guard_from


@given(st.text(alphabet=st.sampled_from(list("abc .!?\n")), min_size=0, max_size=3000),
       st.integers(min_value=20, max_value=400))
@settings(max_examples=200, deadline=None)
def test_chunks_cover_the_text_exactly_and_respect_the_size(text: str, size: int) -> None:
    policy = ChunkPolicy(max_chars=size, chunk_chars=size, slack=size // 4)
    chunks = split(text, policy)
    assert "".join(c.text for c in chunks) == text
    assert all(len(c.text) <= size for c in chunks)
    assert all(text[c.start:c.end] == c.text for c in chunks)
    assert all(a.end == b.start for a, b in zip(chunks, chunks[1:]))


def test_chunks_end_on_sentences_and_never_inside_a_word() -> None:
    rng = random.Random(7)
    words = ["alpha", "beta", "gamma", "delta", "epsilon"]
    sentences = [" ".join(rng.choice(words) for _ in range(rng.randint(3, 12))).capitalize() + "."
                 for _ in range(400)]
    text = " ".join(sentences)
    policy = ChunkPolicy(max_chars=1000, chunk_chars=1000, slack=200)
    chunks = split(text, policy)
    assert len(chunks) > 5
    for c in chunks[:-1]:
        assert c.text.rstrip().endswith(".")  # a sentence end was available within the slack
        assert 800 <= len(c.text) <= 1000


def test_without_sentence_ends_chunks_cut_at_whitespace() -> None:
    text = " ".join(["word"] * 1000)
    for c in split(text, ChunkPolicy(max_chars=100, chunk_chars=100, slack=10))[:-1]:
        assert c.text.endswith(" ")


def test_a_single_overlong_word_is_cut_hard() -> None:
    text = "x" * 250
    chunks = split(text, ChunkPolicy(max_chars=100, chunk_chars=100, slack=10))
    assert [len(c.text) for c in chunks] == [100, 100, 50]


def test_boundary_windows_straddle_each_boundary() -> None:
    text = "a" * 300
    chunks = split(text, ChunkPolicy(max_chars=100, chunk_chars=100, slack=10))
    wins = boundary_windows(text, chunks, 5)
    assert [(w.start, w.end) for w in wins] == [(95, 105), (195, 205)]


class Digits(Validator):
    """Finds runs of exactly 9 digits, sees at most 50 characters per call, counts calls and sizes."""

    name = "digits"
    params_schema = {"type": "object", "properties": {"block": {"type": "boolean"}}}
    max_chars = 50
    can_mask = True
    default_on_fail = "mask"
    lock = threading.Lock()
    sizes: list[int] = []

    def chunk_policy(self):
        return ChunkPolicy(max_chars=50, chunk_chars=40, slack=10, boundary_window=6, concurrency=2)

    def validate(self, text: str, context: Context) -> Outcome:
        assert len(text) <= 50
        with Digits.lock:
            Digits.sizes.append(len(text))
        import re

        spans = [Span(m.start(), m.end(), "NINE") for m in re.finditer(r"(?<!\d)\d{9}(?!\d)", text)]
        if "STOP" in text and self.params.get("block"):
            return Outcome.fail("stop word", action="block", usage={"units": 1})
        if spans:
            return Outcome.fail("digits", spans=spans, usage={"units": 1})
        return Outcome.ok(usage={"units": 1})


def test_runtime_chunks_long_text_and_maps_spans_back() -> None:
    Digits.sizes = []
    g = guard_from("railguard: 1\nname: c\ninput:\n  - digits: {}\n", Digits)
    text = ("lorem ipsum dolor sit amet " * 4) + "123456789 " + ("consectetur adipiscing " * 5) + "987654321."
    r = g.validate(text)
    a = r.assessments[0]
    assert r.output == text.replace("123456789", "{NINE}").replace("987654321", "{NINE}")
    assert a.checked_chars == len(text) and a.details["chunks"] == len([s for s in Digits.sizes]) - a.details[
        "boundary_windows"]
    assert max(Digits.sizes) <= 50
    assert a.usage["units"] == len(Digits.sizes)
    assert a.details["boundary_window_usage"]["units"] == a.details["boundary_windows"]


def test_an_entity_straddling_a_boundary_is_found_by_the_window() -> None:
    # 40 chars then 9 digits with no whitespace cut possible nearby: force a boundary inside the number.
    text = "x" * 36 + "123456789" + "y" * 40
    g = guard_from("railguard: 1\nname: c\ninput:\n  - digits: {}\n", Digits)
    r = g.validate(text)
    assert "123456789" not in r.output and "{NINE}" in r.output


def test_first_blocking_chunk_stops_the_rest() -> None:
    Digits.sizes = []
    text = "STOP " + "filler text here. " * 60
    g = guard_from("railguard: 1\nname: c\ninput:\n  - digits: {block: true}\n", Digits)
    r = g.validate(text)
    a = r.assessments[0]
    assert r.blocked and a.details["stopped_early"]
    assert a.details["chunks_checked"] < a.details["chunks"]
    assert a.checked_chars < len(text)


class Tagged(Validator):
    """Reports, per chunk, the engine (a scalar) and the words it saw starting with 'w' (a list)."""

    name = "tagged"
    params_schema = {"type": "object", "properties": {}}

    def chunk_policy(self):
        return ChunkPolicy(max_chars=30, chunk_chars=30, slack=10, boundary_window=0)

    def validate(self, text: str, context: Context) -> Outcome:
        return Outcome.ok(details={"engine": "tagger", "w_words": [w for w in text.split() if w.startswith("w")]})


def test_details_from_every_chunk_are_kept() -> None:
    g = guard_from("railguard: 1\nname: c\ninput:\n  - tagged: {}\n", Tagged)
    text = "alpha wolf beta gamma delta wren epsilon zeta eta whale theta iota kappa wasp"
    a = g.validate(text).assessments[0]
    assert a.details["chunks"] > 2 and a.details["engine"] == "tagger"
    assert a.details["w_words"] == ("wolf", "wren", "whale", "wasp")
