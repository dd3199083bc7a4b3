"""``@guard``: wrap an existing LLM-calling function.

The prompt is found in the call's arguments: the argument named by ``prompt_arg``;
otherwise a ``messages`` argument holding a list of role/content dicts; otherwise the
first positional ``str`` argument. The input stage checks it (masks are written back
into the argument), the function runs, and its return value (a ``str``, or a dict
holding the text under ``output_key``) goes through the output stage. On reask the
function is called again with the conversation extended by its rejected answer
(masked) and a correction. On block the wrapper returns the spec's blocked message,
or raises :class:`GuardBlocked` when ``settings.on_block`` is ``raise``.

The wrapper has a ``with_result(*args, **kwargs)`` attribute returning
``(value, GuardResult)``.
"""

from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING, Any, Callable

from ._frozen import EMPTY
from .errors import RailguardError
from .llm.base import extract_text
from .messages import Conversation

if TYPE_CHECKING:  # pragma: no cover
    from .guard import Guard

__all__ = ["decorate"]


def _prompt_location(sig: inspect.Signature, bound: inspect.BoundArguments, prompt_arg: str | None,
                     fn_name: str) -> str:
    if prompt_arg is not None:
        if prompt_arg not in bound.arguments:
            raise RailguardError(f"{fn_name}() was called without its prompt argument {prompt_arg!r}")
        return prompt_arg
    value = bound.arguments.get("messages")
    if isinstance(value, list) and value:
        return "messages"
    for name, value in bound.arguments.items():
        param = sig.parameters[name]
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD) and isinstance(value, str):
            return name
    raise RailguardError(f"@guard could not find the prompt among the arguments of {fn_name}(): pass it as the "
                         f"first str argument or as 'messages', or name it with @guard.wrap(prompt_arg='...')")


def decorate(guard: "Guard", fn: Callable[..., Any], *, prompt_arg: str | None, output_key: str) -> Callable[..., Any]:
    if inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn):
        from .streaming import decorate_stream

        return decorate_stream(guard, fn, prompt_arg=prompt_arg, output_key=output_key)
    sig = inspect.signature(fn)
    if prompt_arg is not None and prompt_arg not in sig.parameters:
        raise RailguardError(f"@guard.wrap(prompt_arg={prompt_arg!r}): {fn.__qualname__}() has no such parameter "
                             f"(parameters: {list(sig.parameters)})")
    name = fn.__qualname__
    is_async = inspect.iscoroutinefunction(fn)

    def prepare(args: tuple, kwargs: dict) -> tuple[inspect.BoundArguments, str, Conversation]:
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"{name}(): {exc}") from None
        where = _prompt_location(sig, bound, prompt_arg, name)
        return bound, where, Conversation.parse(bound.arguments[where])

    def finish(result: Any, last: dict) -> Any:
        value = last.get("value")
        if isinstance(value, dict) and not result.blocked:
            return {**value, output_key: result.output}
        if isinstance(value, dict) and result.blocked and result.blocked_stage == "output":
            return {**value, output_key: result.output}
        return result.output

    if is_async:
        async def ainvoke_with(bound: inspect.BoundArguments, where: str, conversation: Conversation, last: dict) -> str:
            call = inspect.BoundArguments(sig, bound.arguments.copy())
            call.arguments[where] = conversation.original
            value = await fn(*call.args, **call.kwargs)
            last["value"] = value
            return extract_text(value, output_key, where=f"{name}()")

        async def awith_result(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
            from .runtime.drive import drive_async
            from .runtime.flow import call_flow
            from .runtime.trace import atraced

            bound, where, conversation = prepare(args, kwargs)
            last: dict = {}
            result = await atraced(guard.registry.manager, guard._trace_call("call", None, EMPTY),
                                   lambda: drive_async(call_flow(guard.graph, conversation),
                                                       lambda conv: ainvoke_with(bound, where, conv, last)))
            result = guard._finish(result)
            return finish(result, last), result

        @functools.wraps(fn)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            value, _ = await awith_result(*args, **kwargs)
            return value

        async_wrapper.with_result = awith_result  # type: ignore[attr-defined]
        async_wrapper.__railguard_guard__ = guard  # type: ignore[attr-defined]
        return async_wrapper

    def invoke_with(bound: inspect.BoundArguments, where: str, conversation: Conversation, last: dict) -> str:
        call = inspect.BoundArguments(sig, bound.arguments.copy())
        call.arguments[where] = conversation.original
        value = fn(*call.args, **call.kwargs)
        last["value"] = value
        return extract_text(value, output_key, where=f"{name}()")

    def with_result(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        from .runtime.drive import drive_sync
        from .runtime.flow import call_flow

        bound, where, conversation = prepare(args, kwargs)
        last: dict = {}
        run = lambda: drive_sync(call_flow(guard.graph, conversation),  # noqa: E731
                                 lambda conv: invoke_with(bound, where, conv, last))
        if guard.graph.tracing:
            from .runtime.trace import traced

            result = traced(guard.registry.manager, guard._trace_call("call", None, EMPTY), run)
        else:
            result = run()
        result = guard._finish(result)
        return finish(result, last), result

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        value, _ = with_result(*args, **kwargs)
        return value

    wrapper.with_result = with_result  # type: ignore[attr-defined]
    wrapper.__railguard_guard__ = guard  # type: ignore[attr-defined]
    return wrapper
