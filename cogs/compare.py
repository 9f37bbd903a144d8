"""/compare salary·skills·work·entry·outlook: the two tracks side by side."""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.charts import cached_salary_chart, salary_alt_text
from bot.client import setting_cooldown
from bot.compare import Comparison, Topic, and_join, compare
from bot.content import OUTCOME_NAMES, Claim, Content
from cogs._render import BRAND, FIELD_MAX, HYBRID_COLOUR, TRACK_COLOURS, fit

if TYPE_CHECKING:
    from bot.client import CareerBot

SALARY_PNG = "salary-ranges.png"
PUBLIC = app_commands.describe(
    public="Post the answer in the channel for everyone (default: only you see it)"
)


def claim_lines(claims: list[Claim], limit: int = FIELD_MAX) -> str:
    """Bulleted claims, cut at a whole line to fit an embed field (the sources are named once, below)."""
    out = ""
    for claim in claims:
        line = f"• {claim.text}\n"
        if len(out) + len(line) > limit:
            break
        out += line
    return out.rstrip() or "—"


def sources(content: Content, comparison: Comparison) -> str:
    """The footer: the article and, in words, the sections this comparison rests on."""
    article = content.careers.article
    # The opening section carries the article's own title; naming it twice would read oddly.
    named = [f"“{article.sections[sid]}”" for sid in comparison.sections if sid != "which-path"]
    parts = ["its opening section"] if "which-path" in comparison.sections else []
    if named:
        parts.append(f"the section{'s' if len(named) > 1 else ''} {and_join(named)}")
    return f'From "{article.title}" by {article.author}: {" and ".join(parts)}.'


def comparison_embed(content: Content, comparison: Comparison, *, highlight: str | None) -> discord.Embed:
    """One field per track; the member's own outcome is marked, and the reply says why it is marked."""
    colour = TRACK_COLOURS.get(highlight or "", HYBRID_COLOUR if highlight == "hybrid" else BRAND)
    embed = discord.Embed(title=f"AI Engineer vs ML Engineer: {comparison.title}", colour=colour)
    if highlight in OUTCOME_NAMES:
        embed.description = f"⭐ marks your latest quiz result ({OUTCOME_NAMES[highlight]})."
    for column in comparison.columns:
        star = " ⭐" if highlight in (column.track.id, "hybrid") else ""
        embed.add_field(name=f"{column.track.name}{star}", value=claim_lines(column.lines), inline=True)
    if comparison.notes:
        embed.add_field(name=comparison.notes_title, value=claim_lines(comparison.notes), inline=False)
    embed.set_footer(text=fit(sources(content, comparison), 2048))
    return embed


async def send_salary(interaction: discord.Interaction[CareerBot], *, public: bool) -> None:
    """Defer, look up the member's outcome, draw (or reuse) the chart off the loop, reply."""
    bot = interaction.client
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=not public, thinking=True)
    latest = await bot.storage.latest_result(interaction.user.id)
    outcome = latest.outcome if latest else None
    png = await asyncio.to_thread(
        cached_salary_chart, bot.content.careers, bot.content.content_version, outcome
    )
    embed = comparison_embed(bot.content, compare(bot.content.careers, "salary"), highlight=outcome)
    embed.set_image(url=f"attachment://{SALARY_PNG}")
    await interaction.followup.send(
        embed=embed,
        file=discord.File(
            fp=io.BytesIO(png),
            filename=SALARY_PNG,
            description=salary_alt_text(bot.content.careers, outcome),
        ),
        ephemeral=not public,
    )


class Compare(commands.Cog):
    group = app_commands.Group(
        name="compare",
        description="AI Engineer and ML Engineer side by side",
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True),
    )

    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot

    async def _text(self, interaction: discord.Interaction[CareerBot], topic: Topic, public: bool) -> None:
        latest = await self.bot.storage.latest_result(interaction.user.id)
        embed = comparison_embed(
            self.bot.content,
            compare(self.bot.content.careers, topic),
            highlight=latest.outcome if latest else None,
        )
        await interaction.response.send_message(embed=embed, ephemeral=not public)

    @group.command(
        name="salary", description="Base-salary ranges of both paths, with a chart and the caveats"
    )
    @PUBLIC
    @app_commands.checks.dynamic_cooldown(setting_cooldown("chart_cooldown_seconds"))
    async def salary(self, interaction: discord.Interaction[CareerBot], public: bool = False) -> None:
        await send_salary(interaction, public=public)

    @group.command(name="skills", description="The skills each path asks for")
    @PUBLIC
    async def skills(self, interaction: discord.Interaction[CareerBot], public: bool = False) -> None:
        await self._text(interaction, "skills", public)

    @group.command(name="work", description="What a working day looks like on each path")
    @PUBLIC
    async def work(self, interaction: discord.Interaction[CareerBot], public: bool = False) -> None:
        await self._text(interaction, "work", public)

    @group.command(name="entry", description="How people get into each path: background, degrees, maths")
    @PUBLIC
    async def entry(self, interaction: discord.Interaction[CareerBot], public: bool = False) -> None:
        await self._text(interaction, "entry", public)

    @group.command(name="outlook", description="Where the jobs are, and switching between paths")
    @PUBLIC
    async def outlook(self, interaction: discord.Interaction[CareerBot], public: bool = False) -> None:
        await self._text(interaction, "outlook", public)


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Compare(bot))
