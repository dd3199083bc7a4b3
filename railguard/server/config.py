"""The server's configuration: ``server.yaml`` checked against a JSON Schema, or spec paths alone.

``server.yaml`` is read with the spec loader's YAML parser (bounded, no Python tags, duplicate
keys refused) and checked with the spec checker's jsonschema machinery, so a mistake is reported
as ``server.yaml:12:5: $.auth.api_keys[0].sha256: ...``, never as a traceback. Paths in the file
(specs, certificates) are relative to the file's folder.
"""

from __future__ import annotations

import glob
import ipaddress
import os
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import SpecError, SpecIssue

__all__ = ["ServerConfig", "Route", "SageMakerRoute", "ApiKey", "SigV4Key", "load_config", "is_loopback",
           "CONFIG_SCHEMA"]

_NAME = {"type": "string", "pattern": "^[0-9A-Za-z_-]{1,64}$"}
_UPSTREAM = {
    "type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": False,
    "properties": {
        "openai": {"type": "object", "additionalProperties": False, "required": ["url"], "properties": {
            "url": {"type": "string", "pattern": "^https?://"}, "model": {"type": "string"},
            "api_key_env": {"type": "string"}, "timeout_s": {"type": "number", "exclusiveMinimum": 0}}},
        "sagemaker": {"type": "object", "additionalProperties": False, "required": ["endpoint"], "properties": {
            "endpoint": {"type": "string"}, "inference_component": {"type": "string"},
            "payload": {"enum": ["tgi", "messages"]}, "region": {"type": "string"},
            "endpoint_url": {"type": "string"}}},
        "bedrock": {"type": "object", "additionalProperties": False, "required": ["model_id"], "properties": {
            "model_id": {"type": "string"}, "region": {"type": "string"}, "endpoint_url": {"type": "string"}}},
    },
}
CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["railguard_server"],
    "properties": {
        "railguard_server": {"const": 1},
        "host": {"type": "string"}, "port": {"type": "integer", "minimum": 0, "maximum": 65535},
        "workers": {"type": "integer", "minimum": 1, "maximum": 64},
        "specs": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        "tls": {"type": "object", "additionalProperties": False, "required": ["certfile", "keyfile"],
                "properties": {"certfile": {"type": "string"}, "keyfile": {"type": "string"}}},
        "auth": {"type": "object", "additionalProperties": False, "properties": {
            "enabled": {"type": "boolean"},
            "api_keys": {"type": "array", "items": {
                "type": "object", "additionalProperties": False, "required": ["name"],
                "oneOf": [{"required": ["sha256"]}, {"required": ["env"]}],
                "properties": {"name": _NAME, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                               "env": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}}}},
            "sigv4": {"type": "array", "items": {
                "type": "object", "additionalProperties": False, "required": ["access_key_id", "secret_env"],
                "properties": {"access_key_id": {"type": "string", "pattern": "^[A-Z0-9]{4,128}$"},
                               "secret_env": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                               "name": _NAME}}}}},
        "limits": {"type": "object", "additionalProperties": False, "properties": {
            "max_body_bytes": {"type": "integer", "minimum": 1},
            "max_concurrent_per_client": {"type": "integer", "minimum": 1},
            "timeout_s": {"type": "number", "exclusiveMinimum": 0},
            "drain_s": {"type": "number", "minimum": 0}}},
        "admin": {"type": "object", "additionalProperties": False, "properties": {"reload": {"type": "boolean"}}},
        "routes": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["model", "guard", "upstream"],
            "properties": {"model": {"type": "string", "minLength": 1}, "guard": _NAME, "upstream": _UPSTREAM}}},
        "sagemaker": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["endpoint", "guard"],
            "properties": {"endpoint": {"type": "string", "minLength": 1}, "inference_component": {"type": "string"},
                           "guard": _NAME, "target_endpoint": {"type": "string"},
                           "region": {"type": "string"}, "endpoint_url": {"type": "string"}}}},
    },
}


@dataclass(frozen=True)
class ApiKey:
    name: str
    sha256: str | None = None
    env: str | None = None


@dataclass(frozen=True)
class SigV4Key:
    access_key_id: str
    secret_env: str
    name: str = ""


@dataclass(frozen=True)
class Route:
    """An OpenAI model name served by a guard around an upstream (``{"openai": {...}}`` etc.)."""

    model: str
    guard: str
    upstream: Mapping[str, Any]


@dataclass(frozen=True)
class SageMakerRoute:
    """Calls to ``endpoint`` (and ``inference_component``, when given) are guarded by ``guard`` and
    forwarded to ``target_endpoint`` (the same name by default) through a sagemaker-runtime client."""

    endpoint: str
    guard: str
    inference_component: str | None = None
    target_endpoint: str | None = None
    region: str | None = None
    endpoint_url: str | None = None


