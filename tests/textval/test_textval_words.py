"""words: whole-word, case-insensitive, Unicode-aware matching of custom and managed lists."""

from __future__ import annotations

import os
import random
import time
from importlib.resources import files

import pytest

from railguard_validators.words import MAX_WORDS, Words, load_managed


def found(run, params, text):
    out = run(Words(params), text)
    for s in out.spans:
        assert 0 <= s.start < s.end <= len(text)
    return [(s.type, text[s.start:s.end]) for s in out.spans]


YAML = """\
railguard: 1
name: words-test
output:
  - words:
      words:
        - darn
        - {text: "heck no", action: block}
      managed: [PROFANITY]
      normalize: [leet, repeats]
      on_fail: mask
"""
RAIL = """\
<rail version="1" name="words-test">
  <output>
    <words managed="PROFANITY" normalize="leet repeats" on-fail="mask">
      <word>darn</word>
      <word action="block">heck no</word>
    </words>
  </output>
</rail>
"""


def test_yaml_and_rail_load_to_the_same_parameters(guard):
    assert guard(YAML).spec.output[0].params == guard(RAIL).spec.output[0].params


@pytest.mark.parametrize("spec", [YAML, RAIL], ids=["yaml", "rail"])
def test_masks_custom_and_managed_words_with_their_types(guard, spec):
    g = guard(spec)
    r = g.validate("Darn it, you sh1thead. DARN!", source="output")
    assert r.output == "{CUSTOM_WORD} it, you {PROFANITY}. {CUSTOM_WORD}!"
    (a,) = r.failures
    assert a.message == "contains denied words: CUSTOM_WORD x2, PROFANITY"
    assert [(s.start, s.end, s.type, s.explanation) for s in a.spans] == [
        (0, 4, "CUSTOM_WORD", "words[0]"), (13, 21, "PROFANITY", "managed list PROFANITY"),
        (23, 27, "CUSTOM_WORD", "words[0]")]
    r = g.validate("Heck   no, darn.", source="output")  # the phrase's own action blocks
    assert r.blocked and r.output == "Sorry, I can't share that answer."


def test_whole_words_only_and_case_insensitive(run):
    params = {"words": ["ass", "Bad Word", "darn"]}
    assert found(run, params, "A class in assessment; passing; bass.") == []
    assert found(run, params, "ASS! bad word, BAD\n\tWORD; bad-word; badword; darned; darn_it") == [
        ("CUSTOM_WORD", "ASS"), ("CUSTOM_WORD", "bad word"), ("CUSTOM_WORD", "BAD\n\tWORD"),
        ("CUSTOM_WORD", "bad-word"), ("CUSTOM_WORD", "darn")]


def test_unicode_letters_marks_and_case_folding(run):
    params = {"words": ["straße", "école", "नमस्ते", "Ωμέγα"]}
    text = "STRASSE, Straße, ÉCOLE, écoles, नमस्ते दुनिया, ΩΜΈΓΑ"
    assert found(run, params, text) == [
        ("CUSTOM_WORD", "STRASSE"), ("CUSTOM_WORD", "Straße"), ("CUSTOM_WORD", "ÉCOLE"),
        ("CUSTOM_WORD", "नमस्ते"), ("CUSTOM_WORD", "ΩΜΈΓΑ")]
    # Combining marks are part of their word: the Devanagari word is not matched inside a longer one.
    assert found(run, {"words": ["नम"]}, "नमस्ते") == []


