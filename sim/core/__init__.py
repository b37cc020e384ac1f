"""Vendor-neutral core without Flask: store, clock, scheduler, webhooks, errors, ids, limits, faults."""
