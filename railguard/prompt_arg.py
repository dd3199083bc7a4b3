"""Which argument of a decorated function holds the prompt: decided once, from the signature.

``@guard`` resolves it when it decorates, never per call, so a function can never send one
argument unchecked on one call and another on the next. In order:

1. ``prompt_arg`` given to ``@guard.wrap(prompt_arg=...)``: that parameter;
2. a parameter named ``messages``;
3. the one parameter named like a prompt (:data:`PROMPT_NAMES`: ``prompt``, ``question``,
   ``query``, ``message``, ``text``, ``input``, ``content``, ``user_message``, ``user_input``,
   ``user_prompt``);
4. the only candidate: the one required parameter (no default) that is not ``self``/``cls``,
   not ``*args``/``**kwargs`` and not annotated as a number, a bool, bytes or None.

Anything else (two prompt-like names, two candidates, none) is refused at decoration time
with an error that names ``@guard.wrap(prompt_arg=...)``. At call time the resolved
argument must hold a str or a list of messages.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from .errors import RailguardError

__all__ = ["PROMPT_NAMES", "resolve_prompt_arg", "prompt_value"]

PROMPT_NAMES = ("prompt", "question", "query", "message", "text", "input", "content", "user_message", "user_input",
                "user_prompt")

_NOT_TEXT = {int, float, complex, bool, bytes, type(None), "int", "float", "complex", "bool", "bytes", "None"}
_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def _candidate(param: inspect.Parameter) -> bool:
    if param.kind in _VARIADIC or param.name in ("self", "cls") or param.default is not param.empty:
        return False
    return param.annotation is param.empty or param.annotation not in _NOT_TEXT


def resolve_prompt_arg(fn: Callable[..., Any], sig: inspect.Signature, prompt_arg: str | None) -> str:
    """The name of the parameter that holds the prompt, or a RailguardError saying how to name it."""
    name = getattr(fn, "__qualname__", repr(fn))
    params = sig.parameters
    how = f"name it with @guard.wrap(prompt_arg='...') (parameters: {list(params)})"
    if prompt_arg is not None:
        if prompt_arg not in params or params[prompt_arg].kind in _VARIADIC:
            raise RailguardError(f"@guard.wrap(prompt_arg={prompt_arg!r}): {name}() has no such parameter "
                                 f"(parameters: {list(params)})")
        return prompt_arg
    if "messages" in params and params["messages"].kind not in _VARIADIC:
        return "messages"
    named = [p for p in params if p in PROMPT_NAMES and params[p].kind not in _VARIADIC]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise RailguardError(f"@guard cannot tell which argument of {name}() is the prompt: {named} are all named "
                             f"like one; {how}")
    candidates = [p.name for p in params.values() if _candidate(p)]
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        raise RailguardError(f"@guard cannot tell which argument of {name}() is the prompt: {candidates} could all "
                             f"hold it and none is named like a prompt ({', '.join(PROMPT_NAMES[:4])}...); {how}")
    raise RailguardError(f"@guard found no argument of {name}() that can hold the prompt; {how}")


def prompt_value(bound: inspect.BoundArguments, where: str, fn_name: str) -> Any:
    """The prompt passed in a call: a str or a list of messages under the resolved parameter."""
    if where not in bound.arguments:
        raise RailguardError(f"{fn_name}() was called without its prompt argument {where!r}")
    value = bound.arguments[where]
    if not isinstance(value, (str, list, tuple)):
        raise RailguardError(f"{fn_name}(): the prompt argument {where!r} is a {type(value).__name__}; expected a "
                             f"str or a list of messages")
    return value