def test_cyrillic_and_greek_look_alikes_do_not_disguise_an_entry(run):
    params = {"words": ["Project Nightingale", "darn"]}
    text = "Proj\u0435ct Nightingal\u0435 is late, d\u0430rn, and PR\u041eJECT NIGHTINGALE too; \u0501\u0430rn"
    assert found(run, params, text) == [
        ("CUSTOM_WORD", "Proj\u0435ct Nightingal\u0435"), ("CUSTOM_WORD", "d\u0430rn"),
        ("CUSTOM_WORD", "PR\u041eJECT NIGHTINGALE"), ("CUSTOM_WORD", "\u0501\u0430rn")]
    # Russian text stays Russian: a Russian entry matches it, a Latin one does not match a Russian word.
    assert found(run, {"words": ["\u043f\u0440\u043e\u0435\u043a\u0442"]},
                 "\u041d\u043e\u0432\u044b\u0439 \u041f\u0440\u043e\u0435\u043a\u0442 \u0433\u043e\u0442\u043e\u0432") == [
        ("CUSTOM_WORD", "\u041f\u0440\u043e\u0435\u043a\u0442")]
    assert found(run, {"words": ["cop"]}, "\u042d\u0442\u043e \u0441\u043e\u0440 \u0438 \u043c\u0443\u0441\u043e\u0440") == []


def test_scripts_without_spaces_match_inside_sentences(run):
    assert found(run, {"words": ["笨蛋"]}, "你是笨蛋吗？笨蛋！") == [("CUSTOM_WORD", "笨蛋"), ("CUSTOM_WORD", "笨蛋")]


def test_entries_with_symbols_match_literally(run):
    params = {"words": ["c++", "a$$"]}
    assert found(run, params, "I code C++ and c+; a$$ and A$$!") == [
        ("CUSTOM_WORD", "C++"), ("CUSTOM_WORD", "a$$"), ("CUSTOM_WORD", "A$$")]
    assert found(run, params, "abc++ xa$$") == []  # the word side still needs a boundary


def test_managed_profanity_list(run):
    assert found(run, {"managed": ["PROFANITY"]}, "What the fuck, you shithead? Class assessment. Scunthorpe.") == [
        ("PROFANITY", "fuck"), ("PROFANITY", "shithead")]
    # Removed from the upstream list (SOURCES.md): ordinary words are not profanity.
    assert found(run, {"managed": ["PROFANITY"]}, "God, the hell of a vodka night; gay rights; kill the process") == []


def test_managed_list_source_and_licence_are_recorded():
    data = files("railguard_validators").joinpath("data")
    sources = data.joinpath("SOURCES.md").read_text(encoding="utf-8")
    assert "better-profanity" in sources and "MIT" in sources and "Permission is hereby granted" in sources
    words = load_managed("PROFANITY")
    removed = set(data.joinpath("profanity_en.removed.txt").read_text(encoding="utf-8").split("\n")) - {""}
    assert len(words) == 622 and len(removed) == 294 and not removed & set(words)


@pytest.mark.parametrize("transform, text, match", [
    ("leet", "you sh1t, a$$hole, h3ll0", ["sh1t", "a$$hole"]),
    ("repeats", "shiiiiit, shit, shitt", ["shiiiiit", "shit", "shitt"]),
    ("separators", "s.h.i.t and s h i t and s-h-i-t", ["s.h.i.t", "s h i t", "s-h-i-t"]),
    ("accents", "shït and ŝhit", ["shït", "ŝhit"]),
])
def test_each_normalisation_reports_spans_in_the_original_text(run, transform, text, match):
    params = {"words": ["shit", "asshole"], "normalize": [transform]}
    assert [t for _, t in found(run, params, text)] == match
    assert found(run, {"words": ["shit", "asshole"]}, text) == (
        [("CUSTOM_WORD", "shit")] if transform == "repeats" else [])


def test_all_normalisations_together(run):
    text = "F.U.C.K this $h1iiit, fück, FUUUCKING, 2020 and 1337 stay numbers"
    assert [t for _, t in found(run, {"managed": ["PROFANITY"], "normalize": True}, text)] == [
        "F.U.C.K", "$h1iiit", "fück", "FUUUCKING"]


def test_repeats_never_shorten_a_double_letter_of_the_entry(run):
    params = {"words": ["ass"], "normalize": ["repeats"]}
    assert [t for _, t in found(run, params, "as, ass, assss, aass")] == ["ass", "assss", "aass"]


