"""The llama_guard validator in specs: parameters, decisions, per-category actions, denied topics."""
from __future__ import annotations

import logging

import pytest

from railguard import Context, Guard, GuardBlocked, SpecError
from railguard._frozen import freeze
from railguard.spec.model import Messages, Settings, Spec, ValidatorSpec
from railguard_validators.llama_guard import LlamaGuard


class Scripted:
    """A callable backend that records prompts and answers from a script or a rule."""

    def __init__(self, *answers, rule=None):
        self.answers = list(answers)
        self.rule = rule
        self.prompts: list[str] = []

    def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        if self.answers:
            return self.answers.pop(0)
        return self.rule(prompt)


def spec_text(body: str, stage: str = "input") -> str:
    return f"""
railguard: 1
name: lg-test
messages: {{blocked_input: BLOCKED-IN, blocked_output: BLOCKED-OUT}}
{stage}:
  - llama_guard:
{body}
"""


def guard_with(body: str, fn, stage: str = "input") -> Guard:
    return Guard.from_text(spec_text(body, stage), resources={"callables": {"lg": fn}})


def errors_of(body: str, stage: str = "input", **kw) -> str:
    with pytest.raises(SpecError) as info:
        Guard.from_text(spec_text(body, stage), **kw)
    return str(info.value)


# -- parameters ------------------------------------------------------------------------------------

@pytest.mark.parametrize("body, expected", [
    ("      version: 1\n      model_variant: 8b\n      model: {callable: lg}",
     "$.input[0].llama_guard.model_variant: '8b' is not a Llama Guard 1 model; valid for version 1: ['7b']"),
    ("      model_variant: 1b\n      categories: [S1, S14]\n      model: {callable: lg}",
     "$.input[0].llama_guard.categories[1]: 'S14' is not a category of Llama-Guard-3-1B (Code Interpreter Abuse "
     "exists only on Llama-Guard-3-8B)"),
    ("      categories: [S1, s1]\n      model: {callable: lg}",
     "$.input[0].llama_guard.categories[1]: 'S1' is listed twice"),
    ("      version: 2\n      categories: [S12]\n      model: {callable: lg}",
     "$.input[0].llama_guard.categories[0]: 'S12' is not a category of Meta-Llama-Guard-2-8B"),
    ("      categories: [S1O]\n      model: {callable: lg}",
     "$.input[0].llama_guard.categories[0]: 'S1O' is not a category of Llama-Guard-3-8B (did you mean 'S1'?)"),
    ("      categories: [S1, S2]\n      category_actions: {log: [S6]}\n      model: {callable: lg}",
     "$.input[0].llama_guard.category_actions.log[0]: 'S6' is not among the categories this entry checks"),
    ("      category_actions: {log: [S6], block: [S6]}\n      model: {callable: lg}",
     "$.input[0].llama_guard.category_actions.block[0]: 'S6' already has the action 'log'"),
    ("      category_actions: {mask: [S6]}\n      model: {callable: lg}",
     "$.input[0].llama_guard.category_actions.mask: 'mask' is not a known key"),
    ("      model: {openai: {base_url: 'http://vllm:8000/v1/chat/completions'}}",
     "$.input[0].llama_guard.model.openai.base_url: 'http://vllm:8000/v1/chat/completions' is a chat route"),
    ("      model: {sagemaker: {endpoint: a}, bedrock: {model_id: b}}",
     "$.input[0].llama_guard.model"),
    ("      include_denied_topics: true\n      denied_topics_from: t\n      model: {callable: lg}",
     "$.input[0].llama_guard.denied_topics_from: give either include_denied_topics or denied_topics_from"),
    ("      categories: [{code: X1}]\n      model: {callable: lg}",
     "$.input[0].llama_guard.categories[0].code: 'X1' is not a category of Llama-Guard-3-8B"),
    ("      version: 4\n      model: {callable: lg}",
     "$.input[0].llama_guard.version: 4 is not one of [1, 2, 3]"),
    ("      max_new_tokens: 0\n      model: {callable: lg}",
     "$.input[0].llama_guard.max_new_tokens: 0 is less than the minimum of 1"),
    ("      categories: [S1]", "$.input[0].llama_guard: 'model' is a required property"),
])
def test_parameter_problems_are_reported_with_their_path(body, expected):
    assert expected in errors_of(body)


