"""/careerbot: about the bot, and members' own data."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.quiz_service import Progress
from cogs._quiz_views import result_kwargs
from cogs._render import about_embed

if TYPE_CHECKING:
    from bot.client import CareerBot


class Meta(commands.Cog):
    careerbot = app_commands.Group(
        name="careerbot",
        description="About careerbot and the data it keeps about you",
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True),
    )

    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot

    @careerbot.command(
        name="about", description="What careerbot is, where its answers come from, what it stores"
    )
    async def about(self, interaction: discord.Interaction[CareerBot]) -> None:
        await interaction.response.send_message(
            embed=about_embed(self.bot.content, __version__), ephemeral=True
        )

    @careerbot.command(name="myresult", description="Show your latest career quiz result again")
    async def myresult(self, interaction: discord.Interaction[CareerBot]) -> None:
        latest = await self.bot.quizzes.latest(interaction.user.id)
        if latest is None:
            await interaction.response.send_message(
                "You haven't finished the quiz yet. Run /careerquiz to take it.", ephemeral=True
            )
            return
        result, explanation = latest
        session = await self.bot.storage.session(result.session_id)
        assert session is not None
        progress = Progress(session=session, step=None, result=result, explanation=explanation)
        await interaction.response.send_message(**await result_kwargs(self.bot, progress), ephemeral=True)


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Meta(bot))
