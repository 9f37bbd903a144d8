"""Moderators' aggregate statistics: summary queries, suppression, export and charts, behind StatsService.

Nothing here imports discord. ``StatsService`` (service.py) is what cogs and the CLI call.
"""

from __future__ import annotations

# summary first: bot.faq_review (the faq feature's) imports _rows from here while service imports it.
from bot.stats.figures import (
    DAY,
    PERIOD_TEXT,
    SUPPRESSED_NOTE,
    QuestionStats,
    Summary,
    _rows,
    period_start,
    summary,
    week_start,
)
from bot.stats.suppression import Cell, Group, hidden_cells, suppress
from bot.stats.types import FUNNEL_PARTS, FUNNEL_STAGES, OUTCOMES, PERIODS, STOPPED, Outcome, Period, Stage

__all__ = [
    "DAY",
    "FUNNEL_PARTS",
    "FUNNEL_STAGES",
    "OUTCOMES",
    "PERIODS",
    "PERIOD_TEXT",
    "STOPPED",
    "SUPPRESSED_NOTE",
    "Cell",
    "Group",
    "Outcome",
    "Period",
    "QuestionStats",
    "Stage",
    "Summary",
    "_rows",
    "hidden_cells",
    "period_start",
    "summary",
    "suppress",
    "week_start",
]
