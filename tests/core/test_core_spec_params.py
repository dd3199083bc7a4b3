"""Parameter-level spec checks of issue 9: an invalid JSON Schema reports every error, and the
words validator's ``normalize: true`` and RAIL ``normalize="all"`` load equal."""

from __future__ import annotations

import pytest

from railguard import SpecError, load_spec

BAD_SCHEMA = """\
railguard: 1
name: t
output:
  - json_schema:
      schema:
        type: objec
        properties:
          a: {type: strin}
          b: {minimum: "x"}
          c: {required: 5}
"""


def test_an_invalid_json_schema_reports_all_its_errors():
    with pytest.raises(SpecError) as exc:
        load_spec(BAD_SCHEMA)
    found = [(i.line, i.path) for i in exc.value.issues]
    base = "$.output[0].json_schema.schema"
    assert found == [(6, f"{base}.type"), (8, f"{base}.properties.a.type"), (9, f"{base}.properties.b.minimum"),
                     (10, f"{base}.properties.c.required")]
    assert all(i.message.startswith("not a valid JSON Schema: ") for i in exc.value.issues)


def test_an_invalid_json_schema_in_rail_reports_all_its_errors_too():
    rail = ('<rail version="1" name="t"><output>\n<json-schema>{"type": "objec", "properties": '
            '{"a": {"type": "strin"}}}</json-schema>\n</output></rail>')
    with pytest.raises(SpecError) as exc:
        load_spec(rail)
    assert sorted(i.path for i in exc.value.issues) == ["$.output[0].json_schema.schema.properties.a.type",
                                                        "$.output[0].json_schema.schema.type"]
    assert all(i.line == 2 for i in exc.value.issues)


@pytest.mark.parametrize("yaml_value, rail_value", [("true", "all"), ("true", "true"), ("false", "false"),
                                                    ("[leet, repeats]", "leet repeats"), ("[all]", "all, leet")])
def test_words_normalize_twins_load_equal(yaml_value, rail_value):
    yaml_spec = load_spec(f"railguard: 1\nname: t\ninput:\n  - words: {{words: [darn], normalize: {yaml_value}}}\n")
    rail_spec = load_spec(f'<rail version="1" name="t"><input><words words="darn" normalize="{rail_value}"/>'
                          '</input></rail>')
    if rail_value == "all, leet":  # a list that names 'all' stays a list, as in YAML
        assert dict(rail_spec.input[0].params)["normalize"] == ("all", "leet")
        return
    assert yaml_spec == rail_spec
