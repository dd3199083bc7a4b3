"""denied_topics: both engines on real text, limits and load-time checks, no silent engine switch."""

from __future__ import annotations

import importlib.util
import time

import pytest

from railguard_validators.denied_topics import DeniedTopics, embedding, lexical
from railguard_validators.denied_topics.text import sentences, stem, terms

TOPICS = [
    {"name": "medication-dosage",
     "definition": "Advice on doses of prescription or over-the-counter medicine: how many milligrams, how often, "
                   "maximum daily amounts.",
     "examples": ["How many mg of ibuprofen can I take?", "Is it safe to take two Tylenol every four hours?"]},
    {"name": "investment-advice",
     "definition": "Recommendations on which stocks, funds or cryptocurrencies to buy or sell.",
     "examples": ["Should I buy Tesla shares now?", "Which crypto coin will go up next?"]},
]

YAML = """\
railguard: 1
name: topics-test
input:
  - denied_topics:
      {engine}
      topics:
        - name: medication-dosage
          definition: "Advice on doses of prescription or over-the-counter medicine: how many milligrams, how often, maximum daily amounts."
          examples: ["How many mg of ibuprofen can I take?", "Is it safe to take two Tylenol every four hours?"]
        - name: investment-advice
          definition: Recommendations on which stocks, funds or cryptocurrencies to buy or sell.
          examples: ["Should I buy Tesla shares now?", "Which crypto coin will go up next?"]
          threshold: 0.3
"""
RAIL = """\
<rail version="1" name="topics-test">
  <input>
    <denied-topics {engine}>
      <topic name="medication-dosage">
        <definition>Advice on doses of prescription or over-the-counter medicine: how many milligrams, how often, maximum daily amounts.</definition>
        <example>How many mg of ibuprofen can I take?</example>
        <example>Is it safe to take two Tylenol every four hours?</example>
      </topic>
      <topic name="investment-advice" threshold="0.3">
        <definition>Recommendations on which stocks, funds or cryptocurrencies to buy or sell.</definition>
        <example>Should I buy Tesla shares now?</example>
        <example>Which crypto coin will go up next?</example>
      </topic>
    </denied-topics>
  </input>
</rail>
"""
OFF_TOPIC = ["What's the weather like in Paris tomorrow?", "Can you recommend a good book about gardening?",
             "My parcel has not arrived yet, where is it?"]


def yaml_spec(engine: str | None) -> str:
    return YAML.replace("{engine}", f"engine: {engine}" if engine else "")


def rail_spec(engine: str | None) -> str:
    return RAIL.replace("{engine}", f'engine="{engine}"' if engine else "")


# -- shared behaviour ---------------------------------------------------------------------
def test_yaml_and_rail_load_to_the_same_parameters(guard):
    assert guard(yaml_spec(None)).spec.input[0].params == guard(rail_spec(None)).spec.input[0].params


def test_the_default_engine_is_semantic_and_runs_in_the_worker_pool(guard):
    """It runs a transformer (milliseconds a text): off the caller's thread, long texts in sentence-bounded
    chunks that stop at the first match, like the embedding engine."""
    g = guard(yaml_spec(None))
    node = g.graph.input.nodes[0]
    assert node.validator.engine_name == "semantic" and node.mode == "thread"
    assert node.policy is not None and node.policy.max_chars == 4000 and node.validator.lookahead() is None
    assert guard(yaml_spec("lexical")).graph.input.nodes[0].mode == "inline"


@pytest.mark.parametrize("spec", [yaml_spec, rail_spec], ids=["yaml", "rail"])
def test_lexical_blocks_on_topic_text_and_says_which_topic(guard, spec):
    g = guard(spec("lexical"))
    r = g.validate("Should I sell my Tesla shares and buy crypto?")
    assert r.blocked and r.output == "Sorry, I can't help with that request."
    (a,) = r.failures
    assert a.categories == ("investment-advice",)
    assert a.message == "the text is about denied topic(s): investment-advice"
    assert a.details["engine"] == "lexical" and a.details["topic"] == "investment-advice"
    assert a.score == a.details["scores"]["investment-advice"] >= 0.3
    assert set(a.details["scores"]) == {"medication-dosage", "investment-advice"}
    for text in OFF_TOPIC:
        ok = g.validate(text)
        assert not ok.blocked and ok.assessments[0].passed, text
        assert ok.assessments[0].details["engine"] == "lexical"


def test_lexical_scores_each_sentence_of_a_long_text(run):
    v = DeniedTopics({"engine": "lexical", "topics": TOPICS})
    filler = "We talked about the garden, the weather and the new library downtown. " * 40
    text = filler + "How many milligrams of ibuprofen can I take every four hours? " + filler
    out = run(v, text, stage="input")
    assert out.categories == ("medication-dosage",)
    assert run(v, filler, stage="input").passed


