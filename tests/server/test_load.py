"""A bounded load test on loopback: 600 requests from 48 concurrent async clients across the three
protocols; every request gets exactly one well-formed answer, no 5xx, and no unvalidated text."""

import asyncio
import json
import random

import httpx
import pytest

from railguard.testing.openai import LocalOpenAI
from serverkit import KEY, RunningServer, make_config, write_spec

TOTAL, CONCURRENCY, BUDGET_S = 600, 48, 60.0
H = {"Authorization": f"Bearer {KEY}"}


def _case(i):
    """(kind, text, expected answer text): secrets vary per request so a leak cannot hide."""
    ssn = f"{100 + i % 800:03d}-{10 + i % 89:02d}-{1000 + i:04d}"
    email = f"user{i}@example.com"
    kind = ("apply", "validate", "chat")[i % 3]
    if i % 5 == 0:
        return kind, f"forbiddenword {email}", None, (ssn, email)
    return kind, f"my ssn is {ssn} and mail {email}", "my ssn is {US_SOCIAL_SECURITY_NUMBER} and mail {EMAIL}", \
        (ssn, email)


def test_bounded_load_every_request_answered_once_no_5xx_no_leak(tmp_path):
    from railguard.server.app import create_app
    from railguard.server.config import Route

    # The upstream echoes the prompt it got: any unmasked secret reaching it would come back.
    with LocalOpenAI(lambda prompt, body: f"echo: {prompt}", model="m") as upstream:
        cfg = make_config([write_spec(tmp_path)], routes=[Route("llm", "svc", {"openai": {"url": upstream.base_url,
                                                                                          "model": "m"}})])
        with RunningServer(create_app(cfg, library_metrics=False)) as srv:
            answers = asyncio.run(asyncio.wait_for(_drive(srv.url), BUDGET_S))
    assert len(answers) == TOTAL
    statuses = [status for status, _ in answers.values()]
    assert all(s == 200 for s in statuses), sorted(set(statuses))
    for i, (_, text) in answers.items():
        kind, _, expected, secrets = _case(i)
        assert not any(s in text for s in secrets), f"request {i} leaked a secret"
        if expected is None:
            assert text.startswith("Sorry, I can't help"), i
        else:
            assert text == (f"echo: {expected}" if kind == "chat" else expected), i


async def _drive(url):
    answers = {}
    queue = list(range(TOTAL))
    random.Random(7).shuffle(queue)
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, headers=H, timeout=30, limits=limits) as client:
        async def worker():
            while queue:
                i = queue.pop()
                kind, text, _, _ = _case(i)
                if kind == "apply":
                    r = await client.post("/guardrail/svc/version/DRAFT/apply",
                                          json={"source": "INPUT", "content": [{"text": {"text": text}}]})
                    body = r.json()
                    out = body["outputs"][0]["text"] if r.status_code == 200 and body["outputs"] else text
                elif kind == "validate":
                    r = await client.post("/v1/guards/svc/validate", json={"text": text})
                    out = r.json().get("output", "") if r.status_code == 200 else r.text
                else:
                    r = await client.post("/v1/chat/completions",
                                          json={"model": "llm", "messages": [{"role": "user", "content": text}]})
                    out = r.json()["choices"][0]["message"]["content"] if r.status_code == 200 else r.text
                assert i not in answers, f"request {i} answered twice"
                answers[i] = (r.status_code, out)
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return answers
