"""AWS event-stream framing (``application/vnd.amazon.eventstream``), for local test servers.

A message is: total length (4 bytes), headers length (4), CRC32 of those 8 bytes,
the headers, the payload, and a CRC32 of everything before it. Header values here
are strings (type 7), which is all the streaming APIs railguard talks to need.
"""

from __future__ import annotations

import binascii
import json
import struct
from typing import Any, Mapping

__all__ = ["encode_message", "event", "exception", "decode_messages"]


def _header(name: str, value: str) -> bytes:
    n = name.encode("utf-8")
    v = value.encode("utf-8")
    return struct.pack("!B", len(n)) + n + struct.pack("!BH", 7, len(v)) + v


def encode_message(headers: Mapping[str, str], payload: bytes) -> bytes:
    """One framed message with correct prelude and message CRCs."""
    head = b"".join(_header(k, v) for k, v in headers.items())
    total = 12 + len(head) + len(payload) + 4
    prelude = struct.pack("!II", total, len(head))
    prelude += struct.pack("!I", binascii.crc32(prelude) & 0xFFFFFFFF)
    body = prelude + head + payload
    return body + struct.pack("!I", binascii.crc32(body) & 0xFFFFFFFF)


def event(event_type: str, payload: Any, content_type: str = "application/json") -> bytes:
    """An ``event`` message; a dict payload is JSON-encoded, bytes are sent as they are."""
    data = payload if isinstance(payload, (bytes, bytearray)) else json.dumps(payload).encode("utf-8")
    return encode_message({":event-type": event_type, ":content-type": content_type, ":message-type": "event"},
                          bytes(data))


def exception(exception_type: str, message: str, **fields: Any) -> bytes:
    """A modelled ``exception`` message (for example ModelStreamError mid-stream)."""
    payload = json.dumps({"message": message, **fields}).encode("utf-8")
    return encode_message({":exception-type": exception_type, ":content-type": "application/json",
                           ":message-type": "exception"}, payload)


def decode_messages(data: bytes) -> list[tuple[dict[str, str], bytes]]:
    """Split framed bytes back into (headers, payload) pairs, checking both CRCs."""
    out = []
    pos = 0
    while pos < len(data):
        total, hlen, pcrc = struct.unpack("!III", data[pos:pos + 12])
        if binascii.crc32(data[pos:pos + 8]) & 0xFFFFFFFF != pcrc:
            raise ValueError("prelude CRC mismatch")
        msg = data[pos:pos + total]
        (mcrc,) = struct.unpack("!I", msg[-4:])
        if binascii.crc32(msg[:-4]) & 0xFFFFFFFF != mcrc:
            raise ValueError("message CRC mismatch")
        headers: dict[str, str] = {}
        h = msg[12:12 + hlen]
        i = 0
        while i < len(h):
            nlen = h[i]
            name = h[i + 1:i + 1 + nlen].decode()
            i += 1 + nlen
            htype = h[i]
            if htype != 7:
                raise ValueError(f"header type {htype} not supported here")
            (vlen,) = struct.unpack("!H", h[i + 1:i + 3])
            headers[name] = h[i + 3:i + 3 + vlen].decode()
            i += 3 + vlen
        out.append((headers, msg[12 + hlen:-4]))
        pos += total
    return out