def test_per_topic_and_entry_thresholds(run):
    strict = [dict(TOPICS[0], threshold=0.99), TOPICS[1]]
    text = "How many mg of ibuprofen can I take every four hours?"
    assert run(DeniedTopics({"engine": "lexical", "topics": strict}), text, stage="input").passed
    assert not run(DeniedTopics({"engine": "lexical", "topics": TOPICS}), text, stage="input").passed
    loose = DeniedTopics({"engine": "lexical", "topics": TOPICS, "threshold": 0.01})
    assert [t.threshold for t in loose.topics] == [0.01, 0.01]
    lexical_default = DeniedTopics({"engine": "lexical", "topics": TOPICS})
    assert [t.threshold for t in lexical_default.topics] == [lexical.DEFAULT_THRESHOLD] * 2


def test_empty_and_huge_text(run):
    v = DeniedTopics({"engine": "lexical", "topics": TOPICS})
    assert run(v, "", stage="input").passed
    text = ("The committee met on Tuesday to discuss the budget for the park. " * 150_000)[:10_000_000]
    t0 = time.perf_counter()
    assert run(v, text + " Should I buy Tesla shares now?", stage="input").categories == ("investment-advice",)
    assert time.perf_counter() - t0 < 120.0  # hang guard; linear in the text


def test_terms_and_stems():
    assert stem("payments") == stem("payment") == "pay"
    assert stem("changing") == stem("changed") == stem("change") == "chang"
    assert stem("stopped") == "stop" and stem("parties") == "party" and stem("gas") == "gas"
    assert terms("How do I change my PIN? I'd like 401k info, 2020.") == ["chang", "pin", "401k", "info"]
    # Fragments shorter than 20 characters join their neighbour.
    assert sentences("Hi. This is one sentence! And another one?\nLast line") == [
        "Hi. This is one sentence!", "And another one? Last line"]
    assert sentences("A first sentence that is long. A second one, also long enough.") == [
        "A first sentence that is long.", "A second one, also long enough."]


# -- load-time checks -----------------------------------------------------------------------
def test_bedrock_limits_are_spec_errors_with_paths(spec_error):
    topics = "".join(f"        - {{name: t{i}, definition: d}}\n" for i in range(31))
    issues = spec_error(f"railguard: 1\nname: t\ninput:\n  - denied_topics:\n      topics:\n{topics}")
    assert [(p, m) for p, _, m in issues] == [
        ("$.input[0].denied_topics.topics", "31 topics; a denied_topics validator takes at most 30 (Bedrock's "
                                            "limit): split them over several entries")]
    long_def = "d" * 1001
    examples = ", ".join(f"e{i}" for i in range(6))
    issues = spec_error("railguard: 1\nname: t\ninput:\n  - denied_topics:\n      topics:\n"
                        f"        - {{name: a, definition: {long_def}}}\n"
                        f"        - {{name: b, definition: d, examples: [{examples}]}}\n"
                        f"        - {{name: c, definition: d, examples: [ok, {'x' * 101}]}}\n"
                        "        - {name: A, definition: d}\n"
                        "        - {name: 'bad/name', definition: d, threshold: 1.5}\n")
    assert [(p, line) for p, line, _ in issues] == [
        ("$.input[0].denied_topics.topics[0].definition", 6),
        ("$.input[0].denied_topics.topics[1].examples", 7),
        ("$.input[0].denied_topics.topics[2].examples[1]", 8),
        ("$.input[0].denied_topics.topics[3].name", 9),
        ("$.input[0].denied_topics.topics[4].name", 10),
        ("$.input[0].denied_topics.topics[4].threshold", 10)]
    messages = [m for _, _, m in issues]
    assert messages[0] == "'dddddddddddddddddddddddddddddddddddddddd...' has 1,001 characters; a definition has at most 1,000"
    assert messages[1] == "6 examples; a topic has at most 5 (Bedrock's limit)"
    assert messages[2].endswith("has 101 characters; an example has at most 100 (Bedrock's limit)")
    assert messages[3] == "'A' is already the name of topics[0]"


def test_unknown_engine_and_model_without_embedding(spec_error):
    (issue,) = spec_error(yaml_spec("embeddings"))
    assert issue[0] == "$.input[0].denied_topics.engine"
    assert issue[2] == ("'embeddings' is not one of ['semantic', 'embedding', 'lexical', 'llm'] "
                        "(did you mean 'embedding'?)")
    issues = spec_error(yaml_spec("lexical").replace("engine: lexical", "engine: lexical\n      model: /tmp"))
    assert issues[0][0] == "$.input[0].denied_topics.model"
    assert issues[0][2].startswith("'model' applies to engines 'embedding' and 'llm' only")


