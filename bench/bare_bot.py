"""The baseline bot for benchmarks: plain discord.py, `/ping` and a static click-through "quiz".

Run as a process (`python -m bench.bare_bot`) with DISCORD_TOKEN, DISCORD_API_BASE_URL and
DISCORD_GATEWAY_URL set, exactly like careerbot, so both are measured the same way.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
from typing import Any

import discord
import yarl
from discord import ui
from discord.ext import commands

log = logging.getLogger("bare")


class StaticStep(ui.DynamicItem[ui.Button[Any]], template=r"b:(?P<n>\d+)"):
    def __init__(self, n: int) -> None:
        self.n = n
        super().__init__(ui.Button(label=f"Step {n}", custom_id=f"b:{n}"))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: ui.Item[Any], match: re.Match[str], /
    ) -> StaticStep:
        return cls(int(match["n"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        view = ui.View(timeout=None)
        view.add_item(StaticStep(self.n + 1))
        await interaction.response.edit_message(embed=discord.Embed(title=f"Static {self.n + 1}"), view=view)


class Bare(commands.Bot):
    async def setup_hook(self) -> None:
        self.add_dynamic_items(StaticStep)

        @self.tree.command(name="ping", description="pong")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong", ephemeral=True)

        @self.tree.command(name="careerquiz", description="static baseline")
        async def start(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            view = ui.View(timeout=None)
            view.add_item(StaticStep(0))
            message = await interaction.user.send(embed=discord.Embed(title="Static 0"), view=view)
            await interaction.followup.send(f"Check your DMs {message.jump_url}", ephemeral=True)

        del ping, start
        await self.tree.sync()

    async def on_ready(self) -> None:
        log.warning("connected as %s", self.user)


async def main() -> None:
    discord.http.Route.BASE = os.environ["DISCORD_API_BASE_URL"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    bot = Bare(
        command_prefix=commands.when_mentioned, intents=discord.Intents.default(), guild_ready_timeout=0.05
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
    async with bot:
        await bot.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main())