@dataclass
class ServerConfig:
    specs: list[str] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    certfile: str | None = None
    keyfile: str | None = None
    auth: bool = True
    api_keys: list[ApiKey] = field(default_factory=list)
    sigv4: list[SigV4Key] = field(default_factory=list)
    max_body_bytes: int = 1024 * 1024
    max_concurrent_per_client: int = 64
    timeout_s: float = 30.0
    drain_s: float = 30.0
    admin_reload: bool = False
    routes: list[Route] = field(default_factory=list)
    sagemaker: list[SageMakerRoute] = field(default_factory=list)
    file: str | None = None

    def check(self) -> None:
        """Refuse combinations that would be unsafe or cannot work."""
        where = self.file or "<command line>"
        if not self.specs:
            raise SpecError([SpecIssue("no specs to serve: give spec files or 'specs:' in the config", "$.specs",
                                       where)])
        if not self.auth and not is_loopback(self.host):
            raise SpecError([SpecIssue(f"authentication is off but host {self.host!r} is not a loopback address; "
                                       "--no-auth is allowed only on 127.0.0.1, ::1 or localhost", "$.auth",
                                       where)])
        if self.auth and not (self.api_keys or self.sigv4):
            raise SpecError([SpecIssue("authentication is on but no API keys or SigV4 keys are configured: add "
                                       "auth.api_keys / auth.sigv4, or RAILGUARD_API_KEY, or --no-auth on loopback",
                                       "$.auth", where)])
        if (self.certfile is None) != (self.keyfile is None):
            raise SpecError([SpecIssue("TLS needs both certfile and keyfile", "$.tls", where)])


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def expand_specs(patterns: list[str], base: str | None) -> list[str]:
    """Spec paths from paths and glob patterns (relative to ``base``); a pattern matching nothing is an error."""
    out: list[str] = []
    for pattern in patterns:
        full = pattern if base is None or os.path.isabs(pattern) else os.path.join(base, pattern)
        found = sorted(glob.glob(full)) if glob.has_magic(full) else [full]
        if not found or not all(os.path.isfile(p) for p in found):
            raise SpecError([SpecIssue(f"{pattern!r} names no spec file", "$.specs", base and os.path.join(base, "?"))])
        out.extend(p for p in found if not p.endswith(".tests.yaml"))
    return out


def load_config(path: str) -> ServerConfig:
    """Read and check ``server.yaml``; SpecError lists every problem with file:line and JSON path."""
    from ..spec.check import schema_issues
    from ..spec.yaml_source import parse_yaml

    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read(4 * 1024 * 1024 + 1)
    except OSError as exc:
        raise SpecError([SpecIssue(f"cannot read the config: {exc.strerror}", "$", path)]) from None
    except UnicodeDecodeError:
        raise SpecError([SpecIssue("the config is not UTF-8 text", "$", path)]) from None
    if len(text) > 4 * 1024 * 1024:
        raise SpecError([SpecIssue("the config is larger than 4 MiB", "$", path)])
    data, source, issues = parse_yaml(text, path)
    if issues:
        raise SpecError(issues)
    issues = schema_issues(CONFIG_SCHEMA, data, (), source)
    if issues:
        raise SpecError(issues)
    base = os.path.dirname(os.path.abspath(path))
    tls = data.get("tls") or {}
    auth = data.get("auth") or {}
    limits = data.get("limits") or {}

    def rel(p: str | None) -> str | None:
        return None if p is None else p if os.path.isabs(p) else os.path.join(base, p)

    cfg = ServerConfig(
        # A glob such as '*.yaml' next to the config must not take the config for a spec.
        specs=[p for p in expand_specs(list(data.get("specs") or []), base)
               if os.path.abspath(p) != os.path.abspath(path)],
        host=data.get("host", "127.0.0.1"), port=data.get("port", 8080), workers=data.get("workers", 1),
        certfile=rel(tls.get("certfile")), keyfile=rel(tls.get("keyfile")),
        auth=auth.get("enabled", True),
        api_keys=[ApiKey(**k) for k in auth.get("api_keys", [])],
        sigv4=[SigV4Key(**k) for k in auth.get("sigv4", [])],
        admin_reload=(data.get("admin") or {}).get("reload", False),
        routes=[Route(**r) for r in data.get("routes", [])],
        sagemaker=[SageMakerRoute(**r) for r in data.get("sagemaker", [])],
        file=path,
    )
    for key in ("max_body_bytes", "max_concurrent_per_client", "timeout_s", "drain_s"):
        if key in limits:
            setattr(cfg, key, limits[key])
    return cfg
