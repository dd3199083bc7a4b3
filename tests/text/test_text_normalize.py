"""The shared normaliser: what each character reads as, separators between digits, offsets back."""

from __future__ import annotations

import random

import pytest

from railguard.text.normalize import Layer, clean, normalize

CASES = [
    ("4111\u200b1111", "41111111"),  # zero-width space dropped
    ("a\u200db\u200cc\u2060d\u00ade\ufefff", "abcdef"),  # ZWJ, ZWNJ, word joiner, soft hyphen, BOM
    ("415\u00a0555\u202f0132\u20091", "415 555 0132 1"),  # NBSP, narrow NBSP, thin space
    ("415\u2013555\u2011013\u22122", "415-555-013-2"),  # en dash, non-breaking hyphen, minus sign
    ("\uff14\uff11\uff15", "415"),  # full-width digits
    ("\u0664\u0661\u0665 \u096a\u0967\u096b \U0001d7d2\U0001d7cf\U0001d7d3", "415 415 415"),  # Arabic-Indic, Devanagari, math
    ("john\uff20example\uff0ecom", "john@example.com"),  # full-width @ and dot
    ("415\t555_0132", "415 555 0132"),  # tab and underscore between digits
    ("415  555   0132", "415 555 0132"),  # double spaces between digits
    ("415..555..0132", "415.555.0132"),  # double dots
    ("415-555-\n0132", "415-555-0132"),  # split over lines after a dash
    ("4111 1111\r\n1111 1111", "4111 1111 1111 1111"),  # split over lines
    ("415 - 555 - 0132", "415-555-0132"),
    ("Total 12.  Next 34", "Total 12.  Next 34"),  # letters around: untouched
    ("item 12.  34", "item 12.  34"),  # a sentence end between numbers is kept
    ("year 2024\n\n415", "year 2024\n\n415"),  # a paragraph break is kept
    ("user_name 1_2", "user_name 1 2"),
    ("plain ascii text, nothing to do.", "plain ascii text, nothing to do."),
]


@pytest.mark.parametrize("raw,expected", CASES)
def test_reads_text_as_a_person_sees_it(raw, expected):
    assert normalize(raw).text == expected


@pytest.mark.parametrize("raw,expected", CASES)
def test_the_whole_text_maps_back_to_the_whole_original(raw, expected):
    n = normalize(raw)
    assert n.span(0, len(n.text)) == (0, len(raw))


def test_a_value_maps_back_to_exactly_its_original_characters():
    raw = "\u200bcard: \uff14\u200b111\u00a01111\u20131111-\n1111\u200b, thanks"
    n = normalize(raw)
    s = n.text.index("4111")
    e = s + len("4111 1111-1111-1111")
    assert n.text[s:e] == "4111 1111-1111-1111"
    os_, oe = n.span(s, e)
    assert raw[os_:oe] == "\uff14\u200b111\u00a01111\u20131111-\n1111"


def test_identity_on_ascii_text_without_odd_separators():
    n = normalize("Call 415-555-0132 or write to a@b.com.")
    assert n.identity and n.span(5, 17) == (5, 17)


def test_expansions_map_back_to_their_character():
    raw = "\ufb01le \u2460\u2461"  # 'ﬁ' -> 'fi', circled digits -> '12'
    n = normalize(raw)
    assert n.text == "file 12"
    assert n.span(0, 2) == (0, 1) and n.span(5, 7) == (4, 6)


def test_clean_is_layer_one_alone():
    assert clean("a\u200bb")[0] == "ab" and clean("1  2")[0] == "1  2"


def test_random_texts_map_every_span_inside_the_original():
    rng = random.Random(11)
    alphabet = "0123456789 -._\t\n()+a\u200b\u00a0\u2013\uff11\u0661\ufb01\u0301@"
    for _ in range(400):
        raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        n = normalize(raw)
        prev = (0, 0)
        for s in range(len(n.text) + 1):
            for e in range(s + 1, len(n.text) + 1):
                a, b = n.span(s, e)
                assert 0 <= a < b <= len(raw)
            cur = n.span(s, s)
            assert cur[0] >= prev[0]  # monotone
            prev = cur


def test_layer_maps_offsets_back_through_an_edit():
    layer = Layer([(2, 5, 1)])  # "ab...cd" -> "ab.cd"
    assert [layer.back(j, False) for j in range(6)] == [0, 1, 2, 5, 6, 7]
    assert layer.back(3, True) == 5


def test_a_single_line_break_between_words_reads_as_a_space():
    assert normalize("Jane\nRoe").text == "Jane Roe"
    assert normalize("Jane\r\nRoe").text == "Jane Roe"
    n = normalize("Jane\r\nRoe")
    assert n.span(0, 8) == (0, 9)
    assert normalize("Regards,\nJane").text == "Regards,\nJane"  # after punctuation: a real break
    assert normalize("one\n\ntwo").text == "one\n\ntwo"
