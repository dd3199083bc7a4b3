"""boto3 bedrock-runtime against railguard serve: shapes, masks, blocks, errors, SigV4."""

import pytest
from botocore.exceptions import ClientError

from railguard.testing.bedrock import check_shape
from serverkit import KEY, bearer, bedrock_client


def _apply(client, text, source="INPUT", **kw):
    resp = client.apply_guardrail(guardrailIdentifier=kw.pop("gid", "svc"), guardrailVersion=kw.pop("version", "DRAFT"),
                                  source=source, content=kw.pop("content", [{"text": {"text": text}}]), **kw)
    resp.pop("ResponseMetadata")
    assert check_shape(resp, "ApplyGuardrail") == []
    return resp


def test_mask_block_and_pass_validate_against_botocore_shape(server):
    c = bearer(bedrock_client(server.url))
    masked = _apply(c, "mail me at jane@example.com please")
    assert masked["action"] == "GUARDRAIL_INTERVENED"
    assert masked["outputs"] == [{"text": "mail me at {EMAIL} please"}]
    entity = masked["assessments"][0]["sensitiveInformationPolicy"]["piiEntities"][0]
    assert entity["type"] == "EMAIL" and entity["action"] == "ANONYMIZED"
    blocked = _apply(c, "this has a forbiddenword in it")
    assert blocked["outputs"] == [{"text": "Sorry, I can't help with that request."}]
    assert "blocked" in blocked["actionReason"]
    clean = _apply(c, "hello there")
    assert clean["action"] == "NONE" and clean["outputs"] == []
    assert clean["assessments"][0]["invocationMetrics"]["guardrailCoverage"]["textCharacters"]["total"] == 11
    out = _apply(c, "contact badword now", source="OUTPUT")
    assert out["outputs"] == [{"text": "Sorry, I can't share that answer."}]


def test_output_scope_full_and_qualifiers(server):
    c = bearer(bedrock_client(server.url))
    # guard_content blocks are what is checked; the untagged forbidden word is context, not checked.
    content = [{"text": {"text": "forbiddenword in context"}},
               {"text": {"text": "my email is a@b.co", "qualifiers": ["guard_content"]}}]
    resp = _apply(c, None, content=content, outputScope="FULL")
    assert resp["outputs"] == [{"text": "my email is {EMAIL}"}]
    assert resp["guardrailCoverage"]["textCharacters"]["total"] == len("my email is a@b.co")
    numbered = _apply(c, "a@b.co", version="1")
    assert numbered["action"] == "GUARDRAIL_INTERVENED"


def test_seed_style_long_input_chunking_loop_runs_unchanged(server):
    c = bearer(bedrock_client(server.url))
    text = ("word " * 4000) + "reach me at x@y.org"
    chunks = [text[i:i + 5000] for i in range(0, len(text), 5000)]
    verdicts = [_apply(c, chunk)["action"] for chunk in chunks]
    assert verdicts[-1] == "GUARDRAIL_INTERVENED" and set(verdicts[:-1]) == {"NONE"}


@pytest.mark.parametrize("kw, code", [
    (dict(gid="nope"), "ResourceNotFoundException"),
    (dict(version="7"), "ResourceNotFoundException"),
    (dict(content=[{"image": {"format": "png", "source": {"bytes": b"x"}}}]), "ValidationException"),
])
def test_errors_map_to_client_error_codes(server, kw, code):
    c = bearer(bedrock_client(server.url))
    with pytest.raises(ClientError) as info:
        _apply(c, "x", **kw)
    assert info.value.response["Error"]["Code"] == code


def test_auth_errors_are_access_denied(server):
    with pytest.raises(ClientError) as info:
        _apply(bearer(bedrock_client(server.url), "wrong-key"), "x")
    assert info.value.response["Error"]["Code"] == "AccessDeniedException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    # An unconfigured SigV4 signer (no trusted access keys): rejected too.
    with pytest.raises(ClientError) as info:
        _apply(bedrock_client(server.url), "x")
    assert info.value.response["Error"]["Code"] == "AccessDeniedException"


def test_oversize_is_413_validation_exception(server):
    c = bearer(bedrock_client(server.url))
    with pytest.raises(ClientError) as info:
        _apply(c, "a" * (70 * 1024))
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert info.value.response["Error"]["Code"] == "ValidationException"


def test_sigv4_right_secret_accepted_wrong_secret_rejected(tmp_path, monkeypatch):
    from railguard.server.app import create_app
    from railguard.server.config import SigV4Key
    from serverkit import RunningServer, make_config, write_spec

    env = {"RG_TEST_SECRET": "s3cr3t/key+value"}
    cfg = make_config([write_spec(tmp_path)], sigv4=[SigV4Key("AKIATESTKEY0001", "RG_TEST_SECRET")])
    with RunningServer(create_app(cfg, environ=env, library_metrics=False)) as srv:
        ok = bedrock_client(srv.url, aws_access_key_id="AKIATESTKEY0001", aws_secret_access_key=env["RG_TEST_SECRET"])
        assert _apply(ok, "a@b.co", gid="arn:aws:bedrock:us-east-1:123456789012:guardrail/svc")["action"] == \
            "GUARDRAIL_INTERVENED"
        bad = bedrock_client(srv.url, aws_access_key_id="AKIATESTKEY0001", aws_secret_access_key="wrong")
        with pytest.raises(ClientError) as info:
            _apply(bad, "a@b.co")
        assert info.value.response["Error"]["Code"] == "AccessDeniedException"
        unknown = bedrock_client(srv.url, aws_access_key_id="AKIAOTHER000001", aws_secret_access_key="x")
        with pytest.raises(ClientError):
            _apply(unknown, "a@b.co")
