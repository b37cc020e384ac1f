"""The simulator's own control plane (/_sim): workspaces, clock, journal, deliveries, faults."""
