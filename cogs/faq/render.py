"""What the FAQ shows: an answer's embed, a decline's words, and the taught-examples listing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import discord

from bot.content import NONE_LABEL, Content, FaqEntry
from cogs._render import BRAND, fit, section_name

if TYPE_CHECKING:
    from bot.client import CareerBot

DECLINE_TEXT = (
    "I can only answer what the article covers, and I don't think it covers that. "
    "It's about choosing between AI Engineering and ML Engineering: the differences, pay, "
    "getting in, skills and switching."
)
NOT_FOR_THIS_BOT = "Not for this bot"


def answer_embed(bot: CareerBot, entry: FaqEntry, note: str | None = None) -> discord.Embed:
    text = f"{entry.answer}\n\n{note}" if note else entry.answer
    embed = discord.Embed(title=fit(entry.question, 256), description=text, colour=BRAND)
    embed.add_field(name="From the article", value=f"“{section_name(bot.content, entry.section)}”")
    article = bot.content.careers.article
    embed.set_footer(text=fit(f'Answers paraphrase "{article.title}" by {article.author}.', 2048))
    return embed


def label_name(content: Content, label: str) -> str:
    """A taught label as moderators read it: the entry's topic, or "Not for this bot"."""
    if label == NONE_LABEL:
        return NOT_FOR_THIS_BOT
    entry = content.faq.entry(label)
    return entry.topic if entry else f"{label} (no longer in the FAQ)"


def taught_summary(content: Content, counts: Mapping[str, int], retention_days: int) -> str:
    """For /careerbot-config show: how many examples this server taught, per answer."""
    if not counts:
        return "none yet (teach from /quizstats faq)"
    parts = [f"{label_name(content, label)}: {n}" for label, n in sorted(counts.items())]
    total = sum(counts.values())
    return fit(
        f"{total} · " + " · ".join(parts) + f"\nKept {retention_days} days, like FAQ question text.", 1024
    )