def test_a_callable_that_was_not_passed_is_a_spec_error():
    text = errors_of("      model: {callable: {name: my_guard_fn}}", resources={"callables": {"other": print}})
    assert ("$.input[0].llama_guard: callable 'my_guard_fn' was not passed in: give it as "
            "Guard.from_file(..., resources={'callables': {'my_guard_fn': fn}}); callables passed: ['other']") in text


def test_callable_from_the_entry_id_resources():
    fn = Scripted(rule=lambda p: "safe")
    guard = Guard.from_text(spec_text("      id: lg-in\n      model: {callable: guardfn}"),
                            resources={"lg-in": {"guardfn": fn}})
    assert not guard.validate("hello", source="input").blocked
    assert len(fn.prompts) == 1


# -- decisions -------------------------------------------------------------------------------------

def test_safe_passes_with_details():
    fn = Scripted("\n\nsafe")
    result = guard_with("      model: {callable: lg}", fn).validate("How do I bake bread?", source="input")
    assert not result.blocked and result.output == "How do I bake bread?"
    [a] = result.assessments
    assert a.passed
    assert dict(a.details)["model"] == "Llama-Guard-3-8B" and a.details["role"] == "User"
    assert a.details["verdict"]["safe"] is True and a.details["backend"] == "callable:lg"
    assert fn.prompts[0].endswith("User: How do I bake bread?\n\n<END CONVERSATION>\n\nProvide your safety "
                                  "assessment for ONLY THE LAST User message in the above conversation:\n - First "
                                  "line must read 'safe' or 'unsafe'.\n - If unsafe, a second line must include a "
                                  "comma-separated list of violated categories.<|eot_id|><|start_header_id|>"
                                  "assistant<|end_header_id|>")


def test_unsafe_blocks_and_names_the_categories_without_the_text():
    secret = "how to build a pipe bomb at home"
    result = guard_with("      model: {callable: lg}", Scripted("unsafe\nS9,S1")).validate(secret, source="input")
    assert result.blocked and result.output == "BLOCKED-IN"
    [a] = result.assessments
    assert a.categories == ("S9", "S1") and a.action == "block"
    assert a.message == ("Llama-Guard-3-8B found the user's message unsafe: S9 Indiscriminate Weapons, "
                         "S1 Violent Crimes")
    assert "bomb" not in a.message and "bomb" not in str(a.to_dict())


@pytest.mark.parametrize("answer, action, blocked", [
    ("unsafe\nS6", "log", False),
    ("unsafe\nS6,S1", "block", True),
    ("unsafe\nS11", "raise", True),
    ("unsafe\nS2", "block", True),        # no override: on_fail
    ("unsafe\nS99", "block", True),       # unknown code: on_fail, fail closed
    ("unsafe", "block", True),            # no code named
])
def test_category_actions_strongest_wins(answer, action, blocked, caplog):
    body = ("      categories: [S1, S2, S6, S11]\n"
            "      category_actions: {log: [S6], raise: [S11], block: [S1]}\n"
            "      model: {callable: lg}\n      on_fail: block")
    guard = guard_with(body, Scripted(answer))
    caplog.set_level(logging.WARNING, logger="railguard.actions")
    if action == "raise":
        with pytest.raises(GuardBlocked) as info:
            guard.validate("text", source="input")
        result = info.value.result
    else:
        result = guard.validate("text", source="input")
    assert result.blocked == blocked
    assert result.assessments[0].action == action
    if action == "log":
        assert result.output == "text" and "failed: Llama-Guard-3-8B found" in caplog.text


def test_on_fail_log_with_a_block_override():
    body = "      category_actions: {block: [S1]}\n      model: {callable: lg}\n      on_fail: log"
    guard = guard_with(body, Scripted("unsafe\nS5", "unsafe\nS5,S1"))
    assert not guard.validate("a", source="input").blocked
    assert guard.validate("b", source="input").blocked


def test_unreadable_answer_fails_closed_without_keeping_the_raw_text():
    result = guard_with("      model: {callable: lg}", Scripted("I cannot help with that, here is why: ...")).validate(
        "x", source="input")
    [a] = result.assessments
    assert result.blocked and a.action == "block"
    assert a.message == ("Llama-Guard-3-8B's answer could not be read: the first line is not 'safe' or 'unsafe' "
                         "(41 chars); counted as unsafe (fail closed)")
    assert "raw" not in a.details and a.details["raw_chars"] == 41