def test_leet_leaves_numbers_and_trailing_punctuation_alone(run):
    params = {"words": ["hello", "bob"], "normalize": ["leet"]}
    assert [t for _, t in found(run, params, "h3ll0! 8o8. 1337 hello!")] == ["h3ll0", "8o8", "hello"]


def test_the_matched_word_is_never_in_the_message(run):
    out = run(Words({"words": ["supersecretword"]}), "the supersecretword is here")
    assert "supersecretword" not in out.message and "supersecretword" not in str(out.details)


def test_ten_thousand_words_are_accepted_and_one_more_is_a_spec_error(spec_error, guard):
    words = "".join(f"        - w{i}x\n" for i in range(MAX_WORDS))
    spec = f"railguard: 1\nname: t\ninput:\n  - words:\n      words:\n{words}"
    assert guard(spec).validate("hello w9999x").failures[0].spans[0].type == "CUSTOM_WORD"
    issues = spec_error(spec + "        - one-too-many\n")
    assert issues == [("$.input[0].words.words", 6, "10,001 words and phrases; a words validator takes at most "
                       "10,000 (Bedrock's limit): split the list over several words entries")]


def test_bad_entries_are_spec_errors_with_paths(spec_error):
    long_word = "x" * 101
    issues = spec_error("railguard: 1\nname: t\ninput:\n  - words:\n      words:\n"
                        f"        - ok\n        - '---'\n        - {{text: {long_word}}}\n"
                        "      managed: [PROFANITY, SLURS]\n      normalize: [leet, leetspeak]\n")
    assert [(p, line) for p, line, _ in issues] == [
        ("$.input[0].words.words[1]", 7), ("$.input[0].words.words[2].text", 8),
        ("$.input[0].words.managed[1]", 9), ("$.input[0].words.normalize[1]", 10)]
    messages = [m for _, _, m in issues]
    assert messages[0] == "'---' has no letter or digit, so it cannot be matched as a word"
    assert messages[1] == f"{'x' * 40!r}... has 101 characters; an entry has at most 100 (Bedrock's limit)"
    assert messages[2] == "'SLURS' is not one of ['PROFANITY']"
    assert messages[3].startswith("'leetspeak' is not one of ['all', 'accents', 'leet', 'separators', 'repeats']")
    assert spec_error("railguard: 1\nname: t\ninput:\n  - words: {normalize: true}\n")[0][0] == "$.input[0].words"


def test_huge_and_binary_input_in_linear_time(run):
    v = Words({"managed": ["PROFANITY"], "words": ["bad word", "c++"], "normalize": True})
    rng = random.Random(5)
    binary = bytes(rng.getrandbits(8) for _ in range(2_000_000)).decode("latin-1") * 5
    texts = {
        "binary": binary,
        "one word": "a" * 10_000_000,
        "numbers": "1 " * 5_000_000,
        "surrogates": "\ud800 x" * 3_000_000,
        "prose": ("A perfectly ordinary sentence, with a bad word in it. " * 200_000)[:10_000_000],
    }
    for name, text in texts.items():
        t0 = time.perf_counter()
        out = run(v, text)
        assert time.perf_counter() - t0 < 60.0, name  # hang guard; about 1-5 s each
        if name == "prose":
            assert len(out.spans) == text.count("bad word")
            assert {text[s.start:s.end] for s in out.spans} == {"bad word"}


def test_random_bytes_never_raise(run):
    v = Words({"managed": ["PROFANITY"], "normalize": True})
    for seed in range(20):
        text = os.urandom(2000).decode("utf-8", "surrogateescape")
        run(v, text)


def test_lookahead_covers_the_longest_entry_with_normalisation_slack():
    assert Words({"words": ["abc", "a longer phrase"]}).lookahead() == 2 * 15 + 1
    assert Words({"words": ["abc", "a longer phrase"], "normalize": ["repeats"]}).lookahead() == 4 * 15 + 1
