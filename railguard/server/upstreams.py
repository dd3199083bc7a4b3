"""The models behind the chat proxy's routes: an OpenAI-compatible URL, a SageMaker endpoint (or
inference component), a Bedrock model through Converse.

Each upstream is called with the (possibly masked) messages the input stage passed on and returns
text, or an async iterator of text pieces for streams. Failures are :class:`ModelError`, which the
proxy answers as 502 without releasing anything.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any, AsyncIterator, Mapping

from ..errors import ModelError

__all__ = ["build_upstreams", "OpenAIUpstream", "AdapterUpstream"]

_PASS_THROUGH = ("temperature", "top_p", "max_tokens", "max_completion_tokens", "stop", "seed", "presence_penalty",
                 "frequency_penalty", "n", "user")


def _messages(messages: Any) -> list[dict[str, Any]]:
    out = []
    for m in messages:
        if isinstance(m, Mapping):
            out.append(dict(m))
        else:  # a railguard Message
            out.append({"role": m.role, "content": m.content})
    return out


class OpenAIUpstream:
    def __init__(self, name: str, url: str, model: str | None, api_key_env: str | None, timeout_s: float):
        import httpx

        self.name = name
        self.model = model or name
        key = os.environ.get(api_key_env) if api_key_env else None
        if api_key_env and not key:
            raise ModelError(f"route {name!r}: environment variable {api_key_env!r} (the upstream's key) is not set")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.client = httpx.AsyncClient(base_url=url.rstrip("/"), headers=headers, timeout=timeout_s)

    def _body(self, messages: Any, params: Mapping[str, Any], stream: bool) -> dict[str, Any]:
        body = {k: params[k] for k in _PASS_THROUGH if k in params}
        body.update(model=self.model, messages=_messages(messages), stream=stream)
        return body

    async def complete(self, messages: Any, params: Mapping[str, Any]) -> str:
        import httpx

        try:
            resp = await self.client.post("/chat/completions", json=self._body(messages, params, False))
        except httpx.HTTPError as exc:
            raise ModelError(f"upstream {self.name!r} could not be reached: {type(exc).__name__}") from None
        if resp.status_code != 200:
            raise ModelError(f"upstream {self.name!r} answered HTTP {resp.status_code}")
        try:
            content = resp.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise ModelError(f"upstream {self.name!r} answered a body that is not a chat completion") from None
        if not isinstance(content, str):
            raise ModelError(f"upstream {self.name!r} answered a non-text message content")
        return content

    async def stream(self, messages: Any, params: Mapping[str, Any]) -> AsyncIterator[str]:
        import httpx

        try:
            async with self.client.stream("POST", "/chat/completions",
                                          json=self._body(messages, params, True)) as resp:
                if resp.status_code != 200:
                    raise ModelError(f"upstream {self.name!r} answered HTTP {resp.status_code}")
                if not resp.headers.get("content-type", "").startswith("text/event-stream"):
                    # A server that does not stream answers one completion: take its text whole.
                    body = json.loads(await resp.aread())
                    yield body["choices"][0]["message"]["content"]
                    return
                async for line in resp.aiter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    delta = json.loads(data)["choices"][0].get("delta") or {}
                    if isinstance(delta.get("content"), str) and delta["content"]:
                        yield delta["content"]
        except httpx.HTTPError as exc:
            raise ModelError(f"upstream {self.name!r} failed mid-stream: {type(exc).__name__}") from None
        except (ValueError, KeyError, IndexError, TypeError):
            raise ModelError(f"upstream {self.name!r} sent a stream chunk that is not a chat completion chunk") \
                from None

    async def aclose(self) -> None:
        await self.client.aclose()


class AdapterUpstream:
    """A railguard model adapter (SageMakerEndpoint, BedrockConverse): its blocking calls run in threads."""

    def __init__(self, name: str, adapter: Any):
        self.name = name
        self.adapter = adapter

    async def complete(self, messages: Any, params: Mapping[str, Any]) -> str:
        from ..messages import Conversation

        conversation = Conversation.parse(_messages(messages))
        return await asyncio.to_thread(self.adapter.generate, conversation.messages)

    async def stream(self, messages: Any, params: Mapping[str, Any]) -> AsyncIterator[str]:
        from ..messages import Conversation

        conversation = Conversation.parse(_messages(messages))
        async for piece in self.adapter.astream(conversation.messages):
            yield piece

    async def aclose(self) -> None:
        return None


def build_upstreams(config: Any, guards: Any) -> dict[str, Any]:
    """model name -> (guard name, upstream), for every configured route."""
    out: dict[str, Any] = {}
    for route in config.routes:
        (kind, options), = route.upstream.items()
        if kind == "openai":
            upstream: Any = OpenAIUpstream(route.model, options["url"], options.get("model"),
                                           options.get("api_key_env"), float(options.get("timeout_s", 60)))
        elif kind == "sagemaker":
            from ..llm.sagemaker import SageMakerEndpoint

            kw = {k: options[k] for k in ("region", "endpoint_url") if k in options}
            upstream = AdapterUpstream(route.model, SageMakerEndpoint(
                options["endpoint"], inference_component=options.get("inference_component"),
                payload=options.get("payload", "messages"), **kw))
        else:
            from ..llm.bedrock import BedrockConverse

            kw = {k: options[k] for k in ("region", "endpoint_url") if k in options}
            upstream = AdapterUpstream(route.model, BedrockConverse(options["model_id"], **kw))
        out[route.model] = (route.guard, upstream)
    return out
