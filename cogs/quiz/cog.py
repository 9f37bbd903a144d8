"""/careerquiz: start or resume the quiz in DMs (or here, when DMs are closed); the buttons' entry points."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs._shared import answer_unroutable
from cogs.quiz import flows
from cogs.quiz.views import offer_view

if TYPE_CHECKING:
    from bot.client import CareerBot

Interaction = discord.Interaction["CareerBot"]


class CareerQuiz(commands.Cog):
    """Also the ``items.Flows`` the quiz buttons call."""

    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="careerquiz", description="Which fits you better: AI Engineer or ML Engineer? A quiz in your DMs"
    )
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    @app_commands.allowed_installs(guilds=True, users=False)
    async def careerquiz(self, interaction: Interaction) -> None:
        in_guild = interaction.guild is not None
        await interaction.response.defer(ephemeral=in_guild, thinking=True)
        quizzes = self.bot.quizzes
        progress = await quizzes.resume(interaction.user.id)  # None when no live session
        if progress is not None:
            if progress.note is None and progress.step is not None:  # same version: ask first
                await interaction.followup.send(
                    f"You have a quiz in progress ({progress.step.label}). Resume it, or start over?",
                    view=offer_view(progress.session.id, "resume", "restart"),
                    ephemeral=in_guild,
                )
                return
            await flows.deliver(interaction, progress)  # content changed: restarted, with its note
            return
        progress = await quizzes.start(
            interaction.user.id,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id if in_guild else None,
        )
        await flows.deliver(interaction, progress)

    @commands.Cog.listener("on_interaction")
    async def unroutable_click(self, interaction: discord.Interaction[CareerBot]) -> None:
        """The catch-all: a click on one of our ids that no button answers still gets a reply."""
        await answer_unroutable(interaction)

    # -- items.Flows: what the buttons ask for

    async def answer(self, interaction: Interaction, sid: int, question: str, option: str) -> None:
        await flows.answer(interaction, sid, question, option)

    async def nav(self, interaction: Interaction, sid: int, action: str) -> None:
        await flows.nav(interaction, sid, action)

    async def result_button(self, interaction: Interaction, sid: int, action: str) -> None:
        await flows.on_result_button(interaction, sid, action)

    async def start_button(self, interaction: Interaction, action: str, sid: int) -> None:
        await flows.on_start_button(interaction, action, sid)
