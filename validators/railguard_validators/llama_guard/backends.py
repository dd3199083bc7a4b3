"""Where the Llama Guard model runs. Each backend sends the rendered prompt as it is and returns
the generated text; none applies a chat template (the prompt already is the template's output).

Generation is deterministic (greedy) and short, per backend:

- ``sagemaker`` (TGI/LMI ``inputs`` payload): ``{"max_new_tokens": N, "do_sample": false,
  "return_full_text": false}``; TGI refuses ``temperature: 0``, so sampling is switched off instead.
- ``bedrock`` (``invoke_model`` on a model id or ARN): ``payload: llama`` (Meta models and
  imported models) sends ``{"prompt", "max_gen_len": N, "temperature": 0}``; ``payload: tgi``
  (Marketplace endpoints serving TGI) the SageMaker body above; ``payload: openai_completion``
  ``{"prompt", "max_tokens": N, "temperature": 0}``.
- ``openai`` (vLLM, TGI's OpenAI-compatible server): ``POST {base_url}/completions`` with
  ``{"model", "prompt", "max_tokens": N, "temperature": 0}``, never the chat route.
- ``callable``: ``fn(prompt) -> str`` supplied in Python through resources.

``parameters`` in a backend's config is merged over these defaults.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from railguard.errors import ModelError

__all__ = ["Backend", "make_backend", "BACKENDS", "tgi_parameters", "read_generation"]

BACKENDS = ("sagemaker", "bedrock", "openai", "callable")
Resource = Callable[..., Any]


def tgi_parameters(max_new_tokens: int) -> dict[str, Any]:
    return {"max_new_tokens": max_new_tokens, "do_sample": False, "return_full_text": False}


def read_generation(body: Any, where: str) -> str:
    """The generated text of the answer shapes the backends meet (Bedrock Llama, TGI, completions)."""
    item = body[0] if isinstance(body, list) and body else body
    if isinstance(item, Mapping):
        if item.get("error") is not None:
            err = item["error"]
            raise ModelError(f"{where}: the model answered with an error: "
                             f"{err.get('message') if isinstance(err, Mapping) else err}")
        for key in ("generation", "generated_text", "completion", "text"):
            if isinstance(item.get(key), str):
                return item[key]
        for key in ("choices", "outputs"):
            seq = item.get(key)
            if isinstance(seq, list) and seq and isinstance(seq[0], Mapping) and isinstance(seq[0].get("text"), str):
                return seq[0]["text"]
    shape = (f"keys {sorted(map(str, item))}" if isinstance(item, Mapping) else type(body).__name__)
    raise ModelError(f"{where}: no generated text in the answer ({shape})")


class Backend:
    kind = ""

    def __init__(self, config: Mapping[str, Any], max_new_tokens: int, resource: Resource):
        self.config = config
        self.max_new_tokens = max_new_tokens
        self.resource = resource

    def setup(self) -> None:
        """Build clients (called from the validator's setup, never at spec load)."""

    def generate(self, prompt: str) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:
        return self.kind

    def parameters(self, defaults: Mapping[str, Any]) -> dict[str, Any]:
        return {**defaults, **dict(self.config.get("parameters") or {})}


class SageMakerBackend(Backend):
    kind = "sagemaker"

    def setup(self) -> None:
        from railguard.llm.sagemaker import SageMakerEndpoint

        c = self.config
        self.endpoint = SageMakerEndpoint(
            c["endpoint"], inference_component=c.get("inference_component"), target_variant=c.get("target_variant"),
            custom_attributes=c.get("custom_attributes"), region=c.get("region"),
            endpoint_url=c.get("endpoint_url"), client=self.resource("sagemaker_runtime_client"),
            session=self.resource("boto3_session"), profile=c.get("profile"), payload="tgi",
            parameters=self.parameters(tgi_parameters(self.max_new_tokens)), prompt_format="none",
            max_attempts=c.get("max_attempts", 3), read_timeout=c.get("read_timeout_s"))

    def generate(self, prompt: str) -> str:
        return self.endpoint.complete(prompt)

    def describe(self) -> str:
        c = self.config
        return f"sagemaker:{c['endpoint']}" + (f"/{c['inference_component']}" if c.get("inference_component") else "")


class BedrockBackend(Backend):
    kind = "bedrock"

    def setup(self) -> None:
        from railguard.aws import ClientOptions, make_client

        c = self.config
        self.client = make_client("bedrock-runtime",
                                  ClientOptions(region=c.get("region"), profile=c.get("profile"),
                                                endpoint_url=c.get("endpoint_url"),
                                                max_attempts=c.get("max_attempts", 3),
                                                read_timeout=c.get("read_timeout_s")),
                                  client=self.resource("bedrock_runtime_client"),
                                  session=self.resource("boto3_session"))
        payload = c.get("payload", "llama")
        n = self.max_new_tokens
        if payload == "tgi":
            self.body = lambda prompt: {"inputs": prompt, "parameters": self.parameters(tgi_parameters(n))}
        elif payload == "openai_completion":
            defaults = {"max_tokens": n, "temperature": 0}
            self.body = lambda prompt: {"prompt": prompt, **self.parameters(defaults)}
        else:
            defaults = {"max_gen_len": n, "temperature": 0}
            self.body = lambda prompt: {"prompt": prompt, **self.parameters(defaults)}

    def generate(self, prompt: str) -> str:
        from railguard.aws import error_code

        model_id = self.config["model_id"]
        where = f"Bedrock model {model_id!r}"
        try:
            response = self.client.invoke_model(modelId=model_id, body=json.dumps(self.body(prompt)),
                                                contentType="application/json", accept="application/json")
            raw = response["body"].read()
        except Exception as exc:
            code = error_code(exc)
            if code is None and not type(exc).__module__.startswith(("botocore", "urllib3")):
                raise
            message = ((getattr(exc, "response", None) or {}).get("Error") or {}).get("Message") or str(exc)
            raise ModelError(f"{where}: invoke_model failed: {code or type(exc).__name__}: {message}") from exc
        try:
            body = json.loads(raw)
        except ValueError:
            raise ModelError(f"{where}: the answer is not JSON ({len(raw)} bytes)") from None
        return read_generation(body, where)

    def describe(self) -> str:
        return f"bedrock:{self.config['model_id']}"


class OpenAIBackend(Backend):
    """Completions over plain HTTP (``http.client``), one kept-alive connection per thread."""

    kind = "openai"

    def setup(self) -> None:
        c = self.config
        base = c["base_url"].rstrip("/")
        self.url = base if base.endswith("/completions") else base + "/completions"
        parts = urlsplit(self.url)
        self.scheme, self.netloc, self.path = parts.scheme, parts.netloc, parts.path or "/"
        self.timeout = float(c.get("timeout_s", 30))
        self.attempts = int(c.get("max_attempts", 3))
        key = self.resource("openai_api_key")
        if key is None and c.get("api_key_env"):
            key = os.environ.get(c["api_key_env"])
            if key is None:
                raise ModelError(f"the environment variable {c['api_key_env']!r} (api_key_env) is not set")
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if key:
            self.headers["Authorization"] = f"Bearer {key}"
        self._local = threading.local()

    def _connection(self) -> Any:
        import http.client

        conn = getattr(self._local, "conn", None)
        if conn is None:
            cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
            conn = self._local.conn = cls(self.netloc, timeout=self.timeout)
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            conn.close()

    def generate(self, prompt: str) -> str:
        import http.client

        body: dict[str, Any] = {"prompt": prompt, **self.parameters({"max_tokens": self.max_new_tokens,
                                                                      "temperature": 0})}
        if self.config.get("model"):
            body["model"] = self.config["model"]
        data = json.dumps(body).encode("utf-8")
        where = f"completions endpoint {self.url}"
        last = ""
        for attempt in range(self.attempts):
            if attempt:
                time.sleep(min(2.0, 0.05 * 2 ** attempt))
            try:
                conn = self._connection()
                conn.request("POST", self.path, body=data, headers=self.headers)
                resp = conn.getresponse()
                raw = resp.read()
            except (OSError, http.client.HTTPException) as exc:  # refused, reset, timed out, bad status line
                self._drop()
                last = f"{type(exc).__name__}: {exc}"
                continue
            if resp.status == 429 or resp.status >= 500:
                last = f"HTTP {resp.status}: {_error_message(raw)}"
                continue
            if resp.status != 200:
                raise ModelError(f"{where}: HTTP {resp.status}: {_error_message(raw)}")
            try:
                return read_generation(json.loads(raw), where)
            except ValueError:
                raise ModelError(f"{where}: the answer is not JSON ({len(raw)} bytes)") from None
        raise ModelError(f"{where}: failed after {self.attempts} attempt(s): {last}")

    def describe(self) -> str:
        return f"openai:{self.url}"


def _error_message(raw: bytes) -> str:
    try:
        body = json.loads(raw)
    except ValueError:
        return raw[:200].decode("utf-8", errors="replace")
    err = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(err, Mapping):
        return str(err.get("message"))
    return str(err or body)[:200]


class CallableBackend(Backend):
    kind = "callable"

    @property
    def function_name(self) -> str:
        c = self.config
        return c if isinstance(c, str) else c["name"]

    def find(self) -> Callable[[str], Any]:
        name = self.function_name
        table = self.resource("callables")
        fn = table.get(name) if isinstance(table, Mapping) else None
        if fn is None:
            fn = self.resource(name)
        if not callable(fn):
            offered = sorted(table) if isinstance(table, Mapping) else []
            raise ValueError(f"callable {name!r} was not passed in: give it as "
                             f"Guard.from_file(..., resources={{'callables': {{{name!r}: fn}}}})"
                             + (f"; callables passed: {offered}" if offered else ""))
        return fn

    def setup(self) -> None:
        self.fn = self.find()

    def generate(self, prompt: str) -> str:
        out = self.fn(prompt)
        if hasattr(out, "__await__"):
            close = getattr(out, "close", None)
            if close:
                close()
            raise ModelError(f"callable {self.function_name!r} is async; the llama_guard callable backend "
                             f"takes a plain function prompt -> str")
        if isinstance(out, str):
            return out
        return read_generation(out, f"callable {self.function_name!r}")

    def describe(self) -> str:
        return f"callable:{self.function_name}"


_KINDS: dict[str, type[Backend]] = {"sagemaker": SageMakerBackend, "bedrock": BedrockBackend,
                                    "openai": OpenAIBackend, "callable": CallableBackend}


def make_backend(model: Mapping[str, Any], max_new_tokens: int, resource: Resource) -> Backend:
    (kind, config), = model.items()
    return _KINDS[kind](config, max_new_tokens, resource)