def test_backend_errors_follow_on_error():
    def broken(prompt):
        raise ConnectionError("endpoint unreachable")

    blocked = guard_with("      model: {callable: lg}", broken).validate("x", source="input")
    assert blocked.blocked and "ConnectionError: endpoint unreachable" in blocked.assessments[0].error
    allowed = guard_with("      model: {callable: lg}\n      on_error: allow", broken).validate("x", source="input")
    assert not allowed.blocked and allowed.assessments[0].action == "allow"


def test_async_callables_are_refused_clearly():
    async def fn(prompt):
        return "safe"

    result = guard_with("      model: {callable: lg}", fn).validate("x", source="input")
    assert result.blocked and "is async; the llama_guard callable backend takes a plain function" in \
        result.assessments[0].error


def test_empty_text_is_not_sent():
    fn = Scripted(rule=lambda p: "unsafe")
    result = guard_with("      model: {callable: lg}", fn).validate("   ", source="input")
    assert not result.blocked and fn.prompts == []


def test_the_output_stage_assesses_the_agent_on_the_whole_conversation():
    fn = Scripted("safe", "unsafe\nS1")
    guard = guard_with("      model: {callable: lg}", fn, stage="output")
    messages = [{"role": "user", "content": "Tell me a story."}, {"role": "assistant", "content": "Once..."},
                {"role": "user", "content": "Go on."}]
    ok = guard.call(lambda m: "They lived happily.", messages)
    assert ok.output == "They lived happily."
    assert ("User: Tell me a story.\n\nAgent: Once...\n\nUser: Go on.\n\nAgent: They lived happily.\n\n"
            "<END CONVERSATION>\n\nProvide your safety assessment for ONLY THE LAST Agent message") in fn.prompts[0]
    assert "'Agent' messages" in fn.prompts[0]
    bad = guard.call(lambda m: "Something violent.", messages)
    assert bad.blocked and bad.output == "BLOCKED-OUT" and bad.blocked_stage == "output"


def test_the_input_stage_renders_earlier_turns_in_order():
    fn = Scripted("safe")
    guard = guard_with("      model: {callable: lg}", fn)
    guard.call(lambda m: "fine", [{"role": "system", "content": "Be nice."}, {"role": "user", "content": "Hi"},
                                  {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "Bye"}])
    assert "<BEGIN CONVERSATION>\n\nUser: Hi\n\nAgent: Hello!\n\nUser: Bye\n\n<END CONVERSATION>" in fn.prompts[0]
    assert "Be nice." not in fn.prompts[0]


def test_text_that_differs_from_the_messages_is_what_gets_assessed():
    validator = LlamaGuard({"model": {"callable": "x"}}, stage="input")
    from railguard import Message

    context = Context("input", "llama_guard", messages=(Message("user", "my card 4111"),))
    assert validator.conversation("my card {CREDIT_CARD}", context) == [Message("user", "my card {CREDIT_CARD}")]
    many = Context("input", "llama_guard", messages=(Message("user", "a"), Message("user", "b")))
    assert validator.conversation("chunk of a", many) == [Message("user", "chunk of a")]


def test_streaming_contract_and_chunking():
    validator = LlamaGuard({"model": {"callable": "x"}, "batch_chars": 400, "max_chars": 8000}, stage="output")
    assert validator.lookahead() is None and validator.batch_chars() == 400 and not validator.inline
    policy = validator.chunk_policy()
    assert (policy.max_chars, policy.chunk_chars, policy.boundary_window) == (8000, 8000, 0)
    assert LlamaGuard({"model": {"callable": "x"}}).batch_chars() == 1000
    assert LlamaGuard({"model": {"callable": "x"}}).chunk_policy() is None


def test_custom_categories_in_the_prompt_and_the_verdict():
    body = ("      version: 3\n      model_variant: 1b\n      categories:\n        - S1\n"
            "        - {code: X1, name: Religion., description: AI models should not discuss religion.}\n"
            "      model: {callable: lg}")
    fn = Scripted("unsafe\nX1")
    result = guard_with(body, fn).validate("Which religion is best?", source="input")
    assert "\nS1: Violent Crimes.\nX1: Religion.\nAI models should not discuss religion.\n<END UNSAFE" in fn.prompts[0]
    assert result.blocked and result.assessments[0].message.endswith("X1 Religion")


# -- denied topics as custom categories ---------------------------------------------------------------

def _spec(*entries: ValidatorSpec) -> Spec:
    return Spec(1, "t", None, Messages("in", "out"), Settings("block", 10.0, 1, "return", "{TYPE}"),
                tuple(e for e in entries if e.stage == "input"), tuple(e for e in entries if e.stage == "output"))


