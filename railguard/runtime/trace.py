"""Running the ``guard_call`` hook's wrappers around a guard call, sync or async.

Wrappers are implemented as pluggy new-style wrappers (``@hookimpl(wrapper=True)``,
``result = yield``); they may observe or replace the result and see exceptions.
The same enter/exit code serves both drivers, so async calls are traced too.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from ..errors import PluginError

__all__ = ["traced", "atraced"]


def _describe(call: Any) -> str:
    # Names only: metadata and text are never traced.
    return f"guard={getattr(call, 'guard', '?')} kind={getattr(call, 'kind', '?')} source={getattr(call, 'source', None)}"


def _enter(manager: Any, call: Any) -> list[Any]:
    gens = []
    hooktrace = manager.trace.root.get("hook")  # writes only with RAILGUARD_TRACE_HOOKS=1
    for impl in reversed(manager.hook.guard_call.get_hookimpls()):
        hooktrace(f"guard_call({_describe(call)}) plugin={impl.plugin_name}"
                  + (" wrapper" if impl.wrapper or impl.hookwrapper else ""))
        if impl.wrapper or impl.hookwrapper:
            gen = impl.function(call=call)
            try:
                next(gen)
            except StopIteration:
                raise PluginError(f"guard_call wrapper of plugin {impl.plugin_name!r} did not yield") from None
            gens.append((impl, gen))
        else:
            impl.function(call=call)  # plain implementations observe the call before it runs
    return gens


def _exit(gens: list[Any], result: Any, exc: BaseException | None) -> Any:
    for impl, gen in reversed(gens):
        try:
            if exc is not None:
                gen.throw(exc)
            else:
                gen.send(result)
        except StopIteration as stop:
            result, exc = (stop.value if stop.value is not None else result), None
        except BaseException as err:  # the wrapper re-raised or raised its own
            exc = err
        else:
            exc = PluginError(f"guard_call wrapper of plugin {impl.plugin_name!r} yielded more than once")
    if exc is not None:
        raise exc
    return result


def _finish(manager: Any, call: Any, result: Any) -> Any:
    hooktrace = manager.trace.root.get("hook")
    hooktrace("finish", f"guard_call({_describe(call)})", "-->",
              f"action={getattr(result, 'action', None)} blocked={getattr(result, 'blocked', None)}")
    return result


def traced(manager: Any, call: Any, run: Callable[[], Any]) -> Any:
    gens = _enter(manager, call)
    try:
        result = run()
    except BaseException as exc:
        return _finish(manager, call, _exit(gens, None, exc))
    return _finish(manager, call, _exit(gens, result, None))


async def atraced(manager: Any, call: Any, run: Callable[[], Awaitable[Any]]) -> Any:
    gens = _enter(manager, call)
    try:
        result = await run()
    except BaseException as exc:
        return _finish(manager, call, _exit(gens, None, exc))
    return _finish(manager, call, _exit(gens, result, None))
