"""CareerBot: the discord.py client that wires settings, content, storage and the cogs together."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import secrets
import sys
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.content import Content, Faq
from bot.faq import FaqRetriever, FaqService
from bot.faq_warmup import FaqNotReady, WarmingFaq
from bot.quiz.service import QuizService
from bot.settings import Settings
from bot.storage import Storage, StorageUnavailable

log = logging.getLogger("careerbot")
T = TypeVar("T")

# The bot uses no voice: without this, every start warns that PyNaCl and davey are missing.
discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False

# Loaded in this order; an explicit list so a stray file in cogs/ is never loaded by accident.
EXTENSIONS: tuple[str, ...] = (
    "cogs.meta",
    "cogs.quiz",
    "cogs.compare",
    "cogs.faq",
    "cogs.moderation",
    "cogs.stats",
    "cogs.housekeeping",
)

GLOBAL_SCOPE = "global"


def point_at(settings: Settings) -> None:
    """Send REST and gateway traffic where settings say (a proxy, or the loopback fake in tests)."""
    if settings.discord_api_base_url:
        discord.http.Route.BASE = settings.discord_api_base_url.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def error_reference() -> str:
    return secrets.token_hex(3).upper()


async def answer_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Always answer a failed interaction, so nothing is left "thinking", and log it with a reference."""
    ref = error_reference()
    command = interaction.command.qualified_name if interaction.command else None
    custom_id = interaction.data.get("custom_id") if interaction.data else None
    if isinstance(error, FaqNotReady):
        # The answerer is still being fitted (the first seconds after start): say so, no traceback.
        log.info("faq not ready command=%s: %s", command, error)
        await say(interaction, str(error))
        return
    if isinstance(error, StorageUnavailable):
        # A passing database fault (lock held too long, read-only file, dropped connection): one line,
        # no traceback per click, and the member knows to click again.
        log.warning("storage unavailable ref=%s command=%s custom_id=%s: %s", ref, command, custom_id, error)
        try:
            await say(interaction, f"Your answer was not saved: please click again. (reference `{ref}`)")
        except discord.HTTPException:
            log.warning("could not tell the member about error ref=%s", ref)
        return
    log.error(
        "interaction failed ref=%s command=%s custom_id=%s user=%s",
        ref,
        command,
        custom_id,
        interaction.user.id,
        exc_info=error,
    )
    text = f"Something went wrong on my side. If it keeps happening, tell a moderator: reference `{ref}`."
    try:
        await say(interaction, text)
    except discord.HTTPException:
        log.warning("could not tell the member about error ref=%s", ref)


# Acknowledge by then at the latest: Discord fails an interaction after 3 s; clocks, networks and a busy
# loop need slack. At 1.5 s, 1,000 members on PostgreSQL (bench.quiz_load, 2 processes) had acknowledgements
# reach Discord up to 2.8 s after the member acted; at 1.0 s up to 2.0 s, same throughput.
ACK_BUDGET_SECONDS = 1.0


def budget_left(interaction: discord.Interaction[Any]) -> float:
    """Seconds left of this interaction's acknowledgement budget (negative once it has run out)."""
    return ACK_BUDGET_SECONDS - (discord.utils.utcnow() - interaction.created_at).total_seconds()


async def within_budget(interaction: discord.Interaction[Any], task: asyncio.Future[Any]) -> bool:
    """Wait for ``task`` until the acknowledgement budget of this interaction runs out; True if it finished."""
    left = budget_left(interaction)
    if left <= 0:
        return False  # already late (it waited on something before): acknowledge first, then work
    done, _ = await asyncio.wait({task}, timeout=left)
    return task in done


