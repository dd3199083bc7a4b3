"""The pii validator through real specs: YAML and RAIL, per-entity actions, allow, mask_format, errors."""

from __future__ import annotations

import pytest

from railguard import Guard, SpecError

TEXT = "Mail jane.roe@example.com, SSN 536-22-1234, card 4111 1111 1111 1111."

YAML_MASK = """\
railguard: 1
name: pii-mask
input:
  - pii:
      entities: [EMAIL, US_SOCIAL_SECURITY_NUMBER, CREDIT_DEBIT_CARD_NUMBER]
"""

RAIL_MASK = """\
<rail version="1" name="pii-mask">
  <input>
    <pii entities="EMAIL US_SOCIAL_SECURITY_NUMBER CREDIT_DEBIT_CARD_NUMBER"/>
  </input>
</rail>
"""


@pytest.mark.parametrize("spec", [YAML_MASK, RAIL_MASK], ids=["yaml", "rail"])
def test_default_action_masks_every_value(spec):
    result = Guard.from_text(spec).validate(TEXT)
    assert result.output == "Mail {EMAIL}, SSN {US_SOCIAL_SECURITY_NUMBER}, card {CREDIT_DEBIT_CARD_NUMBER}."
    (a,) = result.assessments
    assert (a.action, a.passed) == ("mask", False)
    assert a.message == "detected CREDIT_DEBIT_CARD_NUMBER, EMAIL, US_SOCIAL_SECURITY_NUMBER"
    assert a.details["engine"] == "rules"
    assert [(s.type, TEXT[s.start:s.end], s.action) for s in a.spans] == [
        ("EMAIL", "jane.roe@example.com", None), ("US_SOCIAL_SECURITY_NUMBER", "536-22-1234", None),
        ("CREDIT_DEBIT_CARD_NUMBER", "4111 1111 1111 1111", None)]


YAML_BLOCK = """\
railguard: 1
name: pii-block
input:
  - pii:
      entities:
        - EMAIL
        - {type: US_SOCIAL_SECURITY_NUMBER, action: block}
      on_fail: mask
"""

RAIL_BLOCK = """\
<rail version="1" name="pii-block">
  <input>
    <pii on-fail="mask">
      <entity>EMAIL</entity>
      <entity type="US_SOCIAL_SECURITY_NUMBER" action="block"/>
    </pii>
  </input>
</rail>
"""


@pytest.mark.parametrize("spec", [YAML_BLOCK, RAIL_BLOCK], ids=["yaml", "rail"])
def test_per_entity_block_wins_over_mask(spec):
    guard = Guard.from_text(spec)
    blocked = guard.validate("SSN 536-22-1234, mail jane.roe@example.com")
    assert blocked.blocked and blocked.output == "Sorry, I can't help with that request."
    (a,) = blocked.assessments
    assert a.action == "block"
    assert {(s.type, s.action) for s in a.spans} == {("EMAIL", None), ("US_SOCIAL_SECURITY_NUMBER", "block")}
    masked = guard.validate("mail jane.roe@example.com")
    assert not masked.blocked and masked.output == "mail {EMAIL}"


def test_yaml_and_rail_load_to_the_same_parameters():
    assert Guard.from_text(YAML_BLOCK).spec.input[0].params == Guard.from_text(RAIL_BLOCK).spec.input[0].params


def test_mask_format_and_allow():
    guard = Guard.from_text("""\
railguard: 1
name: pii-allow
input:
  - pii:
      entities: [EMAIL, PHONE]
      mask_format: "[TYPE]"
      allow: [support@acme.example, "(415) 555 0132"]
""")
    result = guard.validate("Write support@acme.example or bob@acme.example; call 415-555-0132 or 212-555-0188.")
    # The allowed phone is written differently: allow compares with separators removed.
    assert result.output == "Write support@acme.example or [EMAIL]; call 415-555-0132 or [PHONE]."


def test_allow_is_exact_or_normalised_but_never_partial():
    guard = Guard.from_text("""\
railguard: 1
name: pii-allow2
input:
  - pii: {entities: [EMAIL], allow: [Support@Acme.example]}
""")
    assert guard.validate("support@acme.example").output == "support@acme.example"
    assert guard.validate("support@acme.example.org").output == "{EMAIL}"


