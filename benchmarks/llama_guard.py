"""Llama Guard validator overhead per call, against the raw boto3 round trip it wraps.

    python benchmarks/llama_guard.py [--calls 400] [--turns 1]

Everything runs against the local sagemaker-runtime on 127.0.0.1 (a component answering "safe"
at once), so the figures are railguard's own cost, not a model's:

- render: the exact Llama Guard 3 8B prompt for the conversation (pure Python);
- parse: reading a verdict ("unsafe\\nS1,S10");
- raw boto3: ``invoke_endpoint`` with the same prompt, body prepared beforehand, answer read;
- validator: ``LlamaGuard.validate`` through its SageMaker backend (render + JSON + boto3 + parse);
- guard.validate: the whole input stage through ``Guard.validate``.

Overhead = validator minus raw boto3, per call (median). No timing goal is asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "validators")]

for key, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
                   "AWS_EC2_METADATA_DISABLED": "true"}.items():
    os.environ.setdefault(key, value)

from railguard import Context, Guard, Message  # noqa: E402
from railguard.testing.sagemaker import LocalSageMaker  # noqa: E402
from railguard_validators.llama_guard.verdict import parse_verdict  # noqa: E402

QUESTION = ("I'm planning a dinner party for eight people next Saturday and would like a three-course menu with a "
            "vegetarian option. What would you suggest, and how should I schedule the cooking?")


def timed(fn, calls: int) -> list[float]:
    for _ in range(min(20, calls)):
        fn()
    out = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def us(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1e6:8.1f} us   p90 {sorted(samples)[int(len(samples) * .9)] * 1e6:8.1f} us"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--turns", type=int, default=1, help="user turns in the conversation (multi-turn cost)")
    args = parser.parse_args()

    messages = []
    for i in range(args.turns - 1):
        messages += [Message("user", f"Earlier question {i}: {QUESTION}"), Message("assistant", "An earlier answer.")]
    messages.append(Message("user", QUESTION))
    text = "\n\n".join(m.content for m in messages if m.role == "user")
    context = Context("input", "llama_guard", messages=tuple(messages))

    with LocalSageMaker() as sm:
        sm.endpoint("llm-endpoint", components={"guard": lambda inv: "safe"})
        spec = f"""
railguard: 1
name: bench
input:
  - llama_guard:
      model: {{sagemaker: {{endpoint: llm-endpoint, inference_component: guard, endpoint_url: '{sm.endpoint_url}'}}}}
"""
        client = sm.client()
        guard = Guard.from_text(spec, resources={"sagemaker_runtime_client": client})
        guard.warmup()
        validator = guard.graph.input.nodes[0].validator
        prompt = validator.prompt(text, context)
        body = json.dumps({"inputs": prompt, "parameters": {"max_new_tokens": 20, "do_sample": False,
                                                            "return_full_text": False}}).encode()

        def raw() -> None:
            resp = client.invoke_endpoint(EndpointName="llm-endpoint", InferenceComponentName="guard", Body=body,
                                          ContentType="application/json", Accept="application/json")
            json.loads(resp["Body"].read())

        render = timed(lambda: validator.prompt(text, context), args.calls * 10)
        parse = timed(lambda: parse_verdict("unsafe\nS1,S10", ["S1", "S10"]), args.calls * 10)
        raw_s = timed(raw, args.calls)
        val_s = timed(lambda: validator.validate(text, context), args.calls)
        guard_s = timed(lambda: guard.validate(text, source="input"), args.calls)

    overhead = statistics.median(val_s) - statistics.median(raw_s)
    print(f"Llama Guard 3 8B, {args.turns} user turn(s), prompt {len(prompt)} chars, {args.calls} calls each "
          f"(local sagemaker-runtime on 127.0.0.1)")
    print(f"  render prompt        {us(render)}")
    print(f"  parse verdict        {us(parse)}")
    print(f"  raw boto3 round trip {us(raw_s)}")
    print(f"  validator.validate   {us(val_s)}")
    print(f"  guard.validate       {us(guard_s)}")
    print(f"  validator overhead over raw boto3: {overhead * 1e6:.1f} us per call "
          f"({statistics.median(val_s) / statistics.median(raw_s):.2f}x the raw round trip)")
    print(f"  guard overhead over raw boto3:     "
          f"{(statistics.median(guard_s) - statistics.median(raw_s)) * 1e6:.1f} us per call")


if __name__ == "__main__":
    main()