async def acknowledged_in_time(
    interaction: discord.Interaction[Any], work: Awaitable[T], acknowledge: Callable[[], Awaitable[Any]]
) -> tuple[T, bool]:
    """``work``'s result, and whether ``acknowledge`` (a deferral) had to go first.

    The work runs inline, not as a task of its own: a click's work is usually done in a millisecond,
    and a task plus a wait per click was a measurable share of the bot's CPU under load. A timer set
    at the budget starts the deferral beside the work when the work runs late (a held database lock),
    so the member never sees "This interaction failed"; one already late defers at once."""
    acked: asyncio.Future[Any] | None = None

    def late() -> None:
        nonlocal acked
        acked = asyncio.ensure_future(acknowledge())

    left = budget_left(interaction)
    if left <= 0:
        late()
    timer = asyncio.get_running_loop().call_later(max(left, 0.0), late) if acked is None else None
    try:
        result = await work
    except BaseException:
        if acked is not None:  # the failure's own reply must follow the deferral, not race it
            with contextlib.suppress(Exception):
                await acked
        raise
    finally:
        if timer is not None:
            timer.cancel()
    if acked is None:
        return result, False
    await acked
    return result, True


async def reply_in_time(
    interaction: discord.Interaction[Any], work: Awaitable[dict[str, Any]], *, ephemeral: bool = True
) -> None:
    """Reply with what ``work`` builds: directly when it is quick (the usual case, one request), or
    deferred ("thinking…") first when it runs late, so the member never sees "This interaction failed"."""
    reply, deferred = await acknowledged_in_time(
        interaction, work, lambda: interaction.response.defer(ephemeral=ephemeral, thinking=True)
    )
    if deferred:
        await interaction.followup.send(**reply, ephemeral=ephemeral)
    else:
        await interaction.response.send_message(**reply, ephemeral=ephemeral)


def setting_cooldown(setting: str) -> Callable[[discord.Interaction[Any]], app_commands.Cooldown | None]:
    """A per-member cooldown whose length is the named Settings field (0 turns it off)."""

    def factory(interaction: discord.Interaction[Any]) -> app_commands.Cooldown | None:
        seconds = float(getattr(interaction.client.settings, setting))
        return app_commands.Cooldown(1, seconds) if seconds > 0 else None

    return factory


class CareerTree(app_commands.CommandTree["CareerBot"]):
    async def on_error(
        self, interaction: discord.Interaction[CareerBot], error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.CommandOnCooldown):
            seconds = max(1, round(error.retry_after))
            await say(
                interaction,
                f"This command was used a moment ago. Please try again in {seconds} second"
                f"{'' if seconds == 1 else 's'}.",
            )
            return
        if isinstance(error, app_commands.CheckFailure):
            await say(interaction, str(error) or "You can't use this command here.")
            return
        original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        await answer_error(interaction, original)


