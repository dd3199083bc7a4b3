"""Who may call: API keys (``Authorization: Bearer``) and SigV4-signed requests.

API keys are compared by SHA-256 digest (the config holds digests, or names environment variables
that hold keys), in constant time. A SigV4 request is verified by recomputing its signature with
botocore's own signer (canonical request, string to sign, signing key) over the headers the client
signed, the raw path and the body: a wrong secret, a changed body or a stale date is rejected.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from .config import ApiKey, SigV4Key

__all__ = ["Authenticator", "Denied", "hash_key"]

_SIGV4 = re.compile(r"^AWS4-HMAC-SHA256\s+Credential=(?P<akid>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/,\s]+)/"
                    r"(?P<service>[^/,\s]+)/aws4_request,\s*SignedHeaders=(?P<signed>[a-z0-9;\-]+),\s*"
                    r"Signature=(?P<sig>[0-9a-f]{64})$")
MAX_SKEW = _dt.timedelta(minutes=15)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Denied(Exception):
    """Why a request was refused: status 401 (no or unreadable credentials) or 403 (wrong ones)."""

    status: int
    message: str


class Authenticator:
    def __init__(self, api_keys: Sequence[ApiKey], sigv4: Sequence[SigV4Key], *, enabled: bool = True,
                 environ: Mapping[str, str] | None = None):
        env = os.environ if environ is None else environ
        self.enabled = enabled
        self._digests: list[tuple[bytes, str]] = []
        for k in api_keys:
            if k.sha256:
                self._digests.append((bytes.fromhex(k.sha256), k.name))
            elif k.env and env.get(k.env):
                self._digests.append((hashlib.sha256(env[k.env].encode("utf-8")).digest(), k.name))
            else:
                raise ValueError(f"API key {k.name!r}: environment variable {k.env!r} is not set")
        self._secrets: dict[str, tuple[str, str]] = {}
        for s in sigv4:
            secret = env.get(s.secret_env)
            if not secret:
                raise ValueError(f"SigV4 key {s.access_key_id[:8]}...: environment variable {s.secret_env!r} is not set")
            self._secrets[s.access_key_id] = (secret, s.name or s.access_key_id[:8])

    def check(self, method: str, scheme: str, raw_path: str, query: str, headers: Mapping[str, str],
              body: bytes) -> str:
        """The caller's name (for per-client limits and logs); raises :class:`Denied`."""
        if not self.enabled:
            return "anonymous"
        auth = headers.get("authorization", "")
        if auth[:7].lower() == "bearer ":
            digest = hashlib.sha256(auth[7:].strip().encode("utf-8")).digest()
            name = None
            for known, key_name in self._digests:  # every key compared: timing says nothing about which
                if hmac.compare_digest(known, digest):
                    name = key_name
            if name is None:
                raise Denied(403, "The API key is not valid.")
            return name
        if auth.startswith("AWS4-HMAC-SHA256"):
            return self._sigv4(auth, method, scheme, raw_path, query, headers, body)
        raise Denied(401, "Missing authentication: send Authorization: Bearer <key> or a SigV4 signature.")

    def _sigv4(self, auth: str, method: str, scheme: str, raw_path: str, query: str, headers: Mapping[str, str],
               body: bytes) -> str:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        m = _SIGV4.match(auth.strip())
        if m is None:
            raise Denied(401, "The SigV4 Authorization header is malformed.")
        known = self._secrets.get(m["akid"])
        if known is None:
            raise Denied(403, "The security token included in the request is invalid.")
        stamp = headers.get("x-amz-date", "")
        try:
            when = _dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=_dt.timezone.utc)
        except ValueError:
            raise Denied(401, "A SigV4 request needs an X-Amz-Date header.") from None
        if stamp[:8] != m["date"] or abs(_dt.datetime.now(_dt.timezone.utc) - when) > MAX_SKEW:
            raise Denied(403, "Signature expired or its date does not match the credential scope.")
        signed = m["signed"].split(";")
        if "host" not in signed or any(h not in headers for h in signed):
            raise Denied(403, "The request signature does not cover the Host header or names an absent header.")
        content_sha = headers.get("x-amz-content-sha256")
        if content_sha is not None and content_sha != "UNSIGNED-PAYLOAD" and \
                content_sha != hashlib.sha256(body).hexdigest():
            raise Denied(403, "X-Amz-Content-SHA256 does not match the body.")
        if content_sha == "UNSIGNED-PAYLOAD" and scheme != "https":
            raise Denied(403, "An unsigned payload is accepted over HTTPS only.")
        url = f"{scheme}://{headers['host']}{raw_path}" + (f"?{query}" if query else "")
        request = AWSRequest(method=method, url=url, data=body,
                             headers={h: headers[h] for h in signed})
        request.context["timestamp"] = stamp
        signer = SigV4Auth(Credentials(m["akid"], known[0]), m["service"], m["region"])
        canonical = signer.canonical_request(request)
        expected = signer.signature(signer.string_to_sign(request, canonical), request)
        if not hmac.compare_digest(expected, m["sig"]):
            raise Denied(403, "The request signature we calculated does not match the signature you provided.")
        return known[1]
