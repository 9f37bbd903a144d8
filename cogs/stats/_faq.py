"""The seam for the FAQ feature's actions under /quizstats faq (e.g. "teach"): a view, or nothing.

The faq feature fills ``faq_review_view``; the stats cog only attaches whatever it returns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord import ui

from bot.stats.service import FaqReview

if TYPE_CHECKING:
    from bot.client import CareerBot


def faq_review_view(bot: CareerBot, guild_id: int, review: FaqReview) -> ui.View | None:
    """Buttons for acting on the review (none yet: the teach action belongs to the faq feature)."""
    return None
