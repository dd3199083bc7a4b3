"""Placeholder until the validator lands (issue 11): registers nothing yet."""
