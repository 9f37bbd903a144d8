"""/quizstats summary·export·faq: the community's aggregate results for moderators, never individuals."""

from __future__ import annotations

import asyncio
import io
import re
import time
import zipfile
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands, ui
from discord.ext import commands

from bot import stats, stats_export
from bot.client import answer_error, setting_cooldown
from bot.faq import review as faq_review
from cogs._stats_render import faq_embed, summary_embed
from cogs.moderation import is_moderator

if TYPE_CHECKING:
    from bot.client import CareerBot

Interaction = discord.Interaction["CareerBot"]
AnyInteraction = discord.Interaction[Any]
PeriodChoice = Literal["7d", "30d", "90d", "all"]
PERIOD = app_commands.describe(period="Time window (default: last 30 days)")


def stats_end(bot: CareerBot) -> float:
    """Where statistics stop: now, or the start of this UTC week (see STATS_UP_TO)."""
    now = time.time()
    if bot.settings.stats_up_to == "now":
        return now
    today = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return (today - timedelta(days=today.weekday())).timestamp()


async def load_summary(bot: CareerBot, guild_id: int, period: stats.Period) -> stats.Summary:
    """On a separate read-only connection, so members' quiz writes never wait behind it."""
    reader = await bot.storage.open_reader()
    try:
        return await stats.summary(
            reader,
            guild_id=guild_id,
            period=period,
            now=stats_end(bot),
            k=bot.settings.suppression_k,
            quiz=bot.content.quiz,
        )
    finally:
        await reader.close()


def fit_attachments(files: dict[str, bytes], limit: int, stem: str) -> list[discord.File]:
    """The CSVs as they are when they fit the interaction's limit, else one zip (CSV compresses well)."""
    if sum(len(b) for b in files.values()) <= limit and len(files) <= 10:
        return [discord.File(io.BytesIO(data), filename=name) for name, data in files.items()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return [discord.File(io.BytesIO(buf.getvalue()), filename=f"{stem}.zip")]


class QuestionSelect(ui.DynamicItem[ui.Select[Any]], template=r"qst:(?P<period>7d|30d|90d|all)"):
    """Pick a question to see its answer distribution; the period travels in the custom_id."""

    def __init__(self, period: str, options: list[discord.SelectOption] | None = None) -> None:
        self.period = period
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
        return cls(match["period"])

    async def callback(self, interaction: AnyInteraction) -> None:
        bot: CareerBot = interaction.client
        try:
            if interaction.guild_id is None or not await is_moderator(interaction):
                return
            await interaction.response.defer(ephemeral=True, thinking=True)
            summary = await load_summary(bot, interaction.guild_id, self.period)  # type: ignore[arg-type]
            question_id = self.item.values[0]
            png = await asyncio.to_thread(stats_export.question_chart, summary, question_id)
            q = next(q for q in summary.questions if q.id == question_id)
            lines = [f"{q.labels[o]}: **{cell.show(summary.k)}**" for o, cell in q.options.items()]
            embed = discord.Embed(title=q.prompt[:256], description="\n".join(lines)[:4000])
            embed.add_field(name="Stopped at this question", value=q.dropoff.show(summary.k))
            embed.set_image(url="attachment://question.png")
            await interaction.followup.send(
                embed=embed, file=discord.File(io.BytesIO(png), filename="question.png"), ephemeral=True
            )
        except app_commands.CheckFailure as exc:
            await interaction.response.send_message(str(exc), ephemeral=True)
        except Exception as exc:
            await answer_error(interaction, exc)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class QuizStats(
    commands.GroupCog, group_name="quizstats", group_description="Aggregate quiz results for moderators"
):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        return await is_moderator(interaction)

    @app_commands.command(name="summary", description="Funnel, outcome split, trend and per-question answers")
    @PERIOD
    async def summary(self, interaction: Interaction, period: PeriodChoice = "30d") -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        summary = await load_summary(self.bot, interaction.guild_id, period)
        outcome_png, funnel_png = await asyncio.to_thread(
            lambda: (stats_export.outcome_chart(summary), stats_export.funnel_chart(summary))
        )
        embed = summary_embed(summary, up_to_last_week=self.bot.settings.stats_up_to == "last-week")
        embed.set_image(url="attachment://outcomes.png")
        view = ui.View(timeout=None)
        view.add_item(
            QuestionSelect(
                period,
                [
                    discord.SelectOption(
                        label=q.prompt[:100], value=q.id, description=("Tie-break" if q.tiebreak else None)
                    )
                    for q in summary.questions[:25]
                ],
            )
        )
        files = [
            discord.File(io.BytesIO(outcome_png), filename="outcomes.png"),
            discord.File(io.BytesIO(funnel_png), filename="funnel.png"),
        ]
        await interaction.followup.send(embed=embed, files=files, view=view, ephemeral=True)

    @app_commands.command(
        name="export", description="CSV files of the aggregates (no member ids, weeks at finest)"
    )
    @PERIOD
    @app_commands.checks.dynamic_cooldown(setting_cooldown("export_cooldown_seconds"))
    async def export(self, interaction: Interaction, period: PeriodChoice = "30d") -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        summary = await load_summary(self.bot, interaction.guild_id, period)
        files = fit_attachments(
            stats_export.export_csvs(summary), interaction.filesize_limit, f"quizstats-{period}"
        )
        await interaction.followup.send(
            f'Aggregates for {period}; counts under {summary.k} members show as "< {summary.k}".',
            files=files,
            ephemeral=True,
        )

    @app_commands.command(
        name="faq", description="Questions the bot declined or members disliked: what to add next"
    )
    @PERIOD
    async def faq(self, interaction: Interaction, period: PeriodChoice = "30d") -> None:
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        until = stats_end(self.bot)  # the same cut-off as the summary: no one's question shows at once
        since = stats.period_start(period, until)
        reader = await self.bot.storage.open_reader()
        try:
            groups = await faq_review.faq_queue(
                reader,
                guild_id=interaction.guild_id,
                since=since,
                until=until,
                near=lambda q: bool(self.bot.faq.nearest(q)),
            )
            votes = await faq_review.faq_votes(
                reader, guild_id=interaction.guild_id, since=since, until=until
            )
        finally:
            await reader.close()
        await interaction.followup.send(
            embed=faq_embed(self.bot.content, groups, votes, period, self.bot.settings.suppression_k),
            ephemeral=True,
        )


async def setup(bot: CareerBot) -> None:
    bot.add_dynamic_items(QuestionSelect)
    await bot.add_cog(QuizStats(bot))


async def teardown(bot: CareerBot) -> None:
    bot.remove_dynamic_items(QuestionSelect)
