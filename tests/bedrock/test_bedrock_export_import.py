"""railguard export bedrock / import bedrock: CreateGuardrail requests from specs and back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from railguard import Guard, RailguardError, load_spec
from railguard.aws.bedrock_export import check_request, create_or_update, spec_to_request
from railguard.aws.bedrock_import import normalise, request_to_spec, to_rail, to_yaml
from railguard.cli import main
from railguard.plugins import Registry

ROOT = Path(__file__).resolve().parents[2]
LAYERED = ROOT / "specs" / "bedrock-layered.yaml"


def canonical(request: dict) -> dict:
    """The request with every list of policy items sorted, so order does not matter."""
    out = json.loads(json.dumps(request))
    for policy in out.values():
        if isinstance(policy, dict):
            for key, items in policy.items():
                if isinstance(items, list):
                    policy[key] = sorted(items, key=lambda i: json.dumps(i, sort_keys=True))
    return out


def export(path: Path, capsys, *args: str) -> tuple[int, str, str]:
    code = main(["export", "bedrock", str(path), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_layered_spec_exports_per_stage_actions(capsys):
    code, out, err = export(LAYERED, capsys)
    assert code == 0
    request = json.loads(out)
    assert check_request(request) == []
    assert request["topicPolicyConfig"]["topicsConfig"] == [{
        "name": "Investment advice",
        "definition": "Recommendations about buying or selling stocks, bonds, funds or crypto assets.",
        "examples": ["Should I buy bitcoin now?", "Which stocks will go up this year?"], "type": "DENY",
        "inputAction": "BLOCK", "outputAction": "NONE", "inputEnabled": True, "outputEnabled": False}]
    pii = {e["type"]: e for e in request["sensitiveInformationPolicyConfig"]["piiEntitiesConfig"]}
    assert pii["US_SOCIAL_SECURITY_NUMBER"] == {"type": "US_SOCIAL_SECURITY_NUMBER", "action": "BLOCK",
                                                "inputAction": "BLOCK", "outputAction": "ANONYMIZE",
                                                "inputEnabled": True, "outputEnabled": True}
    assert pii["EMAIL"]["inputAction"] == pii["EMAIL"]["outputAction"] == "ANONYMIZE"
    assert request["sensitiveInformationPolicyConfig"]["regexesConfig"] == [{
        "name": "ORDER_ID", "pattern": r"\bORD-\d{8}\b", "action": "ANONYMIZE", "inputAction": "ANONYMIZE",
        "outputAction": "NONE", "inputEnabled": True, "outputEnabled": False}]
    assert request["wordPolicyConfig"]["managedWordListsConfig"] == [{
        "type": "PROFANITY", "inputAction": "NONE", "outputAction": "BLOCK", "inputEnabled": False,
        "outputEnabled": True}]
    assert [w["text"] for w in request["wordPolicyConfig"]["wordsConfig"]] == ["confidential", "internal use only"]
    assert request["blockedInputMessaging"] == "Sorry, I can't help with that request."
    assert err.splitlines() == [
        f"note: {LAYERED}:17: $.input[1].regex: Bedrock matches regexes against the text as written; railguard's reading "
        "(normalize: invisible characters dropped, full-width and other-script digits as ASCII) is not exported",
        f"note: {LAYERED}:25: $.input[3].bedrock_guardrail: not exported: a reference to Bedrock guardrail "
        "a1b2c3d4e5f6 (a guardrail cannot include another)",
        f"note: {LAYERED}:29: $.output[2].bedrock_guardrail: not exported: a reference to Bedrock guardrail "
        "a1b2c3d4e5f6 (a guardrail cannot include another)"]


def test_yaml_and_rail_export_the_same_request(capsys):
    _, from_yaml, _ = export(LAYERED, capsys)
    _, from_rail, _ = export(LAYERED.with_suffix(".rail"), capsys)
    assert json.loads(from_yaml) == json.loads(from_rail)


def write(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_nothing_is_dropped_silently(tmp_path, capsys):
    spec = write(tmp_path, """railguard: 1
name: mixed
settings: {mask_format: "[TYPE]"}
input:
  - pii: {entities: [EMAIL, NAME], on_fail: mask, allow: [help@example.com], engine: rules}
  - length: {max: 100}
