"""A test-only extension whose command fails, to prove the tree-wide error handler answers."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands


class Failing(commands.Cog):
    @app_commands.command(name="explode", description="Always fails (tests only)")
    async def explode(self, interaction: discord.Interaction) -> None:
        raise RuntimeError("boom")

    @app_commands.command(name="explode-late", description="Fails after deferring (tests only)")
    async def explode_late(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        raise RuntimeError("boom after defer")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Failing())
