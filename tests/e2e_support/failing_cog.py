"""A test-only extension whose command fails, to prove the tree-wide error handler answers."""

from __future__ import annotations

import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from cogs._shared import GuardedButton


class Failing(commands.Cog):
    @app_commands.command(name="explode", description="Always fails (tests only)")
    async def explode(self, interaction: discord.Interaction) -> None:
        raise RuntimeError("boom")

    @app_commands.command(name="explode-late", description="Fails after deferring (tests only)")
    async def explode_late(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        raise RuntimeError("boom after defer")


class FailingButton(GuardedButton, template=r"cbx:(?P<uid>\d{1,20})"):
    """A button on the shared base whose work always fails."""

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        super().__init__(discord.ui.Button(label="Fail", custom_id=f"cbx:{user_id}"))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FailingButton:
        return cls(int(match["uid"]))

    async def owner_id(self, interaction: discord.Interaction[Any]) -> int | None:
        return self.user_id

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        raise RuntimeError("button boom")


class FailingButtons(commands.Cog):
    @app_commands.command(name="explode-button", description="Shows a button that fails (tests only)")
    async def explode_button(self, interaction: discord.Interaction) -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(FailingButton(interaction.user.id))
        await interaction.response.send_message("Press it.", view=view, ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Failing())
    await bot.add_cog(FailingButtons())
    bot.add_dynamic_items(FailingButton)
