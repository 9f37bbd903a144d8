"""The closed vocabularies of the statistics, as Literal types mypy can check."""

from __future__ import annotations

from typing import Literal

Period = Literal["7d", "30d", "90d", "all"]
Outcome = Literal["ai", "ml", "hybrid"]
Status = Literal["completed", "active", "abandoned", "cancelled", "expired"]
Stopped = Literal["abandoned", "cancelled", "expired"]
Stage = Literal["started", "completed", "active", "abandoned", "cancelled", "expired"]
Hidden = Literal["small", "protects"]  # under k (primary), or hidden only to protect another cell

PERIODS: tuple[Period, ...] = ("7d", "30d", "90d", "all")
OUTCOMES: tuple[Outcome, ...] = ("ai", "ml", "hybrid")
STOPPED: tuple[Stopped, ...] = ("abandoned", "cancelled", "expired")
FUNNEL_PARTS: tuple[Status, ...] = ("completed", "active", *STOPPED)
FUNNEL_STAGES: tuple[Stage, ...] = ("started", *FUNNEL_PARTS)
