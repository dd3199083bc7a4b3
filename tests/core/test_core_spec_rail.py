"""RAIL XML: the same model as YAML, typed by the validators' schemas, parsed with no DTD or entities."""

from __future__ import annotations

import http.server
import textwrap
import threading
import time
from pathlib import Path

import pytest

from railguard import Outcome, SpecError, Validator, load_spec

from coretest import make_registry
from shared_data import shared_path


class Topical(Validator):
    """A schema with nested objects, arrays of objects, integers, booleans and numbers."""

    name = "topical"
    params_schema = {
        "type": "object",
        "properties": {
            "topics": {"type": "array", "items": {
                "type": "object", "additionalProperties": False, "required": ["name"],
                "properties": {"name": {"type": "string"}, "definition": {"type": "string"},
                               "examples": {"type": "array", "items": {"type": "string"}}}}},
            "categories": {"type": "array", "items": {"type": "string"}},
            "threshold": {"type": "number"},
            "window": {"type": "integer"},
            "strict": {"type": "boolean"},
            "model": {"type": "object", "additionalProperties": False,
                      "properties": {"sagemaker": {"type": "object", "additionalProperties": False,
                                                   "properties": {"endpoint": {"type": "string"},
                                                                  "inference_component": {"type": "string"}}}}},
        },
    }

    def validate(self, text, context):
        return Outcome.ok()


YAML = """\
railguard: 1
name: topical-demo
description: Mapping rules.
messages: {blocked_input: "No.", blocked_output: "Nope."}
settings: {on_error: allow, timeout_s: 2.5, max_reasks: 2}
input:
  - topical:
      topics:
        - name: dosage
          definition: Advice on doses of medicine.
          examples: ["How many mg of ibuprofen can I take?", "Max dose of paracetamol?"]
        - name: diagnosis
      categories: [S1, S2, S9]
      threshold: 0.75
      window: 5
      strict: true
      model: {sagemaker: {endpoint: llama-guard, inference_component: guard}}
      on_fail: log
      timeout_s: 3
"""

RAIL = """\
<rail version="1" name="topical-demo" description="Mapping rules.">
  <messages blocked-input="No." blocked-output="Nope."/>
  <settings on-error="allow" timeout-s="2.5" max-reasks="2"/>
  <input>
    <topical categories="S1 S2 S9" threshold="0.75" window="5" strict="true" on-fail="log" timeout-s="3">
      <topic name="dosage">
        <definition>Advice on doses of medicine.</definition>
        <example>How many mg of ibuprofen can I take?</example>
        <example>Max dose of paracetamol?</example>
      </topic>
      <topic name="diagnosis"/>
      <model><sagemaker endpoint="llama-guard" inference-component="guard"/></model>
    </topical>
  </input>
</rail>
"""


@pytest.fixture(scope="module")
def registry():
    return make_registry(Topical)


def test_rail_and_yaml_load_to_equal_specs(registry) -> None:
    a = load_spec(YAML, registry=registry)
    b = load_spec(RAIL, registry=registry)
    assert a == b
    params = b.input[0].params
    assert params["threshold"] == 0.75 and params["window"] == 5 and params["strict"] is True
    assert params["categories"] == ("S1", "S2", "S9")
    assert params["topics"][0]["examples"] == ("How many mg of ibuprofen can I take?", "Max dose of paracetamol?")
    assert b.settings.timeout_s == 2.5 and b.input[0].timeout_s == 3.0 and b.input[0].on_fail == "log"


def test_comma_separated_lists_keep_phrases(registry) -> None:
    spec = load_spec('<rail version="1" name="x"><input><topical categories="violent crime, hate speech"/>'
                     '</input></rail>', registry=registry)
    assert spec.input[0].params["categories"] == ("violent crime", "hate speech")


def test_wrapper_element_form_of_a_list(registry) -> None:
    spec = load_spec('<rail version="1" name="x"><input><topical><categories><c>S1</c><c>S3</c></categories>'
                     '</topical></input></rail>', registry=registry)
    assert spec.input[0].params["categories"] == ("S1", "S3")


def test_single_child_still_becomes_a_list(registry) -> None:
    spec = load_spec('<rail version="1" name="x"><input><topical><topic name="a"/></topical></input></rail>',
                     registry=registry)
    assert spec.input[0].params["topics"] == ({"name": "a"},)


