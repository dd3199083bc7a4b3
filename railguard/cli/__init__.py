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
from typing import Any, NoReturn, Sequence

# Modules providing subcommands, in help order.
COMMAND_MODULES = ("railguard.cli.core", "railguard.cli.spectest", "railguard.cli.evaluate", "railguard.cli.stats",
                   "railguard.cli.serve", "railguard.cli.scan", "railguard.cli.bedrock", "railguard.cli.llama_guard")

# Exit statuses (the README's Command line section has the table). Usage errors get their own
# status, EX_USAGE from sysexits.h, so that a script can tell "the guard intervened" (2) from
# "the command line was wrong".
TELEMETRY_ENV = ("RAILGUARD_TRACES", "RAILGUARD_OTEL_METRICS", "RAILGUARD_PROMETHEUS", "RAILGUARD_EMF",
                 "RAILGUARD_AUDIT_LOG")

EXIT_OK, EXIT_ERROR, EXIT_INTERVENED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 64, 130


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors exiting EXIT_USAGE instead of 2 (subparsers inherit the class)."""

    def error(self, message: str) -> NoReturn:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


class _Version(argparse.Action):
    """``--version``: print and exit before any subcommand is parsed (the version is read lazily)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
        import railguard

        print(f"railguard {railguard.__version__}")
        parser.exit(EXIT_OK)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="railguard", description="Declarative guardrails around LLM calls.",
                     epilog="exit status: 0 ok, 1 error, 2 the guard intervened, 64 usage error")
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from ..errors import RailguardError

    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] in (["--version"], ["-V"]):
        # Answered before the subcommands are imported: works even when one of them cannot load.
        import railguard

        print(f"railguard {railguard.__version__}")
        return EXIT_OK
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # --help (0) and usage errors (EXIT_USAGE) end here
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        if any(key in os.environ for key in TELEMETRY_ENV):
            # Telemetry sinks named in the environment (README: Operating railguard); nothing otherwise,
            # so a plain command pays no telemetry import.
            from ..telemetry import configure_from_env

            configure_from_env()
        return int(args.func(args) or 0)
    except RailguardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
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
