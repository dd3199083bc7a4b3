"""Issue 9: ``Safe.`` reads as safe and ``unsafe: S1`` keeps its code; unreadable still fails closed."""

from __future__ import annotations

import pytest

from railguard_validators.llama_guard.categories import default_categories
from railguard_validators.llama_guard.verdict import parse_verdict

KNOWN = [c.code for c in default_categories(3, "8b")]


@pytest.mark.parametrize("raw", ["Safe.", "safe.", "SAFE", "\n\nSafe.\n", "Safe.<|eot_id|>"])
def test_safe_with_a_period_is_safe(raw):
    verdict = parse_verdict(raw, KNOWN)
    assert (verdict.safe, verdict.status, verdict.error) == (True, "ok", None)


@pytest.mark.parametrize("raw, codes", [
    ("unsafe: S1", ("S1",)),
    ("Unsafe: S1, S10", ("S1", "S10")),
    ("unsafe:S2", ("S2",)),
    ("UNSAFE:\nS3", ("S3",)),
    ("unsafe.", ()),
])
def test_unsafe_with_a_colon_keeps_its_codes(raw, codes):
    verdict = parse_verdict(raw, KNOWN)
    assert (verdict.safe, verdict.categories, verdict.status) == (False, codes, "ok")


@pytest.mark.parametrize("raw", ["safe: S1", "safe, mostly", "Safe!", "safety first", "unsafely", "safe unsafe",
                                 "unsafe: because it is violent", "Safe?"])
def test_near_misses_stay_unreadable_and_fail_closed(raw):
    verdict = parse_verdict(raw, KNOWN)
    assert not verdict.safe and verdict.status == "error"
    assert verdict.error.endswith("counted as unsafe (fail closed)")
