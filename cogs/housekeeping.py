"""Runs bot/housekeeping.py on a timer and tracks when the bot leaves or rejoins a server."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import discord
from discord.ext import commands, tasks

from bot.housekeeping import sweep

if TYPE_CHECKING:
    from bot.client import CareerBot

log = logging.getLogger("careerbot.housekeeping")


class Housekeeping(commands.Cog):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        self.loop = tasks.loop(minutes=bot.settings.housekeeping_minutes)(self._tick)

    async def cog_load(self) -> None:
        self.loop.start()

    async def cog_unload(self) -> None:
        self.loop.cancel()

    async def _tick(self) -> None:
        try:
            swept = await sweep(self.bot.storage, self.bot.settings, time.time())
        except Exception:
            log.exception("housekeeping failed; will try again next run")
            return
        log.info("housekeeping: %s", swept)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # Joins and removals that happened while the bot was offline fire no event: settle them here.
        await self.bot.storage.reconcile_guilds([g.id for g in self.bot.guilds], time.time())

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        # Data stays for the grace period in case the bot is added back.
        await self.bot.storage.mark_guild_left(guild.id, time.time(), time.time())

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.bot.storage.mark_guild_left(guild.id, None, time.time())


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Housekeeping(bot))
