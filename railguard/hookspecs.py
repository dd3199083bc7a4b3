"""Hook specifications. Plugins implement these with ``railguard.hookimpl``."""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("railguard")
hookimpl = pluggy.HookimplMarker("railguard")


@hookspec
def register_validators():
    """Return a list of Validator subclasses this plugin provides."""


@hookspec
def register_actions():
    """Return a list of Action subclasses (on-fail actions) this plugin provides."""


@hookspec(firstresult=True)
def guard_call(call):
    """Wrap each guard call (implement with ``wrapper=True``); ``call`` is a read-only GuardCall, the yield gives the GuardResult."""