def test_unknown_entity_is_a_spec_error_with_a_suggestion_path_and_line():
    spec = """\
railguard: 1
name: pii-bad
input:
  - pii:
      entities:
        - EMAIL
        - US_SOCIAL_SECURITY_NUMBR
"""
    with pytest.raises(SpecError) as info:
        Guard.from_text(spec)
    (issue,) = info.value.issues
    assert issue.path == "$.input[0].pii.entities[1]"
    assert issue.line == 7
    assert issue.message.startswith("'US_SOCIAL_SECURITY_NUMBR' is not a PII entity type "
                                    "(did you mean 'US_SOCIAL_SECURITY_NUMBER'?)")


def test_unknown_entity_in_rail_and_in_an_object_entry():
    rail = """\
<rail version="1" name="pii-bad">
  <input>
    <pii>
      <entity type="EMAIL"/>
      <entity type="phone" action="block"/>
    </pii>
  </input>
</rail>
"""
    with pytest.raises(SpecError) as info:
        Guard.from_text(rail)
    (issue,) = info.value.issues
    assert issue.path == "$.input[0].pii.entities[1].type"
    assert issue.line == 5
    assert "(did you mean 'PHONE'?)" in issue.message


@pytest.mark.parametrize("params,path,fragment", [
    ("{entities: [EMAIL, EMAIL]}", "$.input[0].pii.entities[1]", "already listed as entities[0]"),
    ("{entities: []}", "$.input[0].pii.entities", "should be non-empty"),
    ("{entities: [{type: EMAIL, action: anonymize}]}", "$.input[0].pii.entities[0]", "anonymize"),
    ("{entities: [EMAIL], engine: bert}", "$.input[0].pii.engine", "'bert' is not one of"),
    ("{entities: [EMAIL], spacy_model: en_core_web_sm}", "$.input[0].pii.spacy_model", "only used with engine: spacy"),
    ("{entities: [PHONE], phone_regions: [UK]}", "$.input[0].pii.phone_regions[0]", "did you mean 'GB'?"),
    ("{entities: [EMAIL], masks: x}", "$.input[0].pii.masks", "not a known key"),
])
def test_parameter_errors(params, path, fragment):
    with pytest.raises(SpecError) as info:
        Guard.from_text(f"railguard: 1\nname: p\ninput:\n  - pii: {params}\n")
    assert any(i.path == path and fragment in i.message for i in info.value.issues), info.value.issues


def test_spacy_engine_with_a_missing_pipeline_fails_at_load_with_the_install_command():
    with pytest.raises(SpecError) as info:
        Guard.from_text("railguard: 1\nname: p\ninput:\n  - pii: {entities: [NAME], engine: spacy, "
                        "spacy_model: xx_not_installed_pipeline}\n")
    (issue,) = info.value.issues
    assert issue.path == "$.input[0].pii.spacy_model"
    assert "'xx_not_installed_pipeline' is not an installed spaCy pipeline" in issue.message
    assert "python -m spacy download xx_not_installed_pipeline" in issue.message


def test_messages_never_quote_the_matched_text():
    text = TEXT + " Also bob@example.org."
    result = Guard.from_text(YAML_MASK).validate(text)
    (a,) = result.assessments
    assert a.message == "detected CREDIT_DEBIT_CARD_NUMBER, EMAIL x2, US_SOCIAL_SECURITY_NUMBER"
    assert len(a.spans) == 4
    for span in a.spans:
        assert text[span.start:span.end] not in (a.message or "")
        assert span.explanation and "@" not in span.explanation


def test_output_stage_and_default_on_fail():
    guard = Guard.from_text("railguard: 1\nname: p\noutput:\n  - pii: {entities: [EMAIL]}\n")
    result = guard.validate("reach me at a.b@example.com", source="output")
    assert result.output == "reach me at {EMAIL}"
    assert result.assessments[0].action == "mask"


def test_a_clean_text_passes_and_reports_the_engine():
    result = Guard.from_text(YAML_MASK).validate("Nothing personal here: 42 apples, version 3.1.")
    (a,) = result.assessments
    assert a.passed and result.output == "Nothing personal here: 42 apples, version 3.1."
    assert a.details["engine"] == "rules"
