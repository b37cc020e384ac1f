"""The explicit registry of vendor specs mounted by create_app (no discovery).

Each vendor package exposes ``SPEC`` (a ``sim.web.spec.VendorSpec``) in its ``__init__``.
"""

from __future__ import annotations

SPECS: list = []

# One line per vendor, in the order of DESIGN.md section 1:
# from sim.vendors.leadterra import SPEC as LEADTERRA; SPECS.append(LEADTERRA)
