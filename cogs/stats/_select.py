"""The per-question select under a summary: answers in place, from the very summary the message shows.

The select's custom_id carries the period and a fingerprint of the summary it was drawn from. A pick
reads StatsService's cached summary (never a recompute) and edits the message it is on: the summary
stays, the question's embed and chart are added below it. When the cache no longer holds that summary
(the cut-off moved, a member asked to be forgotten, the cache lapsed), the moderator is told to run
the summary again, so a question never shows figures that disagree with the summary above it.
"""

from __future__ import annotations

import asyncio
import io
import re
import zlib
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands, ui

from bot.stats import PERIODS, Period, Summary, export
from cogs._shared import AnyInteraction, GuardedSelect, Interaction, Refusal
from cogs.moderation import is_moderator
from cogs.stats._render import SUMMARY_TITLE, question_chart_bars, question_embed

if TYPE_CHECKING:
    from bot.client import CareerBot
    from bot.stats.service import StatsService

NOT_IN_DMS = "Quiz statistics belong to a server: use this menu under /quizstats summary there."
UNKNOWN_QUESTION = "That question isn't in this summary. Run /quizstats summary again for a fresh menu."
OUT_OF_DATE = (
    "These figures have changed or expired since this summary was made. "
    "Run /quizstats summary again for a fresh menu."
)
QUESTION_PNG = "question.png"
EMBEDS_MAX = 6000  # Discord's limit on the characters of all of a message's embeds together


def fingerprint(summary: Summary) -> str:
    """Eight hex digits that change whenever any figure of the summary does (dataclass reprs are stable)."""
    return f"{zlib.crc32(repr(summary).encode()):08x}"


def stats_service(bot: CareerBot) -> StatsService:
    cog = bot.get_cog("QuizStats")
    service = getattr(cog, "service", None)
    if service is None:
        raise RuntimeError("the quizstats cog is not loaded")
    return service  # type: ignore[no-any-return]


class QuestionSelect(GuardedSelect, template=r"qst:(?P<period>7d|30d|90d|all)(?::(?P<fp>[0-9a-f]{8}))?"):
    """Pick a question to see its answer distribution; the period and the summary's fingerprint travel
    in the custom_id (an id without a fingerprint is from before fingerprints: it reads as out of date)."""

    stale = "This menu no longer works. Run /quizstats summary again for a fresh one."

    def __init__(
        self, period: Period, fp: str | None = None, options: list[discord.SelectOption] | None = None
    ) -> None:
        self.period: Period = period
        self.fp = fp
        super().__init__(
            ui.Select(
                custom_id=f"qst:{period}" + (f":{fp}" if fp else ""),
                placeholder="Answers to one question…",
                options=options or [discord.SelectOption(label="…", value="none")],
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: AnyInteraction, item: ui.Item[Any], match: re.Match[str], /
    ) -> QuestionSelect:
        period = next(p for p in PERIODS if p == match["period"])  # the template admits only these
        return cls(period, match["fp"])

    async def owner_id(self, interaction: Interaction) -> int | None:
        """Any moderator of the server the summary is in; refused plainly anywhere else."""
        if interaction.guild_id is None:
            raise Refusal(NOT_IN_DMS)
        try:
            await is_moderator(interaction)
        except app_commands.CheckFailure as exc:
            raise Refusal(str(exc)) from None
        return None

    async def run(self, interaction: Interaction) -> None:
        assert interaction.guild_id is not None  # owner_id refused DMs
        values = self.item.values
        question_id = values[0] if len(values) == 1 else ""
        summary = stats_service(interaction.client).cached(interaction.guild_id, self.period)
        if summary is None or self.fp is None or fingerprint(summary) != self.fp:
            raise Refusal(OUT_OF_DATE)
        embed = question_embed(summary, question_id)
        if embed is None:
            raise Refusal(UNKNOWN_QUESTION)
        bars, alt = question_chart_bars(summary, question_id)
        png = await asyncio.to_thread(export.draw, bars)
        embed.set_image(url=f"attachment://{QUESTION_PNG}")
        chart = discord.File(io.BytesIO(png), filename=QUESTION_PNG, description=alt)
        message = interaction.message
        kept = [a for a in message.attachments if a.filename != QUESTION_PNG] if message else []
        embeds = [embed]
        if message is not None and message.embeds:
            above = message.embeds[0].copy()
            if above.image.url:  # the summary's own chart, by name, as it was sent
                above.set_image(url="attachment://outcomes.png")
            if (above.title or "").startswith(SUMMARY_TITLE) and len(above) + len(embed) <= EMBEDS_MAX:
                embeds.insert(0, above)
        await interaction.response.edit_message(embeds=embeds, attachments=[*kept, chart])
