"""The explicit registry of vendor specs mounted by create_app (no discovery)."""

from __future__ import annotations

SPECS: list = []
