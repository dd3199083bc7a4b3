"""Bedrock subcommands: ``railguard export bedrock SPEC`` and ``railguard import bedrock FILE``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="export a spec to another system's format")
    targets = p.add_subparsers(dest="target", metavar="TARGET", required=True)
    e = targets.add_parser("bedrock", help="print the Bedrock CreateGuardrail request a spec maps to",
                           description="Print the CreateGuardrail request that the spec's Bedrock-expressible "
                           "validators (pii, regex, words, denied_topics, blocked messages) map to. What has no "
                           "Bedrock counterpart is listed on stderr as not exported.")
    e.add_argument("spec", metavar="SPEC")
    e.add_argument("--name", help="guardrail name (default: the spec's name)")
    e.add_argument("--description", help="guardrail description (default: the spec's description)")
    e.add_argument("--output", "-o", metavar="FILE", help="write the request to FILE instead of stdout")
    mode = e.add_mutually_exclusive_group()
    mode.add_argument("--create", action="store_true", help="create the guardrail and a version (needs credentials)")
    mode.add_argument("--update", metavar="ID", help="update guardrail ID and create a version (needs credentials)")
    e.add_argument("--version-description", help="description of the created version")
    e.add_argument("--region")
    e.add_argument("--profile")
    e.add_argument("--endpoint-url")
    e.add_argument("--wait-timeout", type=float, default=120.0, metavar="S",
                   help="seconds to wait for the guardrail to be READY (default 120)")
    e.set_defaults(func=cmd_export)

    p = sub.add_parser("import", help="import a spec from another system's format")
    targets = p.add_subparsers(dest="target", metavar="TARGET", required=True)
    i = targets.add_parser("bedrock", help="write a spec equivalent to a Bedrock guardrail definition",
                           description="Read a CreateGuardrail request or a GetGuardrail response (JSON) and write "
                           "an equivalent railguard spec. What has no railguard counterpart is listed on stderr.")
    i.add_argument("file", metavar="FILE.json", help="the JSON file ('-' for standard input)")
    i.add_argument("--format", choices=["yaml", "rail"], default="yaml")
    i.add_argument("--name", help="spec name (default: the guardrail's name)")
    i.add_argument("--output", "-o", metavar="FILE", help="write the spec to FILE instead of stdout")
    i.set_defaults(func=cmd_import)


def _notes(notes: list[str], verb: str) -> None:
    for note in notes:
        print(f"{verb}: {note}", file=sys.stderr)


def _write(text: str, output: str | None) -> None:
    from ..errors import RailguardError

    if output is None:
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise RailguardError(f"cannot write {output}: {exc.strerror or exc}") from None


def cmd_export(args: argparse.Namespace) -> int:
    from ..aws import ClientOptions, make_client
    from ..aws.bedrock_export import check_request, create_or_update, spec_to_request
    from ..errors import RailguardError
    from ..guard import load_spec

    spec = load_spec(Path(args.spec))
    exported = spec_to_request(spec, name=args.name, description=args.description)
    _notes(exported.notes, "note")
    request = exported.request
    if not any(k.endswith("PolicyConfig") for k in request):
        raise RailguardError(f"nothing in {args.spec} maps to a Bedrock guardrail policy (pii, regex, words, "
                             "denied_topics)")
    problems = check_request(request)
    if problems:
        raise RailguardError("the exported request breaks Bedrock's limits:\n  " + "\n  ".join(problems))
    text = json.dumps(request, indent=2, ensure_ascii=False) + "\n"
    if not (args.create or args.update):
        _write(text, args.output)
        return 0
    if args.output:
        _write(text, args.output)
    try:
        client = make_client("bedrock", ClientOptions(region=args.region, profile=args.profile,
                                                      endpoint_url=args.endpoint_url))
    except Exception as exc:
        raise RailguardError(f"cannot create a bedrock client: {type(exc).__name__}: {exc}") from None
    done = create_or_update(request, client, update_id=args.update, version_description=args.version_description,
                            wait_timeout=args.wait_timeout)
    print(json.dumps(done, indent=2))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from ..aws.bedrock_import import load_check, normalise, request_to_spec, to_rail, to_yaml
    from ..errors import RailguardError
    from ..plugins import Registry

    source = "<stdin>" if args.file == "-" else args.file
    try:
        raw = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RailguardError(f"cannot read {source}: {exc}") from None
    from .llama_guard import MAX_JSON_DEPTH, too_deep

    try:
        data = json.loads(raw)
        deep = too_deep(data)
    except json.JSONDecodeError as exc:
        raise RailguardError(f"{source}: not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:  # nested past what the parser itself can read
        deep = True
    if deep:
        raise RailguardError(f"{source}: the JSON nests more than {MAX_JSON_DEPTH} levels deep; a guardrail "
                             "definition nests a few levels")
    registry = Registry.load()
    request = normalise(data, source)
    imported = request_to_spec(request, name=args.name, registry=registry)
    header = f"Imported from Bedrock guardrail {request['name']!r} ({source}) by railguard import bedrock."
    if imported.notes:
        header += "\nNot imported:\n" + "\n".join(f"  {n}" for n in imported.notes)
    text = to_rail(imported.spec, registry, header) if args.format == "rail" else to_yaml(imported.spec, header)
    load_check(text, args.format, registry)
    _notes(imported.notes, "note")
    _write(text, args.output)
    return 0
