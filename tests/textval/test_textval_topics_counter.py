"""denied_topics' counter-examples: texts near a topic that are not on it, in every engine, both spec syntaxes."""

from __future__ import annotations

import json

import pytest

from railguard import Guard, load_spec
from railguard_validators.denied_topics import DeniedTopics, llm

from coretest import ROOT

PAY = {"name": "colleague-compensation",
       "definition": "Questions about the salary, bonus, equity or pay grade of a named colleague or of other employees.",
       "examples": ["What does Priya in finance earn?", "How big was my manager's bonus?"]}
OWN_PAY = ["How does the company bonus scheme work?", "When will my own bonus be paid?", "What is my salary band?"]
COLLEAGUES = ["How much is Tom from marketing paid?", "What salary did the new hire on my team get?",
              "How many shares were granted to my manager last year?", "Which employees got the biggest bonuses?"]


def test_semantic_a_question_about_the_bonus_scheme_passes_only_with_counter_examples(run):
    plain = DeniedTopics({"topics": [PAY]})
    countered = DeniedTopics({"topics": [{**PAY, "counter_examples": OWN_PAY}]})
    question = "How is the annual bonus calculated?"
    # Nearest-example similarity alone reads it as the topic: it is as close to "my manager's bonus" as the
    # colleague questions are.
    assert run(plain, question, stage="input").categories == ("colleague-compensation",)
    cleared = run(countered, question, stage="input")
    assert cleared.passed and cleared.details["scores"]["colleague-compensation"] == 0
    assert run(countered, "Am I eligible for a bonus this year?", stage="input").passed
    for text in COLLEAGUES:  # nearer to the topic than to any counter-example: still blocked
        assert run(countered, text, stage="input").categories == ("colleague-compensation",), text


def test_semantic_counter_examples_apply_sentence_by_sentence(run):
    countered = DeniedTopics({"topics": [{**PAY, "counter_examples": OWN_PAY}]})
    text = ("Thanks for the help with my leave request. How is the annual bonus calculated? "
            "Also, which employees got the biggest bonuses?")
    assert run(countered, text, stage="input").categories == ("colleague-compensation",)
    assert run(countered, "Thanks for the help with my leave request. How is the annual bonus calculated?",
               stage="input").passed


def test_semantic_counter_examples_of_one_topic_leave_the_others_alone(run):
    advice = {"name": "investment-advice", "definition": "Recommendations on which stocks or funds to buy or sell.",
              "examples": ["Should I buy Nvidia shares now?"]}
    v = DeniedTopics({"topics": [{**PAY, "counter_examples": OWN_PAY}, advice]})
    v.setup()
    plain = DeniedTopics({"topics": [PAY, advice]})
    plain.setup()
    assert v.engine.cutoffs[1] == plain.engine.cutoffs[1]
    out = run(v, "Should I put my bonus into Tesla shares?", stage="input")
    assert "investment-advice" in out.categories


def test_lexical_a_text_closer_to_the_counter_examples_scores_zero(run):
    topic = {"name": "investment-advice", "definition": "Recommendations on which stocks or funds to buy or sell.",
             "examples": ["Should I buy Tesla shares now?", "Which fund should I sell?"]}
    plain = DeniedTopics({"engine": "lexical", "topics": [topic]})
    countered = DeniedTopics({"engine": "lexical", "topics": [{**topic, "counter_examples": [
        "How do I sell my shares in the app?", "Where do I see the shares I hold?"]}]})
    howto = "How do I sell shares in the app?"
    assert run(plain, howto, stage="input").categories == ("investment-advice",)
    assert run(countered, howto, stage="input").details["scores"]["investment-advice"] == 0
    assert run(countered, "Should I buy Tesla shares now or sell my fund?", stage="input").categories == (
        "investment-advice",)


def test_embedding_engine_reads_counter_examples_too(run):
    pytest.importorskip("sentence_transformers", reason="needs railguard[embeddings] (CI installs it)")
    plain = DeniedTopics({"engine": "embedding", "topics": [PAY]})
    countered = DeniedTopics({"engine": "embedding", "topics": [{**PAY, "counter_examples": OWN_PAY}]})
    question = "How does the company's bonus scheme work for new starters?"
    assert run(plain, question, stage="input").details["scores"]["colleague-compensation"] > 0
    assert run(countered, question, stage="input").details["scores"]["colleague-compensation"] == 0
    colleague = run(countered, "How big was Sam's bonus last year?", stage="input")
    assert colleague.details["scores"]["colleague-compensation"] > 0.43


