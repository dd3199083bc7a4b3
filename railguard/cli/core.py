"""Core subcommands: check, validate, graph, plugins."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

SPEC_SUFFIXES = (".yaml", ".yml", ".rail", ".xml")


def register(sub: Any) -> None:
    p = sub.add_parser("check", help="check spec files; exit 1 if any is invalid")
    p.add_argument("specs", nargs="+", metavar="SPEC", help="spec files or directories of specs")
    p.add_argument("--no-resources", action="store_true",
                   help="check without the Python objects a spec's entries get at run time (resources=...), "
                        "e.g. specs with llama_guard 'callable' models")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("validate", help="run one stage of a spec on a text")
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("--source", choices=["input", "output"], default="input", help="which stage (default: input)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--text", help="the text to check")
    src.add_argument("--file", help="read the text from a file")
    src.add_argument("-", dest="stdin", action="store_true", help="read the text from standard input")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("graph", help="print the guard graph of a spec")
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("--format", choices=["text", "mermaid"], default="text")
    p.set_defaults(func=cmd_graph)

    p = sub.add_parser("plugins", help="list installed plugins and what they provide")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_plugins)


def _spec_files(paths: list[str]) -> list[str]:
    out: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            # A folder's specs, without the sibling test-case files (<stem>.tests.yaml) of railguard test.
            out += sorted(str(p) for p in path.iterdir() if p.suffix.lower() in SPEC_SUFFIXES
                          and not p.name.lower().endswith(".tests.yaml"))
        else:
            out.append(raw)
    return out


def cmd_check(args: argparse.Namespace) -> int:
    from ..errors import RailguardError, SpecError
    from ..graph import DEFERRED, compile_spec
    from ..plugins import Registry
    from ..spec import load

    registry = Registry.load()
    bad = 0
    files = _spec_files(args.specs)
    if not files:
        print("error: no spec files found", file=sys.stderr)
        return 1
    for path in files:
        # Every file is checked and reported, whatever goes wrong with one of them.
        try:
            spec = load(Path(path), registry)
            compile_spec(spec, registry, DEFERRED if args.no_resources else None)
        except SpecError as exc:
            bad += 1
            print(str(exc), file=sys.stderr)
            continue
        except RailguardError as exc:
            bad += 1
            print(f"{path}: {exc}", file=sys.stderr)
            continue
        except Exception as exc:  # a bug, but the other files are still checked
            bad += 1
            print(f"{path}: internal error while checking: {type(exc).__name__}: {str(exc)[:300]}", file=sys.stderr)
            continue
        print(f"ok: {path} ({spec.name}: {len(spec.input)} input, {len(spec.output)} output validators)")
    if bad:
        print(f"{bad} of {len(files)} spec(s) invalid", file=sys.stderr)
    return 1 if bad else 0


def _decode(data: bytes, where: str) -> str:
    """Text of a --file or of standard input: strict UTF-8, a leading byte order mark dropped."""
    from ..errors import RailguardError

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RailguardError(f"{where} is not UTF-8 text: byte {exc.start} is {data[exc.start:exc.start + 1]!r} "
                             f"({exc.reason}); convert it first, e.g. iconv -f latin1 -t utf-8") from None
    return text[1:] if text.startswith("\ufeff") else text


def _read_text(args: argparse.Namespace) -> str:
    from ..errors import RailguardError

    if args.text is not None:
        text = args.text
        try:
            text.encode("utf-8")  # undecodable argv bytes arrive as lone surrogates
        except UnicodeEncodeError as exc:
            raise RailguardError(f"--text is not UTF-8 text: character {exc.start} is not valid") from None
        return text[1:] if text.startswith("\ufeff") else text
    if args.stdin:
        return _decode(sys.stdin.buffer.read(), "standard input")
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise RailguardError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    return _decode(data, args.file)


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


# The table shows this many spans per validator; the counts per type cover them all.
SHOWN_SPANS = 3


def _spans_cell(spans: Any) -> str:
    """Counts per entity type, then the first few spans: bounded whatever the input size."""
    counts: dict[str, int] = {}
    for s in spans:
        counts[s.type] = counts.get(s.type, 0) + 1
    shown = ", ".join(f"{s.type}@{s.start}-{s.end}" for s in spans[:SHOWN_SPANS])
    more = f", +{len(spans) - SHOWN_SPANS} more" if len(spans) > SHOWN_SPANS else ""
    return ", ".join(f"{t} x{n}" for t, n in sorted(counts.items())) + f" [{shown}{more}]"


def render_result(result: Any) -> str:
    rows = [["validator", "stage", "passed", "action", "ms", "details"]]
    for a in result.assessments:
        detail = a.error or a.message or ""
        if a.spans:
            detail += (" " if detail else "") + _spans_cell(a.spans)
        if a.categories:
            detail += (" " if detail else "") + "categories=" + ",".join(a.categories)
        action = a.action
        if a.skipped:
            action = "not run"
        if a.monitored:  # recorded, not acted on: say what enforce mode would have done
            action = f"monitor: would {a.would_action}" if a.would_action else "monitor"
        rows.append([a.id, a.stage, "-" if a.skipped else "yes" if a.passed else "no", action, f"{a.latency_ms:.2f}", detail])
    usage = dict(result.usage)
    head = f"action: {result.action}" + (f" (blocked at {result.blocked_stage})" if result.blocked else "")
    for s in result.stages:
        if s.would_action is not None:
            head += f"\nmonitor mode, {s.stage} stage would have: {s.would_action}"
    lines = [result.output, "", head, _table(rows)]
    if usage:
        lines.append("usage: " + ", ".join(f"{k}={v}" for k, v in sorted(usage.items())))
    return "\n".join(lines)


def _write_utf8(text: str) -> None:
    """JSON goes out as UTF-8 whatever the terminal's encoding, so it is always valid JSON."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream (tests capturing output)
        sys.stdout.write(text)
    else:
        buffer.write(text.encode("utf-8"))
        buffer.flush()


def _write_text(text: str) -> None:
    """The table in the terminal's encoding; characters it cannot show are escaped, never an error."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    buffer.write(text.encode(sys.stdout.encoding or "utf-8", errors="backslashreplace"))
    buffer.flush()


def cmd_validate(args: argparse.Namespace) -> int:
    from ..errors import GuardBlocked
    from ..guard import Guard

    guard = Guard.from_file(Path(args.spec))
    text = _read_text(args)
    try:
        result = guard.validate(text, source=args.source)
    except GuardBlocked as exc:
        result = exc.result
    if args.json:
        _write_utf8(result.to_json(indent=2) + "\n")
    else:
        _write_text(render_result(result) + "\n")
    return 2 if result.intervened else 0


def cmd_graph(args: argparse.Namespace) -> int:
    from ..guard import Guard

    guard = Guard.from_file(Path(args.spec))
    print(guard.graph.to_mermaid() if args.format == "mermaid" else guard.graph.to_text())
    return 0


def cmd_plugins(args: argparse.Namespace) -> int:
    from ..plugins import Registry

    registry = Registry.load()
    if args.json:
        print(json.dumps([p.to_dict() for p in registry.plugins], indent=2))
        return 0
    rows = [["plugin", "distribution", "version", "built-in", "validators", "actions"]]
    for p in registry.plugins:
        rows.append([p.name, p.distribution, p.version, "yes" if p.builtin else "no",
                     ",".join(p.validators) or "-", ",".join(p.actions) or "-"])
    print(_table(rows))
    return 0
