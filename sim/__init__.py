"""leadsim: a local-first sandbox for five lead-generation and outreach APIs."""

__version__ = "0.1.0"
