"""Settings of one simulator instance (from the CLI, the pytest plugin or a test)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Config:
    store: str = ".leadsim"          # a directory, or "memory"
    seed: int = 1                    # seed of the default workspace (and its keys)
    clock: str = "manual"            # default clock mode of new workspaces: manual | realtime | <N>x
    start: str | None = None         # ISO start time of new workspaces (default: now, to the second)
    vendor: str | None = None        # serve one vendor at its real root paths
    fsync: bool = False              # fsync every commit (power-loss durability), not only write()
    background: bool = False         # run the ticker thread (realtime clocks, prompt webhook delivery)
    webhook_timeout: float = 10.0    # seconds a receiver has to answer
    webhook_workers: int = 16
    admin_token: str | None = None   # required on /_sim when set
    max_body: int = 32 * 1024 * 1024
    default_workspace: bool = True
    vendors: list[str] | None = field(default=None)  # restrict the mounted vendors (tests)
    address: str | None = None       # URL the server is bound to (set by LiveServer): lock file holder, Host rule
