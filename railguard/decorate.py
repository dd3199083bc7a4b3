"""``@guard``: wrap an existing LLM-calling function.

The prompt argument is resolved once, when the function is decorated, from its signature
(see :mod:`railguard.prompt_arg`): ``prompt_arg``, else a ``messages`` parameter, else the one
parameter named like a prompt, else the only candidate; an ambiguous signature is refused
then and there. The input stage checks the prompt (masks are written back into the
argument), the function runs, and its return value (a ``str``, or a dict holding the text
under ``output_key``) goes through the output stage. On reask the function is called again
with the conversation extended by its rejected answer (masked) and a correction. On block
the wrapper returns the spec's blocked message, or raises :class:`GuardBlocked` when
``settings.on_block`` is ``raise``.

The wrapper has a ``with_result(*args, **kwargs)`` attribute returning
``(value, GuardResult)``.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable

from ._frozen import EMPTY
from .llm.base import extract_text
from .messages import Conversation
from .prompt_arg import prompt_value, resolve_prompt_arg

__all__ = ["decorate"]


def decorate(guard: Any, fn: Callable[..., Any], *, prompt_arg: str | None, output_key: str) -> Callable[..., Any]:
    if inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn):
        from .streaming import decorate_stream

        return decorate_stream(guard, fn, prompt_arg=prompt_arg, output_key=output_key)
    sig = inspect.signature(fn)
    where = resolve_prompt_arg(fn, sig, prompt_arg)
    name = fn.__qualname__
    is_async = inspect.iscoroutinefunction(fn)

    def prepare(args: tuple, kwargs: dict) -> tuple[inspect.BoundArguments, str, Conversation]:
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"{name}(): {exc}") from None
        bound.apply_defaults()
        return bound, where, Conversation.parse(prompt_value(bound, where, name))

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
