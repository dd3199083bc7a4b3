"""json_schema: errors with JSON paths, reask corrections, fix by extraction, load-time schema checks."""

from __future__ import annotations

import json
import time

import pytest

from railguard_validators.json_schema import JsonSchema, json_path

SCHEMA = {
    "type": "object",
    "required": ["items"],
    "properties": {
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "price"],
                "properties": {"name": {"type": "string"}, "price": {"type": "number", "minimum": 0}},
            },
        },
        "note": {"type": "string", "maxLength": 10},
    },
}
YAML = """\
railguard: 1
name: json-test
settings: {max_reasks: 2}
output:
  - json_schema:
      on_fail: {on_fail}
      schema:
        type: object
        required: [items]
        properties:
          items:
            type: array
            items:
              type: object
              required: [name, price]
              properties:
                name: {type: string}
                price: {type: number, minimum: 0}
          note: {type: string, maxLength: 10}
"""
RAIL = """\
<rail version="1" name="json-test">
  <settings max-reasks="2"/>
  <output>
    <json-schema on-fail="{on_fail}">
      {schema}
    </json-schema>
  </output>
</rail>
"""


def yaml_spec(on_fail: str) -> str:
    return YAML.replace("{on_fail}", on_fail)


def rail_spec(on_fail: str) -> str:
    return RAIL.replace("{on_fail}", on_fail).replace("{schema}", json.dumps(SCHEMA))


def test_yaml_and_rail_load_to_the_same_schema(guard):
    y = JsonSchema(guard(yaml_spec("reask")).spec.output[0].params)
    x = JsonSchema(guard(rail_spec("reask")).spec.output[0].params)
    assert y.schema == x.schema == SCHEMA


def test_rail_schema_as_a_child_element(guard):
    spec = ('<rail version="1" name="t"><output><json-schema>'
            '<schema>{"type": "array", "maxItems": 1}</schema></json-schema></output></rail>')
    g = guard(spec)
    assert g.validate("[1]", source="output").output == "[1]"
    r = g.validate("[1, 2]", source="output")
    assert r.blocked and r.failures[0].message == "the JSON does not match the schema: $: [1, 2] is too long"


def test_errors_are_listed_with_json_paths(run):
    v = JsonSchema({"schema": SCHEMA})
    doc = {"items": [{"name": "a", "price": 1}, {"name": "b", "price": 2}, {"name": "c", "price": -1},
                     {"price": "x"}], "note": "n" * 60}
    out = run(v, json.dumps(doc))
    assert not out.passed and out.fix is None
    assert out.message == (
        "the JSON does not match the schema: $.items[2].price: -1 is less than the minimum of 0; "
        "$.items[3]: 'name' is a required property; $.items[3].price: 'x' is not of type 'number'; "
        "$.note: '" + "n" * 36 + "... is too long")  # the value cut to 40 characters
    assert dict(out.details) == {"errors": 4, "json": True}
    assert run(v, json.dumps({"items": []})).passed


def test_long_lists_of_errors_are_cut(run):
    v = JsonSchema({"schema": {"type": "array", "items": {"type": "integer"}}})
    out = run(v, json.dumps(["x"] * 25))
    assert out.message.endswith("$[9]: 'x' is not of type 'integer'; and 15 more")
    assert out.details["errors"] == 25


def test_json_paths():
    assert json_path(["items", 2, "price"]) == "$.items[2].price"
    assert json_path(["a b", 0, "ü"]) == '$["a b"][0]["\\u00fc"]'


def test_not_json(run):
    out = run(JsonSchema({"schema": SCHEMA}), "I think the price is 3")
    assert out.message == "the text is not valid JSON (Expecting value at line 1 column 1); answer with JSON only"
    assert out.fix is None


def test_reask_sends_the_errors_back_and_accepts_the_corrected_answer(guard):
    g = guard(yaml_spec("reask"))
    answers = iter(['{"items": [{"name": "tea", "price": -2}]}', '{"items": [{"name": "tea", "price": 2}]}'])
    seen = []

    def model(prompt):
        seen.append(prompt)
        return next(answers)

    r = g.call(model, "List the items as JSON.")
    assert r.output == '{"items": [{"name": "tea", "price": 2}]}' and not r.blocked
    (reask,) = r.reasks
    assert reask.failed == ("json_schema",)
    assert "$.items[0].price: -2 is less than the minimum of 0" in reask.correction
    assert len(seen) == 2 and "$.items[0].price" in json.dumps(seen[1], default=str)