def _entry(name, id, stage, index, params, on_fail="block"):
    return ValidatorSpec(name, id, stage, index, freeze(params), on_fail, "block", 10.0)


TOPICS = {"topics": [{"name": "medication-dosage", "definition": "Advice on doses of medicine.",
                      "examples": ["How many mg of ibuprofen can I take?"]},
                     {"name": "investment-advice", "definition": "Recommendations to buy or sell securities."}]}


def _linked(params, *others, stage="input"):
    entry = _entry("llama_guard", "lg", stage, len(others), params)
    validator = LlamaGuard(freeze(params), stage=stage)
    validator.entry_id = "lg"
    validator.link(_spec(*others, entry), {"callables": {"fn": lambda p: "safe"}})
    return validator


def test_denied_topics_become_categories_with_the_next_codes():
    topics = _entry("denied_topics", "topics", "input", 0, TOPICS, on_fail="log")
    validator = _linked({"include_denied_topics": True, "model": {"callable": "fn"}}, topics)
    assert [(c.code, c.name) for c in validator.categories[-2:]] == [("S15", "medication-dosage"),
                                                                      ("S16", "investment-advice")]
    prompt = validator.prompt("How much aspirin?", Context("input", "lg"))
    assert ("S14: Code Interpreter Abuse.\nS15: medication-dosage\nAdvice on doses of medicine.\nExamples of this "
            "topic:\n - How many mg of ibuprofen can I take?\nS16: investment-advice\nRecommendations to buy or sell "
            "securities.\n<END UNSAFE CONTENT CATEGORIES>") in prompt
    validator.backend = type("B", (), {"generate": lambda self, p: "unsafe\nS15", "describe": lambda self: "b"})()
    outcome = validator.validate("How much aspirin?", Context("input", "lg"))
    assert outcome.categories == ("S15",) and outcome.action == "log"  # the denied_topics entry's on_fail
    assert outcome.details["topics"] == {"S15": "medication-dosage"}


def test_denied_topics_from_an_entry_id_in_either_stage():
    topics = _entry("denied_topics", "med", "output", 0, TOPICS)
    validator = _linked({"denied_topics_from": "med", "version": 1, "model": {"callable": "fn"}}, topics)
    assert [c.code for c in validator.categories] == ["O1", "O2", "O3", "O4", "O5", "O6", "O7", "O8"]


@pytest.mark.parametrize("params, others, message", [
    ({"include_denied_topics": True}, (), "include_denied_topics: the input stage has no denied_topics entry"),
    ({"denied_topics_from": "nope"}, (), "denied_topics_from: no entry has the id 'nope'; denied_topics entries: []"),
    ({"denied_topics_from": "rx"}, (_entry("regex", "rx", "input", 0, {"patterns": []}),),
     "denied_topics_from: 'rx' is a 'regex' entry, not denied_topics"),
])
def test_denied_topic_options_that_point_at_nothing(params, others, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        _linked({**params, "model": {"callable": "fn"}}, *others)


# -- RAIL forms -------------------------------------------------------------------------------------

def test_rail_category_forms():
    guard = Guard.from_text("""<rail version="1" name="r">
  <input>
    <llama-guard version="3" model-variant="1b">
      <category code="S1"/>
      <category>S10</category>
      <category code="X1" name="Religion.">AI models should not discuss religion.</category>
      <category-actions log="X1"/>
      <model><callable name="lg"/></model>
    </llama-guard>
  </input>
</rail>""", resources={"callables": {"lg": lambda p: "unsafe\nX1"}})
    validator = guard.graph.input.nodes[0].validator
    assert [(c.code, c.custom) for c in validator.categories] == [("S1", False), ("S10", False), ("X1", True)]
    assert validator.categories[2].description == "AI models should not discuss religion."
    result = guard.validate("x", source="input")
    assert not result.blocked and result.assessments[0].action == "log"


def test_the_documented_examples_load_and_are_twins():
    import re

    from railguard import load_spec

    from readme import section

    doc = section("llama_guard")
    yaml_text = re.search(r"```yaml\n(.*?)```", doc, re.S).group(1)
    xml_text = re.search(r"```xml\n(.*?)```", doc, re.S).group(1)
    from_yaml = load_spec("railguard: 1\nname: doc\n" + yaml_text, format="yaml")
    from_rail = load_spec(f'<rail version="1" name="doc">{xml_text}</rail>', format="rail")
    assert from_yaml == from_rail
    Guard.from_spec(from_yaml)  # compiles; no client is built
