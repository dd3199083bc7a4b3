"""Placeholder: filled in by the work on its issue."""


def register(sub):
    return None