def test_embedding_without_sentence_transformers_fails_at_load_with_the_install_command(spec_error, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "sentence_transformers" else real(name, *a))
    (issue,) = spec_error(yaml_spec("embedding"))
    assert issue[0] == "$.input[0].denied_topics.engine"
    assert issue[2] == ("engine 'embedding' needs sentence-transformers, which is not installed: "
                        "pip install 'railguard[embeddings]'")


def test_embedding_model_that_is_missing_fails_at_load(spec_error, tmp_path):
    spec = yaml_spec("embedding").replace("engine: embedding", "engine: embedding\n      model: {model}")
    (issue,) = spec_error(spec.replace("{model}", str(tmp_path / "nowhere")))
    assert issue[0] == "$.input[0].denied_topics.model" and "is not a directory" in issue[2]
    (issue,) = spec_error(spec.replace("{model}", str(tmp_path)))
    assert issue[2] == f"{str(tmp_path)!r} holds no sentence-transformers model (no modules.json)"
    (issue,) = spec_error(spec.replace("{model}", "no-such-model-package"))
    assert issue[2] == "the model package 'no-such-model-package' is not installed: pip install no-such-model-package"
    (issue,) = spec_error(spec.replace("{model}", "os.path"))
    assert issue[2] == "'os.path' is neither a directory path nor a Python package name"
    (issue,) = spec_error(spec.replace("{model}", "json"))  # a package, but no model in it
    assert issue[2] == "the package 'json' holds no sentence-transformers model (no modules.json)"


# -- the embedding engine (needs the 'embeddings' extra, which CI installs) ------------------------
@pytest.fixture(scope="module")
def embedded() -> DeniedTopics:
    v = DeniedTopics({"engine": "embedding", "topics": TOPICS})
    v.setup()
    return v


@pytest.mark.parametrize("spec", [yaml_spec, rail_spec], ids=["yaml", "rail"])
def test_embedding_blocks_on_topic_text_in_a_thread(guard, spec, embedded):
    g = guard(spec("embedding"))
    node = g.graph.input.nodes[0]
    assert node.mode == "thread" and node.policy is not None and node.policy.max_chars == 4000
    r = g.validate("How much paracetamol can I safely take in one day?")  # no word in common with the topic
    assert r.blocked
    (a,) = r.failures
    assert a.categories == ("medication-dosage",) and a.details["engine"] == "embedding"
    assert a.details["topic"] == "medication-dosage" and a.score >= embedding.DEFAULT_THRESHOLD
    for text in OFF_TOPIC:
        assert not g.validate(text).blocked, text


def test_embedding_model_is_loaded_once_per_process(embedded):
    other = DeniedTopics({"engine": "embedding", "topics": TOPICS[:1]})
    other.setup()
    assert other.engine._model is embedded.engine._model
    assert len(embedding._MODELS) == 1
    path = embedding.resolve(embedding.DEFAULT_MODEL)
    assert (path / "modules.json").is_file()
    by_path = DeniedTopics({"engine": "embedding", "model": str(path), "topics": TOPICS[:1]})
    by_path.setup()
    assert by_path.engine._model is embedded.engine._model


def test_embedding_clauses_and_sentences(embedded, run):
    assert embedding.clauses(TOPICS[1]["definition"]) == [
        "Recommendations on which stocks", "funds or cryptocurrencies to buy or sell"]
    text = ("Our team meeting moved to Thursday. The printer on floor two is fixed. "
            "Which stocks should I buy this week? Lunch is at noon.")
    out = run(embedded, text, stage="input")
    assert out.categories == ("investment-advice",)
    scores = embedded.score_many([text, "Lunch is at noon."])
    assert scores[0]["investment-advice"] > scores[1]["investment-advice"]


def test_embedding_long_text_is_chunked_by_the_runtime(guard, embedded):
    g = guard(yaml_spec("embedding").replace("engine: embedding", "engine: embedding\n      timeout_s: 120"))
    filler = "We talked about the garden, the weather and the new library downtown. " * 60
    r = g.validate(filler + "Should I put my savings into Tesla shares or bitcoin? " + filler)
    (a,) = r.failures
    assert a.categories == ("investment-advice",)
    assert a.details["chunks"] > 1 and a.checked_chars >= 0


@pytest.mark.skipif(importlib.util.find_spec("sentence_transformers") is None, reason="needs railguard[embeddings]")
def test_the_embedding_engine_loads_without_a_progress_bar_on_stderr(tmp_path):
    import subprocess
    import sys

    spec = tmp_path / "emb.yaml"
    spec.write_text(yaml_spec("embedding"))
    proc = subprocess.run([sys.executable, "-m", "railguard", "validate", str(spec), "--text",
                           "How much paracetamol can I take in a day?"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "medication-dosage" in proc.stdout
    assert proc.stderr == ""
