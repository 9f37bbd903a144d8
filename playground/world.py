"""The playground's world: a fake server with channels, personas, and a real CareerBot connected to it."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from bot.client import EXTENSIONS, CareerBot
from bot.content import Content, ContentError, load_content
from bot.settings import Settings
from fakediscord import DiscordPyPointer, FakeChannel, FakeDiscord, FakeGuild, FakeUser, point_discord_py_at
from fakediscord import permissions as perms

log = logging.getLogger("careerbot.playground")

MEMBERS = ("alice", "bilal", "chen")
MODERATOR = "morgan"
CHANNELS = ("general", "careers", "faq")


@dataclass(frozen=True)
class Persona:
    user: FakeUser
    label: str
    moderator: bool


class Playground:
    """Owns the fake Discord and the bot; reload() swaps in new content only when it validates."""

    def __init__(self, content_dir: Path, db_path: Path, *, extensions: tuple[str, ...] = EXTENSIONS) -> None:
        self.content_dir, self.db_path, self.extensions = content_dir, db_path, extensions
        self.fake = FakeDiscord()
        self.guild: FakeGuild | None = None
        self.personas: dict[int, Persona] = {}
        self.channels: list[FakeChannel] = []
        self.bot: CareerBot | None = None
        self._task: asyncio.Task[None] | None = None
        self._pointer: DiscordPyPointer | None = None
        self._reloading = asyncio.Lock()
        self.content_error: str | None = None
        self.content_version = ""

    async def start(self) -> None:
        content = load_content(self.content_dir)  # a broken start-up content is the caller's error
        await self.fake.start()
        self._pointer = point_discord_py_at(self.fake)
        self._build_world()
        await self._start_bot(content)

    def _build_world(self) -> None:
        guild = self.fake.add_guild("Career Hub")
        moderators = self.fake.add_role(guild, "Moderators", permissions=perms.MANAGE_GUILD)
        for name in MEMBERS:
            user = self.fake.add_user(name)
            self.fake.add_member(guild, user)
            self.personas[user.id] = Persona(user, name, moderator=False)
        mod = self.fake.add_user(MODERATOR)
        self.fake.add_member(guild, mod, roles=[moderators])
        self.personas[mod.id] = Persona(mod, f"{MODERATOR} (moderator)", moderator=True)
        self.channels = [guild.general] + [self.fake.add_text_channel(guild, n) for n in CHANNELS[1:]]
        self.guild = guild

    def _settings(self) -> Settings:
        # _env_file=None: the playground never reads a real token from a developer's .env.
        return Settings(
            _env_file=None,
            discord_token=self.fake.token,
            discord_api_base_url=self.fake.api_base,
            discord_gateway_url=self.fake.gateway_url,
            database_path=self.db_path,
            content_dir=self.content_dir,
            guild_ready_timeout=0.05,
            chart_cooldown_seconds=0,
            faq_cooldown_seconds=0,
            export_cooldown_seconds=0,
            stats_up_to="now",  # a preview shows today's plays, not last week's
        )

    async def _start_bot(self, content: Content) -> None:
        settings = self._settings()
        bot = CareerBot(settings, content, extensions=self.extensions)
        task = asyncio.create_task(bot.start(self.fake.token))
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait({ready, task}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            ready.cancel()
            task.result()
            raise RuntimeError("the bot stopped before becoming ready")
        if ready not in done:
            raise RuntimeError("the bot did not become ready within 30 s")
        self.bot, self._task = bot, task
        self.content_version = content.content_version

    async def reload(self) -> str | None:
        """Re-validate the content folder; on success restart the bot on it. Returns the error, if any."""
        async with self._reloading:  # two clicks on "Reload content" restart the bot once each, in turn
            return await self._reload()

    async def _reload(self) -> str | None:
        try:
            content = load_content(self.content_dir)
        except ContentError as exc:
            # Name the file inside the content folder, as the author knows it: "careers.yaml: field: reason".
            self.content_error = str(exc).removeprefix(f"{self.content_dir}/")
            log.warning("content not reloaded, keeping the last good content: %s", exc)
            return self.content_error
        await self._stop_bot()
        await self._start_bot(content)
        self.content_error = None
        return None

    async def _stop_bot(self) -> None:
        if self.bot is not None:
            await self.bot.close()
        if self._task is not None:
            await asyncio.wait_for(self._task, timeout=10)
        self.bot, self._task = None, None

    async def stop(self) -> None:
        await self._stop_bot()
        if self.fake.api_base:  # started
            await self.fake.stop()
        if self._pointer is not None:
            self._pointer.restore()

    def persona(self, user_id: object) -> Persona:
        try:
            return self.personas[int(str(user_id))]
        except (KeyError, ValueError):
            raise LookupError(f"no persona {user_id!r}") from None

    def channel(self, channel_id: object, persona: Persona) -> FakeChannel:
        """A guild channel by id, or "dm" for the persona's DM with the bot."""
        if channel_id == "dm":
            return self.fake.world.dm_channel(persona.user)
        for channel in self.channels:
            if str(channel.id) == str(channel_id):
                return channel
        raise LookupError(f"no channel {channel_id!r}")