def test_reask_that_keeps_failing_blocks(guard):
    g = guard(rail_spec("reask"))
    r = g.call(lambda prompt: "no JSON for you", "List the items as JSON.")
    assert r.blocked and len(r.reasks) == 2
    assert r.output == "Sorry, I can't share that answer."


@pytest.mark.parametrize("answer, fixed", [
    ('Sure! Here it is:\n```json\n{"items": [{"name": "a", "price": 1}]}\n```\nAnything else?',
     '{"items": [{"name": "a", "price": 1}]}'),
    ('```\n{"items": []}\n```', '{"items": []}'),
    ('The answer is {"items": [{"name": "a", "price": 0}]} as requested.', '{"items": [{"name": "a", "price": 0}]}'),
    ('{"nope": 1} and then {"items": []}', '{"items": []}'),
])
def test_fix_extracts_valid_json_from_prose_or_a_fenced_block(guard, answer, fixed):
    r = guard(yaml_spec("fix")).validate(answer, source="output")
    assert r.output == fixed and not r.blocked
    assert r.output_stage.assessments[0].action == "fix"


def test_fix_is_not_offered_when_the_embedded_json_is_invalid_too(guard):
    r = guard(yaml_spec("fix")).validate('Here: {"items": [{"name": "a", "price": -1}]}', source="output")
    assert r.blocked
    assert "fix asked for but no fix value was given" in r.failures[0].message


def test_formats_are_checked_only_when_asked(run):
    schema = {"type": "string", "format": "email"}
    assert run(JsonSchema({"schema": schema}), '"not an email"').passed
    out = run(JsonSchema({"schema": schema, "formats": True}), '"not an email"')
    assert out.message == "the JSON does not match the schema: $: 'not an email' is not a 'email'"


def test_bad_schemas_are_spec_errors(spec_error):
    issues = spec_error(yaml_spec("reask").replace("minimum: 0", "minimum: zero"))
    assert issues == [("$.output[0].json_schema.schema.properties.items.items.properties.price.minimum", 18,
                       "not a valid JSON Schema: 'zero' is not of type 'number'")]
    bad_json = rail_spec("reask").replace(json.dumps(SCHEMA), '{"type": "object",}')
    (issue,) = spec_error(bad_json)
    assert issue[0] == "$.output[0].json_schema.schema"
    assert issue[2] == ("not valid JSON: Expecting property name enclosed in double quotes at line 1 column 19 "
                        "of the text (an object or a boolean is wanted here)")
    remote = rail_spec("reask").replace(json.dumps(SCHEMA), '{"$ref": "https://example.com/item.json"}')
    assert spec_error(remote)[0][2] == ("'https://example.com/item.json': only local references ('#/...') are "
                                        "allowed; a spec never fetches schemas")
    (issue,) = spec_error(rail_spec("reask").replace(json.dumps(SCHEMA), "[1, 2]"))
    assert issue[2] == "'[1, 2]' is not of type 'object', 'boolean'"


def test_local_references_work(run):
    schema = {"$defs": {"item": {"type": "integer"}}, "type": "array", "items": {"$ref": "#/$defs/item"}}
    assert run(JsonSchema({"schema": schema}), "[1, 2]").passed
    assert run(JsonSchema({"schema": schema}), '[1, "2"]').message.endswith("$[1]: '2' is not of type 'integer'")


def test_ten_megabytes_of_json_and_of_prose(run):
    v = JsonSchema({"schema": SCHEMA})
    big = json.dumps({"items": [{"name": "x" * 2_000_000, "price": i} for i in range(5)]})
    assert len(big) > 10_000_000
    t0 = time.perf_counter()
    assert run(v, big).passed
    prose = "{ not json " * 1_000_000
    out = run(v, prose)
    assert not out.passed and out.fix is None
    assert time.perf_counter() - t0 < 30.0  # hang guard: extraction tries a bounded number of places


def test_needs_the_whole_text_in_a_stream():
    assert JsonSchema({"schema": True}).lookahead() is None
