"""Llama Guard covering a spec's denied topics in the same model call, from a real YAML spec."""

from __future__ import annotations

from railguard import Guard

SPEC = """\
railguard: 1
name: clinic
input:
  - denied_topics:
      id: med
      topics:
        - name: medication-dosage
          definition: Advice on doses of prescription or over-the-counter medicine.
          examples: ["How many mg of ibuprofen can I take?"]
      on_fail: block
  - llama_guard:
      version: 3
      model_variant: 8b
      categories: [S1, S2]
      include_denied_topics: true
      model: {callable: guard_model}
"""


def test_denied_topics_reach_llama_guard_as_custom_categories_and_block() -> None:
    prompts: list[str] = []

    def guard_model(prompt: str) -> str:
        prompts.append(prompt)
        return "unsafe\nS15" if "ibuprofen" in prompt.split("<BEGIN CONVERSATION>")[1] else "safe"

    guard = Guard.from_text(SPEC, resources={"callables": {"guard_model": guard_model}})
    clean = guard.validate("What are the clinic's opening hours?")
    assert not clean.blocked
    assert "S15: medication-dosage\nAdvice on doses of prescription or over-the-counter medicine." in prompts[0]
    assert "S1: Violent Crimes.\nS2: Non-Violent Crimes.\nS15: medication-dosage" in prompts[0]

    flagged = guard.validate("Can I take 1200 mg of ibuprofen at once?")
    assert flagged.blocked
    lg = next(a for a in flagged.assessments if a.validator == "llama_guard")
    assert lg.categories == ("S15",) and lg.action == "block"
    assert lg.details["topics"] == {"S15": "medication-dosage"}
