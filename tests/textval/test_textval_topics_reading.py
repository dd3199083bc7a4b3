"""denied_topics reads a text as a person does: no Unicode disguise slips an on-topic text past a topic."""

from __future__ import annotations

import json

import pytest

from railguard import Guard
from railguard_validators.denied_topics import DeniedTopics
from railguard_validators.denied_topics.text import reading

TOPICS = [
    {"name": "investment-advice", "definition": "Recommendations on which stocks, funds or cryptocurrencies to buy "
                                                "or sell.", "examples": ["Should I buy Tesla shares now?"]},
    {"name": "medication-dosage", "definition": "Advice on doses of medicine: how many milligrams, how often, "
                                                "maximum daily amounts.",
     "examples": ["How many mg of ibuprofen can I take?"]},
]
TEXTS = ["Should I sell my Nvidia shares before earnings?", "How many milligrams of paracetamol can I take in a day?"]


def fullwidth(s: str) -> str:
    return "".join("\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def math_bold(s: str) -> str:
    return "".join(chr(0x1D41A + ord(c) - 97) if "a" <= c <= "z" else chr(0x1D400 + ord(c) - 65) if "A" <= c <= "Z"
                   else c for c in s)


DISGUISES = {
    "full-width letters": fullwidth,
    "mathematical bold": math_bold,
    "zero-width space between letters": lambda s: "\u200b".join(s),
    "soft hyphens between letters": lambda s: "\u00ad".join(s),
    "word joiners and BOMs": lambda s: s.replace("a", "a\u2060").replace("e", "\ufeffe"),
    "no-break and ideographic spaces": lambda s: s.replace(" ", "\u00a0", 3).replace(" ", "\u3000"),
    "Cyrillic look-alikes": lambda s: s.replace("a", "\u0430").replace("o", "\u043e").replace("e", "\u0435")
                                       .replace("S", "\u0405").replace("H", "\u041d"),
    "CRLF inside": lambda s: s.replace(" ", "\r\n", 2),
}


@pytest.mark.parametrize("engine", ["semantic", "lexical"])
@pytest.mark.parametrize("disguise", list(DISGUISES))
def test_a_disguised_text_scores_as_the_plain_one(engine, disguise, run):
    v = DeniedTopics({"engine": engine, "topics": TOPICS})
    plain = v.score_many(TEXTS)
    hidden = v.score_many([DISGUISES[disguise](t) for t in TEXTS])
    for p, h in zip(plain, hidden):
        assert h == pytest.approx(p, abs=1e-4), disguise
    assert max(plain[0].values()) > 0 and max(plain[1].values()) > 0
    if engine == "semantic":  # and it is blocked, with the topic named
        out = run(v, DISGUISES[disguise](TEXTS[1]), stage="input")
        assert out.categories == ("medication-dosage",)


def test_reading_keeps_case_and_ascii_text_as_it_is():
    text = "How much Ibuprofen?"
    assert reading(text) is text
    assert reading("\uff28\uff4f\uff57 much \U0001d408buprofen\u200b?\u00a0\u0410\u0412\u0421") == \
        "How much Ibuprofen? ABC"


def test_cyrillic_and_greek_text_stays_itself_outside_words_that_mix_scripts():
    russian = "Сколько таблеток аспирина можно принять?"
    assert reading(russian) == russian
    assert reading("Привет, как дела? Sh\u0430res") == "Привет, как дела? Shares"  # a mixed word, in Cyrillic text
    assert reading("\u0397\u03bb\u03b9\u03bf\u03c2 Hello") == "\u0397\u03bb\u03b9\u03bf\u03c2 Hello"


def test_the_llm_engine_sends_the_text_as_written():
    seen: list[str] = []
    spec = {"railguard": 1, "name": "t", "input": [{"denied_topics": {
        "engine": "llm", "model": {"callable": "classify"}, "topics": TOPICS}}]}
    guard = Guard.from_text(json.dumps(spec), resources={"callables": {
        "classify": lambda p: seen.append(p) or '{"topics": []}'}})
    text = fullwidth("Should I buy gold?")
    guard.validate(text)
    assert f"<<<\n{text}\n>>>" in seen[0]
