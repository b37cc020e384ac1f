"""Seeded Faker text: reply snippets, names, companies; one Faker per simulator, reseeded per use."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from sim.core.ids import digest

if TYPE_CHECKING:
    from faker import Faker


class FakeData:
    """Faker is built on first use: importing and building it costs about 0.1 s of `serve` start-up."""

    def __init__(self, locale: str = "en_US"):
        self._locale = locale
        self._faker: Faker | None = None
        self._lock = threading.Lock()

    def seeded(self, seed: object, *key: object) -> Faker:
        """The shared Faker, reseeded from (seed, key). Use it immediately, under the caller's lock."""
        if self._faker is None:
            with self._lock:
                if self._faker is None:
                    from faker import Faker

                    self._faker = Faker(self._locale)
        self._faker.seed_instance(int.from_bytes(digest(seed, *key, size=8), "big"))
        return self._faker
