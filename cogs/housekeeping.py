"""Runs bot/housekeeping.py on a timer and tracks when the bot leaves or rejoins a server."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from typing import TYPE_CHECKING

import discord
from discord.ext import commands, tasks

from bot.housekeeping import sweep

if TYPE_CHECKING:
    from bot.client import CareerBot

log = logging.getLogger("careerbot.housekeeping")

LEASE = "housekeeping"


class Housekeeping(commands.Cog):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        self.loop = tasks.loop(minutes=bot.settings.housekeeping_minutes)(self._tick)
        self.loop.before_loop(self._after_start)
        # Shard processes share the database: one holds housekeeping and sweeps, the others skip. On
        # PostgreSQL that is an advisory lock held on a connection of its own; on SQLite a lease row that
        # outlives one interval, so the holder renews it before it lapses, and it lapses if the holder dies.
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.lease_ttl = bot.settings.housekeeping_minutes * 60 * 1.5
        # Set once the first pass (a sweep, or finding the lease taken) is over: what tests and tools
        # wait on to start from a settled database.
        self.first_pass = asyncio.Event()

    async def cog_load(self) -> None:
        self.loop.start()

    async def cog_unload(self) -> None:
        self.loop.cancel()
        try:
            await self.bot.storage.release_exclusive(LEASE, self.holder)
        except Exception:  # shutting down regardless: on SQLite the lease then lapses by itself
            log.warning("housekeeping: could not release the lease; it lapses on its own", exc_info=True)

    async def _after_start(self) -> None:
        # The first sweep waits until the bot is connected and its FAQ answerer fitted: a sweep of a
        # large database beside connecting would slow the start that members wait for.
        await self.bot.wait_until_ready()

    async def _tick(self) -> None:
        try:
            if not await self.bot.storage.hold_exclusive(LEASE, self.holder, self.lease_ttl, time.time()):
                log.info("housekeeping: another process holds the lease; skipping")
                return
            swept = await sweep(self.bot.storage, self.bot.settings, time.time())
        except Exception:
            log.exception("housekeeping failed; will try again next run")
            return
        finally:
            self.first_pass.set()
        log.info("housekeeping: %s", swept)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # Joins and removals that happened while the bot was offline fire no event: settle them here.
        # A shard process sees only its shards' servers; the others' are not departed.
        ids, count = self.bot.settings.shard_ids, self.bot.settings.shard_count
        shards = (ids, count) if ids is not None and count is not None else None
        await self.bot.storage.reconcile_guilds([g.id for g in self.bot.guilds], time.time(), shards=shards)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        # Data stays for the grace period in case the bot is added back.
        await self.bot.storage.mark_guild_left(guild.id, time.time(), time.time())

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.bot.storage.mark_guild_left(guild.id, None, time.time())


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Housekeeping(bot))
