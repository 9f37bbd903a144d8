"""/quizstats summary·export·faq: the community's aggregate results for moderators, never individuals.

This package only translates: StatsService (bot/stats/) computes, this renders and replies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.stats._cog import QuizStats
from cogs.stats._select import QuestionSelect

if TYPE_CHECKING:
    from bot.client import CareerBot


async def setup(bot: CareerBot) -> None:
    bot.add_dynamic_items(QuestionSelect)
    await bot.add_cog(QuizStats(bot))


async def teardown(bot: CareerBot) -> None:
    bot.remove_dynamic_items(QuestionSelect)
