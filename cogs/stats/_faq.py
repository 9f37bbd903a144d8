"""The seam for the FAQ feature's part in /quizstats faq: how gaps are told from noise, and the teach
menu (or nothing).

The faq feature (cogs/faq/teach.py) builds the menu; the stats cog only attaches whatever this returns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from discord import ui

from bot.stats.service import FaqReview
from cogs.faq.teach import teach_view

if TYPE_CHECKING:
    from bot.client import CareerBot


async def faq_nearness(bot: CareerBot, guild_id: int) -> Callable[[str], bool]:
    """Near-topic (a gap) or off-topic (noise), by this server's answerer: what its moderators taught
    moves the line, so a wording near a taught one is a gap here even when the base model finds it noise."""
    model = await bot.faq_answers.answerers.get(guild_id)
    return lambda question: bool(model.nearest(question))


def faq_review_view(bot: CareerBot, guild_id: int, review: FaqReview) -> ui.View | None:
    """A menu to teach the answerer from one of the reviewed questions (none when the queue is empty)."""
    return teach_view(review)