def test_llm_prompt_lists_them_under_the_topic():
    topics = [(PAY["name"], PAY["definition"], tuple(PAY["examples"])), ("legal-advice", "Advice on suing.", ())]
    prompt = llm.render(topics, "How is the bonus calculated?", [OWN_PAY[:2], ()])
    assert ('1. colleague-compensation: Questions about the salary, bonus, equity or pay grade of a named colleague '
            'or of other employees.\n   Examples: "What does Priya in finance earn?"; "How big was my manager\'s '
            'bonus?"\n   Not this topic: "How does the company bonus scheme work?"; "When will my own bonus be '
            'paid?"\n2. legal-advice: Advice on suing.\n\nText:') in prompt
    assert llm.render(topics, "x") == llm.render(topics, "x", [(), ()])  # none given: the documented prompt
    seen: list[str] = []
    spec = {"railguard": 1, "name": "t", "input": [{"denied_topics": {
        "engine": "llm", "model": {"callable": "classify"}, "topics": [{**PAY, "counter_examples": OWN_PAY[:1]}]}}]}
    guard = Guard.from_text(json.dumps(spec), resources={"callables": {
        "classify": lambda p: seen.append(p) or '{"topics": []}'}})
    assert not guard.validate("How is the bonus calculated?").blocked
    assert 'Not this topic: "How does the company bonus scheme work?"' in seen[0]


def test_llama_guard_categories_from_topics_carry_them():
    spec = {"railguard": 1, "name": "t", "input": [
        {"denied_topics": {"id": "pay", "topics": [{**PAY, "counter_examples": OWN_PAY[:1]}]}},
        {"llama_guard": {"include_denied_topics": True, "model": {"callable": "lg"}}}]}
    seen: list[str] = []
    guard = Guard.from_text(json.dumps(spec), resources={"callables": {"lg": lambda p: seen.append(p) or "safe"}})
    guard.validate("How is the bonus calculated?")
    assert ("How big was my manager's bonus?\nNot this topic:\n - How does the company bonus scheme work?\n"
            "<END UNSAFE CONTENT CATEGORIES>") in seen[0]


def test_yaml_and_rail_example_specs_agree_and_the_cases_pass():
    yaml_spec, rail_spec = load_spec(ROOT / "specs" / "hr-assistant.yaml"), load_spec(ROOT / "specs" / "hr-assistant.rail")
    assert yaml_spec.input == rail_spec.input
    entry = next(e for e in yaml_spec.input if e.name == "denied_topics")
    assert list(entry.params["topics"][0]["counter_examples"]) == OWN_PAY
    guard = Guard.from_file(ROOT / "specs" / "hr-assistant.rail")
    assert not guard.validate("How is the annual bonus calculated?").blocked
    assert guard.validate("How big was my manager's bonus?").blocked


def test_limits_are_spec_errors_with_paths(spec_error):
    many = ", ".join(f"c{i}" for i in range(11))
    issues = spec_error("railguard: 1\nname: t\ninput:\n  - denied_topics:\n      topics:\n"
                        f"        - {{name: a, definition: d, counter_examples: [{many}]}}\n"
                        f"        - {{name: b, definition: d, counter_examples: [ok, {'x' * 101}]}}\n"
                        "        - {name: c, definition: d, examples: [Same text], counter_examples: [' same TEXT']}\n"
                        "        - {name: e, definition: d, counter_examples: []}\n"
                        "        - {name: f, definition: d, counter_examples: [3]}\n")
    assert [(p, line) for p, line, _ in issues] == [
        ("$.input[0].denied_topics.topics[0].counter_examples", 6),
        ("$.input[0].denied_topics.topics[1].counter_examples[1]", 7),
        ("$.input[0].denied_topics.topics[2].counter_examples[0]", 8),
        ("$.input[0].denied_topics.topics[4].counter_examples[0]", 10)]
    messages = [m for _, _, m in issues]
    assert messages[0] == "11 counter-examples; a topic has at most 10"
    assert messages[1].endswith("has 101 characters; a counter-example has at most 100")
    assert messages[2] == ("' same TEXT' is also one of the topic's examples: a text cannot be both on the topic "
                           "and not on it")
    assert "3 is not of type 'string'" in messages[3]


def test_bedrock_export_says_they_are_not_exported():
    from railguard.aws.bedrock_export import spec_to_request

    exported = spec_to_request(load_spec(ROOT / "specs" / "hr-assistant.yaml"))
    (topic,) = exported.request["topicPolicyConfig"]["topicsConfig"]
    assert "counter_examples" not in topic and topic["name"] == "colleague-compensation"
    assert any(n.endswith("topics[0].counter_examples: no Bedrock counterpart; not exported") for n in exported.notes)