output:
  - words: {words: [{text: darn, action: mask}, heck], normalize: true, on_fail: reask}
  - regex: {patterns: [{name: CODE, pattern: 'X-[0-9]+'}], on_fail: log}
  - denied_topics: {topics: [{name: Crypto, definition: Talk about crypto coins., threshold: 0.4}], engine: lexical}
""")
    code, out, err = export(spec, capsys)
    assert code == 0
    assert err.splitlines() == [
        "note: $.settings.mask_format: '[TYPE]' not exported; Bedrock masks as {TYPE}",
        f"note: {spec}:5: $.input[0].pii.allow: no Bedrock counterpart (allow lists); not exported",
        f"note: {spec}:5: $.input[0].pii.engine: no Bedrock counterpart; not exported",
        f"note: {spec}:6: $.input[1].length: not exported: 'length' has no Bedrock counterpart",
        f"note: {spec}:8: $.output[0].words: on_fail 'reask' exported as BLOCK (Bedrock cannot ask the model again)",
        f"note: {spec}:8: $.output[0].words.normalize: not exported; Bedrock matches words its own way",
        f"note: {spec}:8: $.output[0].words.words[0]: 'mask' exported as BLOCK (Bedrock's word filters cannot "
        "mask)",
        f"note: {spec}:9: $.output[1].regex: Bedrock matches regexes against the text as written; railguard's reading "
        "(normalize: invisible characters dropped, full-width and other-script digits as ASCII) is not exported",
        f"note: {spec}:10: $.output[2].denied_topics.engine: no Bedrock counterpart; not exported",
        f"note: {spec}:10: $.output[2].denied_topics.topics[0].threshold: no Bedrock counterpart; not exported",
    ]
    request = json.loads(out)
    assert request["sensitiveInformationPolicyConfig"]["regexesConfig"][0]["outputAction"] == "NONE"  # log
    assert request["sensitiveInformationPolicyConfig"]["regexesConfig"][0]["outputEnabled"] is True
    assert request["wordPolicyConfig"]["wordsConfig"] == [
        {"text": "darn", "inputAction": "NONE", "outputAction": "BLOCK", "inputEnabled": False, "outputEnabled": True},
        {"text": "heck", "inputAction": "NONE", "outputAction": "BLOCK", "inputEnabled": False, "outputEnabled": True}]


def test_limits_botocore_does_not_enforce(tmp_path, capsys):
    topics = lambda n, k: ", ".join(f"{{name: T{k}{i}, definition: Topic {i}.}}" for i in range(n))  # noqa: E731
    spec = write(tmp_path, f"""
railguard: 1
name: too-much
description: "{'d' * 300}"
input:
  - denied_topics: {{topics: [{topics(20, 'a')}]}}
output:
  - denied_topics: {{topics: [{topics(11, 'b')}]}}
