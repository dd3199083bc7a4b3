"""denied_topics' default engine, semantic: all-MiniLM-L6-v2 on numpy, nearest example, calibrated cut-offs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from railguard import Guard
from railguard_validators.denied_topics import DeniedTopics, semantic

ROOT = Path(__file__).resolve().parents[2]
ADVICE = [
    {"name": "medical-advice",
     "definition": "Personal medical advice: diagnosing symptoms, choosing or dosing medicines, or treatment.",
     "examples": ["What medicine should I take for my migraine?", "Is this rash on my arm something serious?",
                  "How much ibuprofen can I give my kid?"]},
    {"name": "legal-advice",
     "definition": "Advice on a person's own legal situation: suing, contracts, disputes, rights, court.",
     "examples": ["Can I sue my landlord for not returning my deposit?", "Should I sign this contract?",
                  "What are my rights if I get fired?"]},
    {"name": "investment-advice",
     "definition": "Recommendations on which stocks, funds, bonds or cryptocurrencies to buy, sell or hold.",
     "examples": ["Should I buy Nvidia shares now?", "Is it a good time to put my savings into bitcoin?",
                  "Which index fund will give the best return next year?"]},
]


def test_the_reported_misfires(run):
    v = DeniedTopics({"topics": ADVICE})
    assert v.engine_name == "semantic"
    court = run(v, "Can I take my landlord to court to get my deposit back?", stage="input")
    hail = run(v, "How do I file a claim for hail damage?", stage="input")
    # The issue: no threshold separated a claim for hail damage from going to court (both 0.2661 with the
    # lexical engine). "I want to take you to court" itself is a statement, not a request for legal advice:
    # the semantic engine passes it, as it passes the hail claim.
    assert court.details["scores"]["legal-advice"] > hail.details["scores"]["legal-advice"] + 0.2
    assert court.categories == ("legal-advice",) and hail.passed
    assert run(v, "I want to take you to court", stage="input").passed
    assert run(v, "What are your opening hours?", stage="input").passed
    assert run(v, "Is my landlord allowed to keep my deposit?", stage="input").categories == ("legal-advice",)
    assert run(v, "What pills should I take for a headache?", stage="input").categories == ("medical-advice",)


def test_the_readme_patient_example_passes_and_dosage_is_blocked():
    guard = Guard.from_file(ROOT / "specs" / "patient-assistant.yaml")
    assert not guard.validate("What are your opening hours?").blocked
    blocked = guard.validate("How many mg of ibuprofen can I take at once?")
    assert blocked.blocked and blocked.failures[0].categories == ("medication-dosage",)


def test_cutoffs_are_calibrated_per_topic_and_scores_map_them_to_one_half(run):
    v = DeniedTopics({"topics": ADVICE})
    v.setup()
    cutoffs = v.engine.cutoffs
    assert len(cutoffs) == 3 and all(semantic.FLOOR <= c < 1 for c in cutoffs)
    import numpy as np

    raw = np.array([[c for c in cutoffs]], dtype=np.float32)
    assert np.allclose(v.engine.calibrated(raw), 0.5)
    assert [t.threshold for t in v.topics] == [semantic.DEFAULT_THRESHOLD] * 3
    strict = DeniedTopics({"topics": ADVICE, "threshold": 0.99})
    assert run(strict, "Is my landlord allowed to keep my deposit?", stage="input").passed


def test_a_long_text_is_read_sentence_by_sentence(run):
    v = DeniedTopics({"topics": ADVICE})
    filler = "We talked about the garden, the weather and the new library downtown. " * 60
    assert run(v, filler, stage="input").passed
    found = run(v, filler + "Should I move all my savings into bitcoin this week? " + filler, stage="input")
    assert found.categories == ("investment-advice",)


def test_false_blocks_on_everyday_prompts_the_calibration_never_saw(run):
    """Held-out everyday prompts (the 30% the shipped background leaves out): about 1% may be blocked."""
    data = ROOT.parent / "shared" / "data" / "train" / "benign_prompts.jsonl"
    if not data.exists():
        pytest.skip(f"needs the shared data set {data}")
    sys.path.insert(0, str(ROOT / "scripts"))
    from build_background import is_held_out

    texts = [t for t in (json.loads(line)["text"] for line in open(data, encoding="utf-8")) if is_held_out(t)][:600]
    v = DeniedTopics({"topics": ADVICE})
    v.setup()
    blocked = sum(1 for s in v.score_many(texts) if max(s.values()) >= semantic.DEFAULT_THRESHOLD)
    assert len(texts) == 600 and blocked / len(texts) <= 0.03, blocked


def test_batch_hint_and_speed_do_not_change_answers():
    v = DeniedTopics({"topics": ADVICE})
    texts = ["Should I buy Nvidia shares now?", "Where is the nearest train station?"] * 50
    v.prepare_batch(texts)
    scores = v.score_many(texts)
    assert scores[0] == scores[2] and scores[0]["investment-advice"] > scores[1]["investment-advice"]


def test_a_long_everyday_text_is_not_blocked_by_the_best_of_its_many_sentences():
    """The best of n sentences reaches higher by chance as n grows: a text of many segments is held to a cut-off
    that rises with n (never lower than the several-segment one, never above the background's top sentence)."""
    data = ROOT.parent / "shared" / "data" / "topics" / "banking77_train.jsonl"
    if not data.exists():
        pytest.skip(f"needs the shared data set {data}")
    import random

    import numpy as np

    rows = [json.loads(line)["text"] for line in open(data, encoding="utf-8")]
    rng = random.Random(2)
    v = DeniedTopics({"topics": ADVICE})
    v.setup()
    # Banking questions that each pass when sent alone (a few, about a landlord's rent, do not):
    sentences = [rng.choice(rows).rstrip("?.! ") + "." for _ in range(2000)]
    sentences = [s for s, sc in zip(sentences, v.score_many(sentences)) if max(sc.values()) < semantic.DEFAULT_THRESHOLD][:1800]
    text = " ".join(sentences)  # about 90 KB
    cuts = [v.engine.cut_for(n) for n in (1, 2, 10, 50, 500, 5000)]
    assert all((b >= a).all() for a, b in zip(cuts[1:], cuts[2:])) and (cuts[4] > cuts[1]).all()
    assert np.allclose(cuts[1], v.engine.cutoffs_multi) and np.allclose(cuts[0], v.engine.cutoffs)
    assert (cuts[-1] == cuts[-2]).all()  # capped at the background's most topic-like sentence
    assert len(v.segments(text)) > 1000
    assert max(v.score_many([text])[0].values()) < semantic.DEFAULT_THRESHOLD
