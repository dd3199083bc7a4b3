"""``python -m railguard`` runs the command line."""

from railguard.cli import run

run()
