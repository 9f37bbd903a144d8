"""A test-only extension that opens a modal, so the playground's modal rendering is played in a browser
before any feature of the bot uses one."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands


class NoteModal(discord.ui.Modal, title="Leave a note"):
    note: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Your note", custom_id="note", max_length=100
    )

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message(f"Noted: {self.note.value}", ephemeral=True)


class NoteCog(commands.Cog):
    @app_commands.command(name="note", description="Open a modal (test only)")
    async def note(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_modal(NoteModal())


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(NoteCog())
