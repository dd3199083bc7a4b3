"""``bedrock_guardrail``: an existing Amazon Bedrock guardrail as one layer of a spec.

The input stage calls ``ApplyGuardrail(source="INPUT")``, the output stage ``source="OUTPUT"``.
Bedrock's answer is read by :func:`railguard.aws.bedrock_verdict.read_verdict`: ``BLOCKED`` entries
fail (handled by ``on_fail``, block by default), ``ANONYMIZED`` entries become masks on the
original text, ``NONE`` + ``detected`` entries are recorded only. Only a well-formed answer is
read: one without a known ``action`` (and the fields its entries require), such as a proxy's HTML
page, an empty or truncated body, ``{}`` or ``{"action": "FOO"}``, is a :class:`GuardrailError`
handled by ``on_error`` (block by default), never "no intervention".

Long texts (over ``max_chars``, 25,000 by default) are split by railguard's shared chunker into
chunks of ``chunk_units`` text units (12,000 characters by default) ending on a sentence or
word boundary; each request first takes its text units from a client-side limiter
(``text_units_per_second``, 25 by default, shared by every entry that talks to the same
endpoint at the same rate); each chunk boundary is checked again with ``boundary_window``
characters on each side. Usage reports Bedrock's per-policy units plus ``guardrail_requests``,
``guardrail_text_units`` and ``guardrail_retries`` (throttled or failed attempts botocore retried).

The guardrail is named by the entry's ``id`` (the guardrail id or ARN), which also names the
entry in results; an ARN's Region is used when the spec gives no ``region``. In Python, pass a ready client or session as
``resources={"bedrock_runtime_client": client}`` or ``{"boto3_session": session}`` (globally or
under the entry's id); a ``TextUnitLimiter`` under ``"text_unit_limiter"`` replaces the shared one.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Iterable, Mapping

from railguard import ChunkPolicy, Context, Outcome, ParamIssue, Validator, hookimpl
from railguard.aws import ClientOptions, error_code, make_client
from railguard.aws.bedrock_verdict import INTERVENED, MalformedVerdict, read_verdict, response_problems, text_units
from railguard.errors import ValidatorError

from .limiter import TextUnitLimiter, shared

__all__ = ["BedrockGuardrail", "GuardrailError", "TextUnitLimiter", "GUARDRAIL_ID", "GUARDRAIL_VERSION"]

# Patterns of GuardrailIdentifier and GuardrailVersion in bedrock-runtime 2023-09-30, anchored.
GUARDRAIL_ID = re.compile(r"^(([a-z0-9]+)|(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail/[a-z0-9]+))$")
GUARDRAIL_VERSION = re.compile(r"^(DRAFT|[1-9][0-9]{0,7})$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$")

DEFAULTS = {"text_units_per_second": 25, "max_chars": 25_000, "chunk_units": 12, "boundary_window": 200,
            "concurrency": 4, "max_attempts": 3, "retry_mode": "standard", "batch_chars": 1000}
# How each spec on_fail acts on a block that has no place in the text (a topic, a content filter).
_WHOLE_TEXT_ACTIONS = ("block", "raise", "reask", "log")


class GuardrailError(ValidatorError):
    """ApplyGuardrail failed (access denied, not found, throttled after every retry, a malformed answer...)."""


class BedrockGuardrail(Validator):
    name = "bedrock_guardrail"
    description = ("An Amazon Bedrock guardrail (ApplyGuardrail): blocks as the guardrail blocks, masks what it "
                   "anonymizes; long texts go out in chunks under a text-units-per-second limit.")
    params_schema = {
        "type": "object",
        "required": ["id", "version"],
        "properties": {
            "id": {"type": "string", "maxLength": 2048,
                   "description": "The guardrail id or ARN; also names this entry in results."},
            "version": {"type": ["string", "integer"], "description": "DRAFT or a version number."},
            "region": {"type": "string"},
            "profile": {"type": "string", "minLength": 1},
            "endpoint_url": {"type": "string", "pattern": "^https?://"},
            "output_scope": {"enum": ["INTERVENTIONS", "FULL"]},
            "retry_mode": {"enum": ["standard", "adaptive"]},
            "max_attempts": {"type": "integer", "minimum": 1, "maximum": 20,
                             "description": "Attempts per request, the first included."},
            "text_units_per_second": {"type": "number", "exclusiveMinimum": 0, "maximum": 100000},
            "burst_units": {"type": "number", "exclusiveMinimum": 0, "maximum": 100000,
                            "description": "Units that may go out at once (default: 90% of one second's worth)."},
            "max_chars": {"type": "integer", "minimum": 1000, "maximum": 10_000_000},
            "chunk_units": {"type": "integer", "minimum": 1, "maximum": 10_000},
            "boundary_window": {"type": "integer", "minimum": 0, "maximum": 500},
            "concurrency": {"type": "integer", "minimum": 1, "maximum": 64},
            "connect_timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": 300},
            "read_timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": 3600},
            "batch_chars": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
        },
    }
    default_on_fail = "block"
    can_mask = True

    def __init__(self, params: Mapping[str, Any] | None = None, *, stage: str = "output"):
        super().__init__(params, stage=stage)
        p = {**DEFAULTS, **dict(self.params)}
        self.version = str(p["version"]) if "version" in p else "DRAFT"
        self.region = p.get("region")
        self.output_scope = p.get("output_scope")
        self.rate = float(p["text_units_per_second"])
        self.burst = float(p["burst_units"]) if "burst_units" in p else None
        self.chunk_chars = int(p["chunk_units"]) * 1000
        self.max_chars_limit = int(p["max_chars"])
        self.window = int(p["boundary_window"])
        self.concurrency = int(p["concurrency"])
        self._batch = int(p["batch_chars"])
        self.options = ClientOptions(region=self.region, profile=p.get("profile"), endpoint_url=p.get("endpoint_url"),
                                     retry_mode=p["retry_mode"], max_attempts=int(p["max_attempts"]),
                                     connect_timeout=p.get("connect_timeout"), read_timeout=p.get("read_timeout"))
        self.guardrail_id = ""
        self.unlocated_action = "block"
        self.timeout_s: float | None = None
        self._client: Any = None
        self._limiter: TextUnitLimiter | None = None

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> Iterable[ParamIssue]:
        gid = params.get("id")
        if isinstance(gid, str) and not GUARDRAIL_ID.fullmatch(gid):
            yield ParamIssue(("id",), f"{gid!r} is not a Bedrock guardrail id (lowercase letters and digits, such "
                             "as 'ab12cd34ef56') or guardrail ARN (arn:aws:bedrock:REGION:ACCOUNT:guardrail/ID)")
        version = params.get("version")
        if isinstance(version, (str, int)) and not isinstance(version, bool) and \
                not GUARDRAIL_VERSION.fullmatch(str(version)):
            hint = " (did you mean 'DRAFT'?)" if str(version).lower() == "draft" else ""
            yield ParamIssue(("version",), f"{version!r} is not a guardrail version: use DRAFT or a number from "
                             f"1 to 99999999{hint}")
        region = params.get("region")
        if isinstance(region, str) and not REGION.fullmatch(region):
            yield ParamIssue(("region",), f"{region!r} is not an AWS Region name such as 'us-east-1'")
        units = params.get("chunk_units", DEFAULTS["chunk_units"])
        limit = params.get("max_chars", DEFAULTS["max_chars"])
        if isinstance(units, int) and isinstance(limit, int) and units * 1000 > limit:
            yield ParamIssue(("chunk_units",), f"{units} text units ({units * 1000} characters) is more than "
                             f"max_chars ({limit}); chunks must fit in one request")

    @property
    def label(self) -> str:
        return f"guardrail {self.guardrail_id} version {self.version}"

    def link(self, spec: Any, resources: Mapping[str, Any]) -> None:
        super().link(spec, resources)
        if not GUARDRAIL_ID.fullmatch(self.entry_id):
            raise ValueError(f"bedrock_guardrail needs 'id', the guardrail id or ARN (for example id: ab12cd34ef56); "
                             f"got {self.entry_id!r}")
        self.guardrail_id = self.entry_id
        if self.guardrail_id.startswith("arn:") and self.options.region is None:
            # A guardrail lives in one Region: an ARN names it, unless the spec says otherwise.
            self.options = replace(self.options, region=self.guardrail_id.split(":")[3])
        for entry in spec.stage(self.stage) if spec is not None else ():
            if entry.id == self.entry_id:
                self.unlocated_action = entry.on_fail if entry.on_fail in _WHOLE_TEXT_ACTIONS else "block"
                self.timeout_s = entry.timeout_s
        limiter = self.resource("text_unit_limiter")
        if limiter is not None and not isinstance(limiter, TextUnitLimiter):
            raise ValueError(f"resource 'text_unit_limiter' must be a TextUnitLimiter, got {type(limiter).__name__}")
        self._limiter = limiter

    # -- runtime ------------------------------------------------------------------------------
    def setup(self) -> None:
        from botocore.exceptions import BotoCoreError

        try:
            self._client = make_client("bedrock-runtime", self.options, client=self.resource("bedrock_runtime_client"),
                                       session=self.resource("boto3_session"))
        except BotoCoreError as exc:
            name = type(exc).__name__
            if name == "NoRegionError":
                raise GuardrailError(f"no AWS Region for {self.label}: set 'region' in the spec, AWS_REGION, or a "
                                     "profile's region") from None
            raise GuardrailError(f"cannot create a bedrock-runtime client for {self.label}: {exc}") from None
        if self._limiter is None:
            self._limiter = shared(self._client.meta.endpoint_url, self.rate, self.burst)

    def chunk_policy(self) -> ChunkPolicy:
        slack = min(500, self.chunk_chars // 4)
        return ChunkPolicy(max_chars=self.max_chars_limit, chunk_chars=self.chunk_chars, slack=slack,
                           boundary_window=self.window, concurrency=self.concurrency, stop_on_block=True)

    def lookahead(self) -> int | None:
        return None

    def batch_chars(self) -> int | None:
        return self._batch

    def _check_budget(self, context: Context, limiter: TextUnitLimiter) -> None:
        """Refuse at once a text whose text units cannot go out within the entry's timeout."""
        total = context.total_chars
        if total is None or total <= self.max_chars_limit or self.timeout_s is None:
            return
        chunks = -(-total // self.chunk_chars)
        units = text_units(total) + (chunks - 1) * text_units(2 * self.window)
        need = (units - limiter.burst) / limiter.rate
        if need > self.timeout_s:
            raise GuardrailError(f"{self.label}: {total} characters are about {units} text units, which take at "
                                 f"least {need:.1f}s at {limiter.rate:g} units/s, over this entry's timeout_s of "
                                 f"{self.timeout_s:g}s; raise timeout_s or text_units_per_second (if your quota "
                                 f"allows)")

    def validate(self, text: str, context: Context) -> Outcome:
        source = "INPUT" if context.stage == "input" else "OUTPUT"
        details = {"guardrail": self.guardrail_id, "version": self.version, "source": source}
        if not text.strip():
            return Outcome.ok(details={**details, "skipped": "empty text"})
        limiter = self._limiter
        assert limiter is not None and self._client is not None, "setup() has not run"
        self._check_budget(context, limiter)
        units = text_units(len(text))
        limiter.acquire(units)
        request: dict[str, Any] = {"guardrailIdentifier": self.guardrail_id, "guardrailVersion": self.version,
                                   "source": source, "content": [{"text": {"text": text}}]}
        if self.output_scope:
            request["outputScope"] = self.output_scope
        try:
            response = self._client.apply_guardrail(**request)
        except Exception as exc:
            raise self._error(exc) from None
        problems = response_problems(response)
        if problems:
            status = ((response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
                      if isinstance(response, dict) else None)
            raise GuardrailError(f"Bedrock {self.label} sent a malformed answer"
                                 f"{f' (HTTP {status})' if status else ''}: {'; '.join(problems)}; not read as a "
                                 "verdict (fail closed)")
        outputs = response.get("outputs") or []
        retries = int((response.get("ResponseMetadata") or {}).get("RetryAttempts", 0) or 0)
        # Summed over chunks by the runtime, so these are usage rather than details.
        usage = {**(response.get("usage") or {}), "guardrail_requests": 1, "guardrail_text_units": units,
                 "guardrail_retries": retries}
        if response.get("guardrailCoverage") and context.total_chars in (None, len(text)):
            details["coverage"] = response["guardrailCoverage"]  # a chunk's coverage would mislead
        try:
            return read_verdict(text, response["assessments"], intervened=response["action"] == INTERVENED,
                                outputs_text=outputs[0].get("text") if outputs else None, label=self.label,
                                unlocated_action=self.unlocated_action, usage=usage,
                                action_reason=response.get("actionReason"), extra_details=details)
        except MalformedVerdict as exc:
            raise GuardrailError(str(exc)) from None

    def _error(self, exc: Exception) -> GuardrailError:
        code = error_code(exc)
        region = getattr(getattr(self._client, "meta", None), "region_name", None) or "?"
        meta = getattr(exc, "response", {}) or {}
        message = (meta.get("Error") or {}).get("Message") or ""
        attempts = 1 + int((meta.get("ResponseMetadata") or {}).get("RetryAttempts", 0) or 0)
        if code == "AccessDeniedException":
            return GuardrailError(f"access denied to Bedrock {self.label} in {region} (not retried): {message}; "
                                  "the caller needs bedrock:ApplyGuardrail on this guardrail")
        if code == "ResourceNotFoundException":
            return GuardrailError(f"Bedrock {self.label} was not found in {region} (not retried): {message}; check "
                                  "the id, the version and the Region")
        if code == "ValidationException":
            return GuardrailError(f"Bedrock rejected the request for {self.label}: {message}")
        if code is not None:
            return GuardrailError(f"ApplyGuardrail for {self.label} failed with {code} after {attempts} attempt(s): "
                                  f"{message}")
        name = type(exc).__name__
        if name == "NoCredentialsError":
            return GuardrailError(f"no AWS credentials for {self.label}: configure credentials, a profile, or pass "
                                  "a boto3 client or session in resources")
        if name in ("EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ConnectionClosedError"):
            return GuardrailError(f"could not reach Bedrock for {self.label} after retries: {exc}")
        return GuardrailError(f"ApplyGuardrail for {self.label} failed: {name}: {exc}")


@hookimpl
def register_validators() -> list[type[Validator]]:
    return [BedrockGuardrail]
