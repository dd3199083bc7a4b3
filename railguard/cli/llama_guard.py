"""``railguard llama-guard``: tools for Llama Guard deployments.

``railguard llama-guard prompt`` prints the exact prompt railguard sends for a conversation (no
newline added), so an endpoint can be tried by hand with the very same bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    group = sub.add_parser("llama-guard", help="Llama Guard tools (print the exact prompt for a conversation)")
    commands = group.add_subparsers(dest="llama_guard_command", metavar="COMMAND")
    p = commands.add_parser("prompt", help="print the exact prompt for a conversation (no newline added)")
    # dest differs from the top-level --version flag (which prints railguard's version).
    p.add_argument("--version", dest="lg_version", type=int, choices=[1, 2, 3], default=3,
                   help="Llama Guard version (default: 3)")
    p.add_argument("--model-variant", help="1: 7b; 2: 8b; 3: 1b, 8b or 11b-vision (default: 7b, 8b, 8b)")
    p.add_argument("--role", choices=["User", "Agent"],
                   help="whose last turn to assess (default: User if the conversation ends with the user, else Agent)")
    p.add_argument("--conversation", required=True, metavar="FILE.json",
                   help='a JSON list of {"role": "user"|"assistant", "content": "..."}')
    p.add_argument("--categories", metavar="S1,S2,...", help="a subset of the model's categories (codes kept)")
    p.add_argument("--custom-categories", metavar="FILE.json",
                   help='a JSON list of {"code", "name", "description"} added after --categories')
    p.add_argument("--renderer", choices=["chat_template", "cookbook"], default="chat_template",
                   help="the model's chat template (default) or Meta's cookbook format")
    p.add_argument("--descriptions", action=argparse.BooleanOptionalAction, default=None,
                   help="list each category's policy text (default: as the chosen format does)")
    p.set_defaults(func=cmd_prompt)
    group.set_defaults(func=lambda args: _usage(group))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 1


MAX_JSON_DEPTH = 64


def too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether parsed JSON nests more than ``limit`` levels (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return False


def _read_json(path: str, what: str) -> Any:
    from ..errors import RailguardError

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RailguardError(f"cannot read the {what} file {path}: {exc}") from None
    try:
        data = json.loads(text)
        deep = too_deep(data)
    except RecursionError:  # nested past what the parser itself can read
        deep = True
    except ValueError as exc:
        raise RailguardError(f"{path}: the {what} file is not valid JSON: {exc}") from None
    if deep:
        raise RailguardError(f"{path}: the {what} file nests JSON more than {MAX_JSON_DEPTH} levels deep")
    return data


def build_prompt(args: argparse.Namespace) -> str:
    from ..errors import RailguardError
    from railguard_validators.llama_guard.categories import DEFAULT_VARIANT, VARIANTS, resolve
    from railguard_validators.llama_guard.prompt import render, turns_from

    variant = args.model_variant or DEFAULT_VARIANT[args.lg_version]
    if variant not in VARIANTS[args.lg_version]:
        raise RailguardError(f"--model-variant {variant!r} is not a Llama Guard {args.lg_version} model; "
                             f"valid: {list(VARIANTS[args.lg_version])}")
    conversation = _read_json(args.conversation, "conversation")
    if not isinstance(conversation, list) or not conversation:
        raise RailguardError(f"{args.conversation}: expected a non-empty JSON list of "
                             f'{{"role": "user"|"assistant", "content": "..."}}')
    selection: list[Any] | None = None
    if args.categories is not None:
        selection = [c.strip() for c in args.categories.split(",") if c.strip()]
        if not selection:
            raise RailguardError("--categories is empty; give codes such as S1,S2")
    if args.custom_categories:
        custom = _read_json(args.custom_categories, "custom categories")
        if not isinstance(custom, list) or not custom:
            raise RailguardError(f"{args.custom_categories}: expected a non-empty JSON list of "
                                 f'{{"code", "name", "description"}}')
        for i, item in enumerate(custom):
            if not (isinstance(item, dict) and isinstance(item.get("code"), str) and isinstance(item.get("name"), str)
                    and isinstance(item.get("description", ""), str)):
                raise RailguardError(f"{args.custom_categories}: item {i} needs a string code and name "
                                     f"(and optionally a string description)")
        selection = (selection if selection is not None else [c.code for c in resolve(args.lg_version, variant, None)])
        selection += custom
    try:
        categories = resolve(args.lg_version, variant, selection)
        codes = [c.code for c in categories]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"category codes given twice: {duplicates}")
        try:
            turns = turns_from(conversation, strict=True)
        except ValueError as exc:
            raise ValueError(f"{args.conversation}: {exc}") from None
        role = args.role or ("User" if turns and turns[-1].role == "User" else "Agent")
        return render(turns, role=role, categories=categories, version=args.lg_version, variant=variant,
                      renderer=args.renderer, descriptions=args.descriptions)
    except ValueError as exc:
        raise RailguardError(str(exc)) from None


def cmd_prompt(args: argparse.Namespace) -> int:
    sys.stdout.write(build_prompt(args))
    sys.stdout.flush()
    return 0