async def say(interaction: discord.Interaction[Any], text: str) -> None:
    """An ephemeral line to the member, as the response or, once responded, as a followup."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True)
    else:
        await interaction.response.send_message(text, ephemeral=True)


class CareerBot(commands.AutoShardedBot):
    def __init__(
        self,
        settings: Settings,
        content: Content,
        *,
        extensions: tuple[str, ...] = EXTENSIONS,
        faq_fit: Callable[[Faq], FaqRetriever] | None = None,
    ) -> None:
        # Default intents carry no privileged ones; guild/DM messages stay on so mentions arrive.
        intents = discord.Intents.default()
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=CareerTree,
            help_command=None,
            guild_ready_timeout=settings.guild_ready_timeout,
            allowed_mentions=discord.AllowedMentions.none(),
            # No message cache: nothing here reads cached messages (components carry their message),
            # and keeping 1,000 of them costs memory plus a linear search on every message update.
            max_messages=None,
            # None/None: discord.py asks Discord for the count and runs every shard in this process.
            shard_count=settings.shard_count,
            shard_ids=settings.shard_ids,  # type: ignore[arg-type]  # discord.py accepts None (shard.py)
        )
        self.settings = settings
        self.content = content
        self.storage = Storage(
            settings.database,
            busy_timeout_ms=settings.database_busy_timeout_ms,
            pool_size=settings.database_pool_size,
        )
        # Fitted in the background from setup_hook: connecting to Discord does not wait for it.
        # A restart reads the base model from CACHE_DIR instead of fitting it again (bot/faq/_fit_cache.py).
        self.faq = WarmingFaq(content.faq, faq_fit or partial(FaqRetriever, cache_dir=settings.cache_dir))
        self._faq_warming: asyncio.Task[None] | None = None
        self.faq_answers = FaqService(self.faq, self.storage)
        self.quizzes = QuizService(content, self.storage, idle_hours=settings.quiz_idle_hours)
        self.extensions_to_load = extensions
        self.synced_scopes: list[str] = []
        # `careerbot sync [--guild ID]` sets this to force one sync instead of the hash policy.
        self.force_sync: tuple[bool, int | None] = (False, None)

    async def login(self, token: str) -> None:
        point_at(self.settings)
        await super().login(token)

    async def setup_hook(self) -> None:
        await self.storage.open()
        for ext in self.extensions_to_load:
            await self.load_extension(ext)
        force, guild_id = self.force_sync
        if force or self.settings.runs_shard_zero:
            # Several processes share one database and one command tree: only shard 0's syncs.
            await self.apply_sync_policy(force=force, guild_id=guild_id)
        log.info(
            "ready to connect: content %s, quiz %s, schema %s",
            self.content.content_version,
            self.content.quiz_version,
            await self.storage.schema_version(),
        )

    async def on_ready(self) -> None:
        assert self.user is not None
        if self._faq_warming is None and not self.force_sync[0]:  # `careerbot sync` answers nothing
            # After READY, not in setup_hook: the fit's child process (~1 s of CPU importing
            # scikit-learn) would otherwise compete with connecting on a small machine.
            self._faq_warming = asyncio.create_task(self.faq.warm(), name="faq-warm")
        log.info(
            "connected as %s (id %s) to %d servers on shards %s of %s",
            self.user,
            self.user.id,
            len(self.guilds),
            self.shard_ids or "all",
            self.shard_count,
        )

    async def wait_until_ready(self) -> None:
        """Connected to Discord and the FAQ answerer fitted: the whole bot, as tests and tools want it.

        (The gateway READY itself never waits for the answerer; see bot/faq_warmup.py.)"""
        await super().wait_until_ready()
        if not self.force_sync[0]:  # on_ready starts the fit just after READY is flagged
            await self.faq.wait_warm()

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, FaqNotReady) and args and isinstance(args[0], discord.Message):
            # A mention asked a question in the first seconds after start: answer it, no traceback.
            log.info("faq not ready (%s): %s", event_method, error)
            await args[0].reply(str(error), allowed_mentions=discord.AllowedMentions.none())
            return
        await super().on_error(event_method, *args, **kwargs)

    async def on_command_error(
        self, context: commands.Context[Any], exception: commands.CommandError, /
    ) -> None:
        # The mention prefix exists only so mentions carry content; a mention is a FAQ question for
        # cogs/faq/, never a prefix command, so "command not found" is the normal case.
        if isinstance(exception, commands.CommandNotFound):
            return
        await super().on_command_error(context, exception)

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            await self.storage.close()

    # ------------------------------------------------------------ command sync

    def tree_hash(self, guild: discord.abc.Snowflake | None) -> str:
        payload = [cmd.to_dict(self.tree) for cmd in self.tree.get_commands(guild=guild)]
        payload.sort(key=lambda c: (c.get("type", 1), c["name"]))
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    async def apply_sync_policy(self, *, force: bool = False, guild_id: int | None = None) -> bool:
        """Sync one scope when its tree changed since the last successful sync (or when forced)."""
        target = guild_id if guild_id is not None else self.settings.dev_guild_id
        guild = discord.Object(id=target) if target is not None else None
        if guild is not None:
            # Global commands copied to the dev guild appear instantly there (not in DMs).
            self.tree.copy_global_to(guild=guild)
        scope = f"guild:{target}" if target is not None else GLOBAL_SCOPE
        app_id = self.application_id
        assert app_id is not None, "setup_hook runs after login, which sets application_id"
        digest = self.tree_hash(guild)
        if not force and await self.storage.tree_hash(app_id, scope) == digest:
            log.info("command tree unchanged for %s; not syncing", scope)
            return False
        synced = await self.tree.sync(guild=guild)
        await self.storage.set_tree_hash(app_id, scope, digest, time.time())
        self.synced_scopes.append(scope)
        log.info("synced %d commands to %s", len(synced), scope)
        return True
