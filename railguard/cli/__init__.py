"""The ``railguard`` command.

Subcommands live in modules of this package; each module has ``register(subparsers)``
which adds its parsers and sets ``func`` on them. Errors go to stderr without a Python
traceback (set ``RAILGUARD_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Sequence

# Modules providing subcommands, in help order.
COMMAND_MODULES = ("railguard.cli.core", "railguard.cli.spectest", "railguard.cli.evaluate", "railguard.cli.stats",
                   "railguard.cli.serve", "railguard.cli.scan", "railguard.cli.bedrock", "railguard.cli.llama_guard")

EXIT_OK, EXIT_ERROR, EXIT_INTERVENED = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="railguard", description="Declarative guardrails around LLM calls.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from ..errors import RailguardError

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        import railguard

        print(f"railguard {railguard.__version__}")
        return EXIT_OK
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        return int(args.func(args) or 0)
    except RailguardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # never a traceback for the user, unless asked
        if os.environ.get("RAILGUARD_DEBUG"):
            raise
        print(f"error: unexpected {type(exc).__name__}: {exc} (set RAILGUARD_DEBUG=1 for a traceback)",
              file=sys.stderr)
        return EXIT_ERROR


def run() -> None:  # pragma: no cover - console entry point
    sys.exit(main())
