"""The per-question select under a summary: answers from the cached summary, refuses what it can't serve."""

from __future__ import annotations

import asyncio
import io
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands, ui

from bot.client import answer_error, say
from bot.stats import PERIODS, Period, export
from cogs.moderation import is_moderator
from cogs.stats._render import question_embed

if TYPE_CHECKING:
    from bot.client import CareerBot
    from bot.stats.service import StatsService

AnyInteraction = discord.Interaction[Any]
NOT_IN_DMS = "Quiz statistics belong to a server: use this menu under /quizstats summary there."
UNKNOWN_QUESTION = "That question isn't in this summary. Run /quizstats summary again for a fresh menu."


def stats_service(bot: CareerBot) -> StatsService:
    cog = bot.get_cog("QuizStats")
    service = getattr(cog, "service", None)
    if service is None:
        raise RuntimeError("the quizstats cog is not loaded")
    return service  # type: ignore[no-any-return]


class QuestionSelect(ui.DynamicItem[ui.Select[Any]], template=r"qst:(?P<period>7d|30d|90d|all)"):
    """Pick a question to see its answer distribution; the period travels in the custom_id."""

    def __init__(self, period: Period, options: list[discord.SelectOption] | None = None) -> None:
        self.period: Period = period
        super().__init__(
            ui.Select(
                custom_id=f"qst:{period}",
                placeholder="Answers to one question…",
                options=options or [discord.SelectOption(label="…", value="none")],
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: AnyInteraction, item: ui.Item[Any], match: re.Match[str], /
    ) -> QuestionSelect:
        period = next(p for p in PERIODS if p == match["period"])  # the template admits only these
        return cls(period)

    async def callback(self, interaction: AnyInteraction) -> None:
        bot: CareerBot = interaction.client
        try:
            if interaction.guild_id is None:
                await say(interaction, NOT_IN_DMS)
                return
            await is_moderator(interaction)
            values = self.item.values
            question_id = values[0] if len(values) == 1 else ""
            summary = await stats_service(bot).summary(interaction.guild_id, self.period)  # cached
            embed = question_embed(summary, question_id)
            if embed is None:
                await say(interaction, UNKNOWN_QUESTION)
                return
            await interaction.response.defer(ephemeral=True, thinking=True)
            png = await asyncio.to_thread(export.question_chart, summary, question_id)
            embed.set_image(url="attachment://question.png")
            await interaction.followup.send(
                embed=embed, file=discord.File(io.BytesIO(png), filename="question.png"), ephemeral=True
            )
        except app_commands.CheckFailure as exc:
            await say(interaction, str(exc))
        except Exception as exc:
            await answer_error(interaction, exc)
