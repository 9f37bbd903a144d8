"""The seam for the FAQ feature's actions under /quizstats faq: the teach menu, or nothing.

The faq feature (cogs/faq/teach.py) builds it; the stats cog only attaches whatever this returns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord import ui

from bot.stats.service import FaqReview
from cogs.faq.teach import teach_view

if TYPE_CHECKING:
    from bot.client import CareerBot


def faq_review_view(bot: CareerBot, guild_id: int, review: FaqReview) -> ui.View | None:
    """A menu to teach the answerer from one of the reviewed questions (none when the queue is empty)."""
    return teach_view(review)