def test_text_content_uses_the_schemas_text_key() -> None:
    spec = load_spec('<rail version="1" name="x"><output><regex><pattern name="A">a&lt;b</pattern></regex>'
                     '</output></rail>')
    assert spec.output[0].params["patterns"][0]["pattern"] == "a<b"


def rail_issues(text: str, tmp_path: Path, registry=None) -> list:
    path = tmp_path / "spec.rail"
    path.write_text(textwrap.dedent(text))
    with pytest.raises(SpecError) as exc:
        load_spec(path, registry=registry)
    return list(exc.value.issues)


def test_errors_point_at_the_element_line_and_json_path(tmp_path: Path, registry) -> None:
    found = rail_issues("""\
        <rail version="1" name="x">
          <settings timeout-s="soon"/>
          <input>
            <topical window="five">
              <topic name="a" colour="red"/>
            </topical>
            <lenght max="3"/>
          </input>
        </rail>
        """, tmp_path, registry)
    got = [(i.line, i.path, i.message.split(" (")[0]) for i in found]
    assert got[0] == (2, "$.settings.timeout_s", "'soon' is not of type 'number'")
    assert got[1] == (4, "$.input[0].topical.window", "'five' is not of type 'integer'")
    assert got[2][:2] == (5, "$.input[0].topical.topics[0].colour")
    assert got[3][:2] == (7, "$.input[1].lenght") and "did you mean 'length'?" in found[3].message
    assert all(i.column is None for i in found)


def test_malformed_xml_reports_line_and_column(tmp_path: Path) -> None:
    found = rail_issues('<rail version="1" name="x">\n  <input>\n    <length max="3">\n  </input>\n</rail>\n',
                        tmp_path)
    assert found[0].line == 4 and found[0].message.startswith("not well-formed XML")


def test_wrong_root_and_guardrails_dialect(tmp_path: Path) -> None:
    assert "root is <rail>" in rail_issues('<spec version="1"/>', tmp_path)[0].message
    corpus = shared_path("rail_corpus", "ut__simple.rail")
    with pytest.raises(SpecError) as exc:
        load_spec(corpus)
    assert any("Guardrails AI RAIL dialect" in i.message for i in exc.value.issues)


def test_unexpected_text_is_reported(tmp_path: Path) -> None:
    found = rail_issues('<rail version="1" name="x"><input><length max="3">hello</length></input></rail>',
                        tmp_path)
    assert found[0].path == "$.input[0].length" and "unexpected text" in found[0].message


def test_external_entity_is_rejected_without_reading_the_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    found = rail_issues(f"""\
        <?xml version="1.0"?>
        <!DOCTYPE rail [<!ENTITY xxe SYSTEM "file://{secret}">]>
        <rail version="1" name="x"><messages blocked-input="&xxe;"/><input><length max="3"/></input></rail>
        """, tmp_path)
    assert found[0].line == 2 and "DOCTYPE declarations are not allowed" in found[0].message
    assert "TOP-SECRET" not in str(found)


def test_network_dtd_is_never_fetched(tmp_path: Path) -> None:
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *a):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/evil.dtd"
        rail_issues(f'<?xml version="1.0"?>\n<!DOCTYPE rail SYSTEM "{url}">\n<rail version="1" name="x"/>', tmp_path)
    finally:
        server.shutdown()
    assert hits == []


def test_billion_laughs_is_rejected_quickly(tmp_path: Path) -> None:
    ents = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10)]
    text = '<?xml version="1.0"?>\n<!DOCTYPE rail [' + "".join(ents) + ']>\n<rail version="1" name="&lol9;"/>'
    t0 = time.perf_counter()
    found = rail_issues(text, tmp_path)
    assert time.perf_counter() - t0 < 1.0  # a hang guard: expansion would be 3 GB
    assert "DOCTYPE" in found[0].message


def test_doctype_hidden_after_a_comment_is_still_found(tmp_path: Path) -> None:
    found = rail_issues('<!-- a comment -->\n<!doctype rail>\n<rail version="1" name="x"/>', tmp_path)
    assert found[0].line == 2
