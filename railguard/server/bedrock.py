"""``POST /guardrail/{id}/version/{version}/apply``: Bedrock's ApplyGuardrail on railguard's guards.

The identifier is a spec name (or an ARN ending in one); the version is ``DRAFT`` or the spec's
version. Content blocks follow the API: text blocks with ``guard_content`` qualifiers are what is
checked when any block has one (else every text block without a ``grounding_source`` qualifier);
``grounding_source`` blocks go to the guard as retrieved documents. Blocks are joined with a
newline and checked as one text, and ``outputs`` holds the one resulting text, as Bedrock answers.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .protocol import error_response
from .state import ServerState, run_guard

__all__ = ["apply_guardrail"]

_QUALIFIERS = {"grounding_source", "query", "guard_content"}
_POLICY_LISTS = (("sensitiveInformationPolicy", ("piiEntities", "regexes")),
                 ("wordPolicy", ("customWords", "managedWordLists")), ("topicPolicy", ("topics",)),
                 ("contentPolicy", ("filters",)), ("contextualGroundingPolicy", ("filters",)))


def _invalid(request: Request, message: str) -> Response:
    return error_response(request.url.path, 400, message, "ValidationException")


def _texts(content: Any) -> tuple[list[str], list[str]] | str:
    """(texts to check, grounding documents), or what is wrong with ``content``."""
    if not isinstance(content, list) or not content:
        return "content must be a non-empty list of content blocks"
    checked: list[tuple[str, bool]] = []
    documents: list[str] = []
    for i, block in enumerate(content):
        if not isinstance(block, dict) or len(block) != 1:
            return f"content[{i}] must have exactly one of 'text' or 'image'"
        if "image" in block:
            return f"content[{i}]: image content is not supported by this guardrail server"
        text = block.get("text")
        if not isinstance(text, dict) or not isinstance(text.get("text"), str):
            return f"content[{i}].text must be an object with a string 'text'"
        qualifiers = text.get("qualifiers") or []
        if not isinstance(qualifiers, list) or any(q not in _QUALIFIERS for q in qualifiers):
            return f"content[{i}].text.qualifiers must be a list of {sorted(_QUALIFIERS)}"
        if "grounding_source" in qualifiers:
            documents.append(text["text"])
        else:
            checked.append((text["text"], "guard_content" in qualifiers))
    tagged = [t for t, tag in checked if tag]
    return (tagged if tagged else [t for t, _ in checked]), documents


def _interventions_only(response: dict[str, Any]) -> None:
    for a in response["assessments"]:
        for policy, lists in _POLICY_LISTS:
            if policy not in a:
                continue
            for key in lists:
                a[policy][key] = [e for e in a[policy].get(key, []) if e.get("action") != "NONE"]
            if not any(a[policy].get(k) for k in lists):
                del a[policy]


async def apply_guardrail(request: Request) -> Response:
    state: ServerState = request.app.state.railguard
    identifier = request.path_params["identifier"]
    version = request.path_params["version"]
    name = identifier.rsplit("/", 1)[-1] if identifier.startswith("arn:") else identifier
    loaded = state.guards.current
    guard = loaded.guards.get(name)
    if guard is None or version not in loaded.versions.get(name, ()):
        return error_response(request.url.path, 404, f"guardrail {name[:64]!r} version {version[:16]!r} does not "
                              f"exist on this server", "ResourceNotFoundException")
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return _invalid(request, "the request body is not JSON")
    if not isinstance(body, dict):
        return _invalid(request, "the request body must be a JSON object")
    source = body.get("source")
    if source not in ("INPUT", "OUTPUT"):
        return _invalid(request, f"source {str(source)[:20]!r} is not one of ['INPUT', 'OUTPUT']")
    scope = body.get("outputScope", "INTERVENTIONS")
    if scope not in ("INTERVENTIONS", "FULL"):
        return _invalid(request, f"outputScope {str(scope)[:20]!r} is not one of ['INTERVENTIONS', 'FULL']")
    parts = _texts(body.get("content"))
    if isinstance(parts, str):
        return _invalid(request, parts)
    texts, documents = parts
    result = await run_guard(request, guard, "\n".join(texts), source.lower(), documents=documents or None)
    if isinstance(result, Response):
        return result
    response = result.to_bedrock()
    if scope == "INTERVENTIONS":
        _interventions_only(response)
    return Response(json.dumps(response, ensure_ascii=False), 200, media_type="application/json")
