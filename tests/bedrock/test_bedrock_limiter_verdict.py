"""The text-unit limiter (with a fake clock) and the reading of Bedrock verdicts."""

from __future__ import annotations

import threading

import pytest

from railguard.aws.bedrock_verdict import PII_TYPES, read_verdict, text_units
from railguard_validators.bedrock_guardrail.limiter import TextUnitLimiter, shared


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.now += s


def test_bucket_starts_full_then_holds_the_rate():
    clock = Clock()
    lim = TextUnitLimiter(25, clock=clock, sleep=clock.sleep)
    assert lim.burst == 22.5
    assert [lim.reserve(12), lim.reserve(10)] == [0.0, 0.0]  # 22 units fit in the first bucket
    assert lim.reserve(12) == pytest.approx((22 + 12 - 22.5) / 25)  # waits for 11.5 units to refill
    assert lim.reserve(1) == pytest.approx((34 + 1 - 22.5) / 25)  # first come, first served
    clock.now += 10  # idle: the bucket refills to its burst, no more
    assert lim.reserve(22) == 0.0 and lim.reserve(1) == pytest.approx(0.5 / 25)


def test_a_request_larger_than_the_bucket_waits_for_a_full_bucket_then_goes_into_debt():
    clock = Clock()
    lim = TextUnitLimiter(5, burst=5, clock=clock, sleep=clock.sleep)
    assert lim.acquire(12) == 0.0  # full bucket: goes, 7 units in debt
    assert lim.acquire(12) == pytest.approx(12 / 5)  # waits until the bucket is full again
    assert lim.acquire(1) == pytest.approx(12 / 5 - 4 / 5)
    assert (lim.units, lim.requests) == (25, 3)


def test_long_run_rate_from_many_threads():
    lim = TextUnitLimiter(2000, burst=100)
    times: list[float] = []
    import time

    def work() -> None:
        for _ in range(25):
            lim.acquire(10)
            times.append(time.monotonic())

    threads = [threading.Thread(target=work) for _ in range(8)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = max(times) - t0
    # 2,000 units: 100 at once, the other 1,900 at 2,000/s.
    assert (2000 - 100 - 10) / 2000 - 0.01 <= elapsed <= (2000 - 100) / 2000 + 0.3
    assert lim.units == 2000


def test_bad_limits_and_sharing():
    with pytest.raises(ValueError, match="units_per_second must be positive"):
        TextUnitLimiter(0)
    with pytest.raises(ValueError, match="burst must be positive"):
        TextUnitLimiter(5, burst=0)
    assert shared("http://x", 25) is shared("http://x", 25.0)
    assert shared("http://x", 25) is not shared("http://y", 25)
    assert shared("http://x", 25) is not shared("http://x", 30)


def test_text_units():
    assert [text_units(n) for n in (0, 1, 999, 1000, 1001, 12000, 12001)] == [0, 1, 1, 1, 2, 12, 13]


def test_pii_types_are_botocores():
    import botocore.session

    model = botocore.session.get_session().get_service_model("bedrock-runtime")
    assert PII_TYPES == set(model.shape_for("GuardrailPiiEntityType").enum)


# -- verdicts ---------------------------------------------------------------------------------
def verdict(text, assessments, *, output=None, intervened=True, on_fail="block"):
    return read_verdict(text, assessments, intervened=intervened, outputs_text=output, label="guardrail g version 1",
                        unlocated_action=on_fail)


def pii(match, type_, action="ANONYMIZED", **kw):
    return {"sensitiveInformationPolicy": {"piiEntities": [{"match": match, "type": type_, "action": action, **kw}],
                                           "regexes": []}}


def test_alignment_handles_repeated_literals_and_values_inside_words():
    text = "Bob met Bobby; Bob left. Bob"
    out = verdict(text, [pii("Bob", "NAME"), pii("Bob", "NAME"), pii("Bob", "NAME")],
                  output="{NAME} met Bobby; {NAME} left. {NAME}")
    assert [(s.start, s.end) for s in out.spans] == [(0, 3), (15, 18), (25, 28)]


def test_without_masked_output_matches_are_located_as_whole_words_first():
    out = verdict("Bobby and Bob", [pii("Bob", "NAME", "BLOCKED")], output="Blocked.")
    assert [(s.start, s.end, s.action) for s in out.spans] == [(10, 13, None)]
    inside = verdict("Bobby", [pii("Bob", "NAME", "BLOCKED")], output="Blocked.")
    assert [(s.start, s.end) for s in inside.spans] == [(0, 3)]  # only inside a word: still located


def test_a_literal_placeholder_in_the_text_is_harmless():
    text = "template {EMAIL} and real a@b.co"
    out = verdict(text, [pii("a@b.co", "EMAIL")], output="template {EMAIL} and real {EMAIL}")
    assert [(s.start, s.end) for s in out.spans] == [(9, 16), (26, 32)]


def test_regexes_words_and_policies():
    a = {"sensitiveInformationPolicy": {"piiEntities": [], "regexes": [
            {"name": "ACCOUNT", "match": "ACC-1", "regex": "ACC-\\d", "action": "ANONYMIZED", "detected": True}]},
         "wordPolicy": {"customWords": [{"match": "darn", "action": "BLOCKED", "detected": True}],
                        "managedWordLists": [{"match": "heck", "type": "PROFANITY", "action": "NONE",
                                              "detected": True}]},
         "contextualGroundingPolicy": {"filters": [{"type": "GROUNDING", "threshold": 0.5, "score": 0.2,
                                                    "action": "BLOCKED", "detected": True}]}}
    out = verdict("ACC-1 darn heck", [a], output="Blocked.")
    assert not out.passed and out.action == "block"  # the grounding block has no place in the text
    assert [(s.type, s.action, s.explanation) for s in out.spans] == [
        ("ACCOUNT", "mask", "bedrock regexes"), ("CUSTOM_WORD", None, "bedrock customWords"),
        ("PROFANITY", "log", "bedrock managedWordLists")]
    assert out.categories == ("grounding:GROUNDING",)
    assert out.message == ("Bedrock guardrail g version 1: blocked contextual grounding 'GROUNDING'; blocked "
                           "CUSTOM_WORD; anonymized ACCOUNT")
    assert "darn" not in out.message and "darn" not in str(out.details)


def test_on_fail_for_blocks_without_a_place():
    topic = {"topicPolicy": {"topics": [{"name": "Politics", "type": "DENY", "action": "BLOCKED"}]}}
    assert verdict("x", [topic], output="no", on_fail="reask").action == "reask"
    assert verdict("x", [topic], output="no", on_fail="log").action == "log"
    assert verdict("x", [topic], output="no", on_fail="block").action == "block"


def test_full_scope_entries_not_detected_are_ignored():
    a = {"topicPolicy": {"topics": [{"name": "Politics", "type": "DENY", "action": "NONE", "detected": False}]},
         "sensitiveInformationPolicy": {"piiEntities": [{"match": "", "type": "EMAIL", "action": "NONE",
                                                         "detected": False}], "regexes": []}}
    out = verdict("hello", [a], intervened=False)
    assert out.passed and out.spans == () and out.details["findings"] == ()
