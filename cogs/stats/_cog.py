"""The /quizstats command group: defer, ask StatsService, render, reply."""

from __future__ import annotations

import asyncio
import io
import zipfile
from typing import TYPE_CHECKING

import discord
from discord import app_commands, ui
from discord.ext import commands

from bot.client import setting_cooldown
from bot.stats import PERIOD_TEXT, Period, Summary, export
from bot.stats.service import StatsService
from cogs.moderation import is_moderator
from cogs.stats._faq import faq_nearness, faq_review_view
from cogs.stats._render import bars_alt_text, faq_embed, summary_embed
from cogs.stats._select import QuestionSelect, fingerprint

if TYPE_CHECKING:
    from bot.client import CareerBot

Interaction = discord.Interaction["CareerBot"]
PERIOD = app_commands.describe(period="Time window (default: last 30 days)")


def fit_attachments(files: dict[str, bytes], limit: int, stem: str) -> list[discord.File]:
    """The CSVs as they are when they fit the interaction's limit, else one zip (CSV compresses well)."""
    if sum(len(b) for b in files.values()) <= limit and len(files) <= 10:
        return [discord.File(io.BytesIO(data), filename=name) for name, data in files.items()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return [discord.File(io.BytesIO(buf.getvalue()), filename=f"{stem}.zip")]


def question_menu(summary: Summary) -> ui.View:
    view = ui.View(timeout=None)
    options = [
        discord.SelectOption(
            label=q.prompt[:100], value=q.id, description=("Tie-break" if q.tiebreak else None)
        )
        for q in summary.questions[:25]
    ]
    view.add_item(QuestionSelect(summary.period, fingerprint(summary), options))
    return view


def chart_file(bars: export.Bars, filename: str) -> discord.File:
    """A stats chart with its alt text: what it shows and every bar's number, hidden ones as hidden."""
    return discord.File(io.BytesIO(export.draw(bars)), filename=filename, description=bars_alt_text(bars))


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class QuizStats(
    commands.GroupCog, group_name="quizstats", group_description="Aggregate quiz results for moderators"
):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        s = bot.settings
        self.service = StatsService(bot.storage, bot.content.quiz, k=s.suppression_k, up_to=s.stats_up_to)
        super().__init__()

    async def cog_unload(self) -> None:
        await self.service.close()

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        return await is_moderator(interaction)

    @app_commands.command(name="summary", description="Funnel, outcome split, trend and per-question answers")
    @PERIOD
    async def summary(self, interaction: Interaction, period: Period = "30d") -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        summary = await self.service.summary(interaction.guild_id, period)
        files = await asyncio.to_thread(
            lambda: [
                chart_file(export.outcome_bars(summary), "outcomes.png"),
                chart_file(export.funnel_bars(summary), "funnel.png"),
            ]
        )
        previous = await self.service.previous(interaction.guild_id, period)
        embed = summary_embed(summary, cutoff=self.service.cutoff_words(), previous=previous)
        embed.set_image(url="attachment://outcomes.png")
        view = question_menu(summary)
        await interaction.followup.send(embed=embed, files=files, view=view, ephemeral=True)

    @app_commands.command(
        name="export", description="CSV files of the aggregates (no member ids, weeks at finest)"
    )
    @PERIOD
    @app_commands.checks.dynamic_cooldown(setting_cooldown("export_cooldown_seconds"))
    async def export(self, interaction: Interaction, period: Period = "30d") -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        summary = await self.service.summary(interaction.guild_id, period)
        files = fit_attachments(
            export.export_csvs(summary), interaction.filesize_limit, f"quizstats-{period}"
        )
        k = summary.k
        text = f'Aggregates, {PERIOD_TEXT[period]}: "< {k}" marks fewer than {k} members, "hidden" a larger count hidden to protect it.'
        cutoff = self.service.cutoff_words()
        await interaction.followup.send(text + (f" {cutoff}" if cutoff else ""), files=files, ephemeral=True)

    @app_commands.command(
        name="faq", description="Questions the bot declined or members disliked: what to add next"
    )
    @PERIOD
    async def faq(self, interaction: Interaction, period: Period = "30d") -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        near = await faq_nearness(self.bot, interaction.guild_id)
        review = await self.service.faq_review(interaction.guild_id, period, near=near)
        embed = faq_embed(self.bot.content, review, period, self.service.k)
        # The faq feature's actions on the review (teach…) plug in here; nothing is attached until then.
        view = faq_review_view(self.bot, interaction.guild_id, review)
        if view is None:
            await interaction.followup.send(embed=embed, ephemeral=True)
        else:
            await interaction.followup.send(embed=embed, view=view, ephemeral=True)