""")
    code, out, err = export(spec, capsys)
    assert code == 1 and out == ""
    assert "error: the exported request breaks Bedrock's limits:" in err
    assert "$.description: 300 characters; Bedrock allows at most 200" in err
    assert "$.topicPolicyConfig.topicsConfig: 31 items; Bedrock allows at most 30" in err
    code, _, err = export(LAYERED, capsys, "--name", "not a valid name!")
    assert code == 1 and "$.name: 'not a valid name!' does not match Bedrock's pattern [0-9a-zA-Z-_]+" in err


def test_botocore_validator_reports_first():
    problems = check_request({"name": "x", "blockedInputMessaging": "", "topicPolicyConfig": {"topicsConfig": [
        {"name": "t", "definition": "d", "type": "ALLOW"}]}, "colour": "red"})
    assert 'Missing required parameter in input: "blockedOutputsMessaging"' in problems
    assert any(p.startswith('Unknown parameter in input: "colour"') for p in problems)
    assert "Invalid length for parameter blockedInputMessaging, value: 0, valid min length: 1" in problems
    assert "$.topicPolicyConfig.topicsConfig[0].type: 'ALLOW' is not one of ['DENY']" in problems


def test_a_spec_with_nothing_to_export(tmp_path, capsys):
    spec = write(tmp_path, "railguard: 1\nname: n\ninput:\n  - length: {max: 5}\n")
    code, _, err = export(spec, capsys)
    assert code == 1 and "nothing in" in err and "maps to a Bedrock guardrail policy" in err


# -- control plane ------------------------------------------------------------------------------
def test_create_then_update_with_versions(server, capsys, tmp_path):
    code, out, err = export(LAYERED, capsys, "--create", "--endpoint-url", server.endpoint_url, "--region",
                            "us-west-2")
    assert code == 0, err
    made = json.loads(out)
    gid = made["guardrailId"]
    assert made == {"guardrailId": gid, "guardrailArn": f"arn:aws:bedrock:us-east-1:123456789012:guardrail/{gid}",
                    "version": "1", "name": "bedrock-layered"}
    exported = spec_to_request(load_spec(LAYERED)).request
    assert server.definition(gid, "1") == exported
    assert [(r.method, r.path) for r in server.calls()] == [("POST", "/guardrails"), ("GET", f"/guardrails/{gid}"),
                                                             ("POST", f"/guardrails/{gid}")]
    # The created guardrail answers ApplyGuardrail by its own definition.
    runtime = server.client("bedrock-runtime")
    got = runtime.apply_guardrail(guardrailIdentifier=gid, guardrailVersion="1", source="INPUT",
                                  content=[{"text": {"text": "Order ORD-12345678 for ann@example.com"}}])
    assert got["outputs"] == [{"text": "Order {ORDER_ID} for {EMAIL}"}]
    code, out, err = export(LAYERED, capsys, "--update", gid, "--name", "layered-v2", "--endpoint-url",
                            server.endpoint_url)
    assert code == 0 and json.loads(out)["version"] == "2"
    assert server.definition(gid, "2")["name"] == "layered-v2"
    code, _, err = export(LAYERED, capsys, "--create", "--name", "layered-v2", "--endpoint-url", server.endpoint_url)
    assert code == 1 and "CreateGuardrail failed: ConflictException: a guardrail named layered-v2 already " \
                         "exists" in err


def test_waits_until_ready_and_reports_failure(server):
    client = server.client("bedrock")
    request = spec_to_request(load_spec(LAYERED)).request
    server.pending_statuses = ["CREATING", "CREATING"]
    made = create_or_update(request, client, poll=0.01)
    assert made["version"] == "1" and len(server.calls(r"^/guardrails/[^/]+$")) == 4  # 3 polls + version
    server.pending_statuses = ["FAILED"]
    with pytest.raises(RailguardError, match=r"guardrail \w+ is FAILED: the local server was told to report FAILED"):
        create_or_update({**request, "name": "other"}, client, poll=0.01)
    server.pending_statuses = ["UPDATING"] * 100
    with pytest.raises(RailguardError, match=r"is still UPDATING after 0.05s"):
        create_or_update({**request, "name": "third"}, client, poll=0.01, wait_timeout=0.05)


# -- import ---------------------------------------------------------------------------------------
def test_import_round_trip_yaml_and_rail(tmp_path, capsys):
    _, out, _ = export(LAYERED, capsys)
    source = write(tmp_path, out, "guardrail.json")
    assert main(["import", "bedrock", str(source), "-o", str(tmp_path / "back.yaml")]) == 0
    assert main(["import", "bedrock", str(source), "--format", "rail", "-o", str(tmp_path / "back.rail")]) == 0
    capsys.readouterr()
    from_yaml, from_rail = load_spec(tmp_path / "back.yaml"), load_spec(tmp_path / "back.rail")
    assert from_yaml == from_rail
    again = spec_to_request(from_yaml).request
    assert canonical(again) == canonical(json.loads(out))
    assert (tmp_path / "back.yaml").read_text().startswith("# Imported from Bedrock guardrail 'bedrock-layered'")


def test_import_a_get_guardrail_response(server, tmp_path, capsys):
    request = spec_to_request(load_spec(LAYERED)).request
    client = server.client("bedrock")
    made = create_or_update(request, client, poll=0.01)
    got = client.get_guardrail(guardrailIdentifier=made["guardrailId"], guardrailVersion="1")
    got.pop("ResponseMetadata")
    path = write(tmp_path, json.dumps(got, default=str), "got.json")
    assert main(["import", "bedrock", str(path)]) == 0
    out, _ = capsys.readouterr()
    spec = Guard.from_text(out).spec
    assert canonical(spec_to_request(spec).request) == canonical(request)


def test_import_detect_only_items_and_unsupported_policies():
    request = {
        "name": "legacy", "blockedInputMessaging": "no", "blockedOutputsMessaging": "no!",
        "sensitiveInformationPolicyConfig": {
            "piiEntitiesConfig": [{"type": "EMAIL", "action": "ANONYMIZE"},
                                  {"type": "NAME", "action": "NONE"},
                                  {"type": "PHONE", "action": "BLOCK", "outputEnabled": False}],
            "regexesConfig": [{"name": "look around", "pattern": "foo(?=bar)", "action": "BLOCK"},
                              {"name": "id code", "pattern": "ID-[0-9]+", "action": "ANONYMIZE"}]},
        "contentPolicyConfig": {"filtersConfig": [{"type": "HATE", "inputStrength": "HIGH",
                                                   "outputStrength": "HIGH"}]},
        "contextualGroundingPolicyConfig": {"filtersConfig": [{"type": "GROUNDING", "threshold": 0.7}]},
    }
    imported = request_to_spec(normalise(request), registry=Registry.load())
    spec = imported.spec
    assert spec["input"] == [
        {"pii": {"entities": [{"type": "EMAIL", "action": "mask"}, {"type": "PHONE", "action": "block"}],
                 "on_fail": "block"}},
        {"pii": {"entities": ["NAME"], "on_fail": "log"}},
        {"regex": {"patterns": [{"name": "id_code", "pattern": "ID-[0-9]+", "action": "mask"}], "on_fail": "block"}},
        {"content_filter": {"filters": {"HATE": "HIGH"}, "on_fail": "block"}}]
    assert spec["output"][0] == {"pii": {"entities": ["EMAIL"], "on_fail": "mask"}}
    assert imported.notes[:1] == ["contextualGroundingPolicyConfig: not imported: contextual grounding checks have "
                                  "no railguard counterpart"]
    assert any(n.startswith("regexesConfig 'look around' (input): not imported: ") and "lookahead" in n
               for n in imported.notes)
    assert "regexesConfig 'id code' (input): renamed 'id_code'" in " ".join(imported.notes)
    Guard.from_text(to_yaml(spec))  # loads with the installed validators
    assert load_spec(to_rail(spec, Registry.load()), format="rail") == load_spec(to_yaml(spec))


def test_import_errors(tmp_path, capsys):
    bad_json = write(tmp_path, "{not json", "a.json")
    assert main(["import", "bedrock", str(bad_json)]) == 1
    assert "not JSON: Expecting property name enclosed in double quotes at line 1 column 2" in capsys.readouterr()[1]
    not_request = write(tmp_path, json.dumps({"name": "x", "colour": "red"}), "b.json")
    assert main(["import", "bedrock", str(not_request)]) == 1
    err = capsys.readouterr()[1]
    assert "is not a valid CreateGuardrail request or GetGuardrail response" in err
    assert 'Missing required parameter in input: "blockedInputMessaging"' in err
    only_content = write(tmp_path, json.dumps({"name": "x", "blockedInputMessaging": "a",
                                               "blockedOutputsMessaging": "b", "contextualGroundingPolicyConfig": {
                                                   "filtersConfig": [{"type": "GROUNDING", "threshold": 0.7}]}}),
                         "c.json")
    assert main(["import", "bedrock", str(only_content)]) == 1
    assert "nothing in this guardrail maps to railguard validators" in capsys.readouterr()[1]
    assert main(["import", "bedrock", str(tmp_path / "missing.json")]) == 1
    assert "cannot read" in capsys.readouterr()[1]


def test_a_regex_matched_as_written_exports_without_a_note(tmp_path, capsys):
    spec = write(tmp_path, "railguard: 1\nname: exact\ninput:\n"
                           "  - regex: {normalize: false, patterns: [{name: CODE, pattern: 'X-[0-9]+', action: mask}]}\n")
    code, out, err = export(spec, capsys)
    assert code == 0 and err == ""
    assert json.loads(out)["sensitiveInformationPolicyConfig"]["regexesConfig"][0]["pattern"] == "X-[0-9]+"
