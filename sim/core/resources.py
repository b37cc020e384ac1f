"""Locate the shipped data folders (``schemas/``, ``fixtures/``) in a checkout or an installed wheel."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

_PKG = Path(__file__).resolve().parents[1]


def data_dir(name: str) -> Path:
    """``schemas`` or ``fixtures``: the wheel ships them as ``sim/_data/<name>``; a checkout has them at the top."""
    for candidate in (_PKG / "_data" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"leadsim data folder {name!r} not found next to {_PKG}")


@lru_cache(maxsize=256)
def load_json(folder: str, relpath: str) -> dict:
    return json.loads((data_dir(folder) / relpath).read_text(encoding="utf-8"))
