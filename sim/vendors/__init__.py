"""The explicit registry of vendor specs mounted by create_app (no discovery).

Each vendor package exposes ``SPEC`` (a ``sim.web.spec.VendorSpec``) in its ``__init__``.
"""

from __future__ import annotations

from sim.vendors.cluetik import SPEC as CLUETIK
from sim.vendors.leadconduit import SPEC as LEADCONDUIT
from sim.vendors.leadterra import SPEC as LEADTERRA
from sim.vendors.puffle import SPEC as PUFFLE

# In the order of DESIGN.md section 1.
SPECS: list = [LEADTERRA, CLUETIK, PUFFLE, LEADCONDUIT]
