"""Deterministic ids and random streams derived from a workspace seed."""

from __future__ import annotations

import hashlib
import random
import uuid

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def digest(*parts: object, size: int = 16) -> bytes:
    return hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=size).digest()


def stream(seed: object, *key: object) -> random.Random:
    """A ``random.Random`` that depends only on the seed and ``key``: order-independent chance."""
    return random.Random(int.from_bytes(digest(seed, *key, size=8), "big"))


def ulid(ms: int, entropy: bytes) -> str:
    """26-character Crockford base32 ULID from a millisecond time and 10 bytes of entropy."""
    value = (ms & ((1 << 48) - 1)) << 80 | int.from_bytes(entropy[:10], "big")
    out = []
    for _ in range(26):
        out.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(out))


class IdSource:
    """Per-workspace id generator: counters per stream, so the same seed and calls give the same ids."""

    def __init__(self, seed: object, counters: dict[str, int] | None = None):
        self.seed = seed
        self.counters: dict[str, int] = counters if counters is not None else {}
        self.dirty = False

    def _next(self, name: str) -> int:
        n = self.counters.get(name, 0) + 1
        self.counters[name] = n
        self.dirty = True
        return n

    def sequence(self, name: str) -> int:
        """1, 2, 3... per name (AutoReach-style integer ids)."""
        return self._next("seq:" + name)

    def raw(self, name: str, size: int = 16) -> bytes:
        return digest(self.seed, name, self._next(name), size=size)

    def ulid(self, prefix: str, ms: int, lower: bool = False) -> str:
        value = ulid(ms, self.raw(prefix, 10))
        return prefix + (value.lower() if lower else value)

    def hex(self, prefix: str, length: int = 12) -> str:
        return prefix + self.raw(prefix, (length + 1) // 2).hex()[:length]

    def alnum(self, prefix: str, length: int = 24) -> str:
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        data = self.raw(prefix, length)
        return prefix + "".join(alphabet[b % len(alphabet)] for b in data)

    def uuid4(self, name: str = "uuid") -> str:
        return str(uuid.UUID(bytes=self.raw(name, 16), version=4))
