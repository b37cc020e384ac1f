"""Seeded Faker text: reply snippets, names, companies; one Faker per simulator, reseeded per use."""

from __future__ import annotations

import threading

from faker import Faker

from sim.core.ids import digest


class FakeData:
    def __init__(self, locale: str = "en_US"):
        self._faker = Faker(locale)
        self._lock = threading.Lock()

    def seeded(self, seed: object, *key: object) -> Faker:
        """The shared Faker, reseeded from (seed, key). Use it immediately, under the caller's lock."""
        self._faker.seed_instance(int.from_bytes(digest(seed, *key, size=8), "big"))
        return self._faker

    def call(self, seed: object, key: tuple, fn):
        with self._lock:
            return fn(self.seeded(seed, *key))
