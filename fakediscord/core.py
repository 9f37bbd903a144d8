"""FakeDiscordCore: the loopback Discord server, its world-building and observation API, and the event plumbing
routes and the gateway share. driver.FakeDiscord adds what a member does."""
# ruff: noqa: ASYNC109  # the driver API takes timeout= by contract with the tests using it

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from . import permissions as perms
from .commands import CommandStore
from .faults import FaultRule, Faults, GlobalRateLimiter
from .gateway import (
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILDS,
    INTENT_MEMBERS,
    INTENT_MESSAGE_CONTENT,
    Gateway,
    GatewaySession,
)
from .interactions import InteractionResult
from .messages import FakeMessage
from .models import TEXT_CHANNEL, FakeChannel, FakeGuild, FakeMember, FakeRole, FakeUser
from .server import RequestRecord, build_app, listen
from .state import BotPost, Snowflakes, World
from .waiting import Watchers, channel_key, interaction_key

MiB = 1024 * 1024


@dataclass
class Violation:
    """A request Discord would have rejected for its payload (50035, 40005, 50006)."""

    method: str
    path: str
    code: int
    message: str
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.code} {self.message}: " + "; ".join(self.errors)


class FakeDiscordCore:
    """A Discord REST API + gateway on 127.0.0.1 that the real discord.py client can log into."""

    def __init__(
        self,
        token: str = "fake-token",
        *,
        bot_name: str = "careerbot",
        attachment_size_limit: int = 10 * MiB,
        channel_attachment_size_limit: int = 10 * MiB,
        interaction_ack_timeout: float = 3.0,
        allowed_privileged_intents: int = 0,
        host: str = "127.0.0.1",
        shard_count: int = 1,
    ) -> None:
        self.token = token
        self.host = host
        self.attachment_size_limit = attachment_size_limit
        self.channel_attachment_size_limit = channel_attachment_size_limit
        self.interaction_ack_timeout = interaction_ack_timeout
        self.allowed_privileged_intents = allowed_privileged_intents
        # GET /gateway/bot recommends it; above 1, IDENTIFY must carry a matching [id, count] (else 4011/4010).
        self.shard_count = shard_count
        self.global_rate_limit: int | None = None  # requests/second on bot-token routes; None = off
        self.application_flags = 0

        self.ids = Snowflakes()
        self.world = World(self.ids)
        self.bot_user = self._new_user(bot_name, bot=True)
        self.application_id = self.bot_user.id  # Discord gives modern apps the bot's id
        self.app_owner = self._new_user("app-owner")
        self.commands_store = CommandStore(self.ids, self.application_id)
        self.gateway = Gateway(self)
        self.faults = Faults()
        self._global_limiter = GlobalRateLimiter()

        self.requests: list[RequestRecord] = []
        # Per API request, how long it waited in the fake between being read and being handled.
        self.queued_seconds: list[float] = []
        self.unknown_routes: list[str] = []
        self.violations: list[Violation] = []
        self.internal_errors: list[str] = []  # exceptions inside the fake's own handlers
        self.interactions: list[InteractionResult] = []
        self._interactions_by_id: dict[int, InteractionResult] = {}
        self._interactions_by_token: dict[str, InteractionResult] = {}
        # Deferred component updates (callback 6) by message id, settled by the next edit of it: an
        # index, so an edit costs the same after 50,000 interactions as after 5 (a bench runs that many).
        self._deferred_updates: dict[int, list[InteractionResult]] = {}
        self._modals_shown: list[InteractionResult] = []
        self._post_cursor: dict[int, int] = {}  # channel id -> bot posts already returned by a wait
        self._resumes_at_drop = 0
        self._watchers = Watchers()
        self._background: set[asyncio.Task[Any]] = set()

        self.http_base = ""
        self.api_base = ""
        self.gateway_url = ""
        self._runner: web.AppRunner | None = None
        self._listener: asyncio.Server | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> Self:
        self._runner = web.AppRunner(build_app(self), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        self._listener = await listen(self._runner, self.host)
        port = self._listener.sockets[0].getsockname()[1]
        self.http_base = f"http://{self.host}:{port}"
        self.api_base = f"{self.http_base}/api/v10"
        self.gateway_url = f"ws://{self.host}:{port}/gateway"
        return self

    async def stop(self) -> None:
        await self.settle()
        await self.gateway.close_all()
        if self._listener is not None:
            self._listener.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._listener is not None:
            await self._listener.wait_closed()
            self._listener = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def problems(self) -> list[str]:
        """Unknown routes, payload violations and fake-internal errors: what the test fixture fails on."""
        found = [f"unknown route {r}" for r in self.unknown_routes]
        found += [f"payload violation {v}" for v in self.violations]
        found += [f"fake Discord internal error in {e}" for e in self.internal_errors]
        return found

    # -- building the world --------------------------------------------------------------------

    def _new_user(
        self, name: str, *, bot: bool = False, global_name: str | None = None, locale: str = "en-US"
    ) -> FakeUser:
        user = FakeUser(id=self.ids.next(), name=name, global_name=global_name, bot=bot, locale=locale)
        self.world.users[user.id] = user
        return user

    def add_user(self, name: str, *, global_name: str | None = None, locale: str = "en-US") -> FakeUser:
        return self._new_user(name, global_name=global_name, locale=locale)

    def add_guild(
        self,
        name: str = "Career Hub",
        owner: FakeUser | None = None,
        *,
        bot_permissions: int = perms.DEFAULT_BOT,
        with_bot: bool = True,
        locale: str = "en-US",
        shard: int | None = None,
    ) -> FakeGuild:
        """A guild with @everyone, a #general channel, its owner, and (unless with_bot=False) the bot.

        `shard`: pick the guild's id so Discord routes it to that shard of `shard_count`.
        """
        owner = owner or self.add_user(re.sub(r"\W+", "-", name.lower()) + "-owner")
        guild_id = self.ids.next() if shard is None else self.ids.next_on_shard(shard, self.shard_count)
        guild = FakeGuild(id=guild_id, name=name, owner_id=owner.id, locale=locale, bot_present=with_bot)
        guild.roles[guild.id] = FakeRole(
            id=guild.id, guild_id=guild.id, name="@everyone", permissions=perms.DEFAULT_EVERYONE, position=0
        )
        guild.bot_role = FakeRole(
            id=self.ids.next(),
            guild_id=guild.id,
            name=self.bot_user.name,
            permissions=bot_permissions,
            position=1,
            managed=True,
            bot_id=self.bot_user.id,
        )
        guild.insert_role(guild.bot_role)
        guild.general = FakeChannel(id=self.ids.next(), type=TEXT_CHANNEL, name="general", guild_id=guild.id)
        guild.channels[guild.general.id] = guild.general
        self.world.channels[guild.general.id] = guild.general
        guild.members[owner.id] = FakeMember(user=owner)
        if with_bot:
            guild.members[self.bot_user.id] = FakeMember(user=self.bot_user, role_ids=[guild.bot_role.id])
        self.world.guilds[guild.id] = guild
        if with_bot and self.gateway.session_for(guild.id) is not None:
            self._spawn(self._dispatch_guild_create(guild))  # the bot was added while connected
        return guild

    def add_role(
        self,
        guild: FakeGuild,
        name: str,
        permissions: int = 0,
        position: int = 1,
        managed: bool = False,
        *,
        color: int = 0,
    ) -> FakeRole:
        """Insert a role at `position` (roles at or above it move up, so the bot's role stays above)."""
        role = FakeRole(
            id=self.ids.next(),
            guild_id=guild.id,
            name=name,
            permissions=permissions,
            position=position,
            managed=managed,
            color=color,
        )
        before = {r.id: r.position for r in guild.roles.values()}
        guild.insert_role(role)
        self._spawn_dispatch(
            "GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.payload()}, INTENT_GUILDS, guild
        )
        for other in guild.roles.values():
            if other.id in before and before[other.id] != other.position:
                # Roles pushed up by the insert: keeps discord.py's cached hierarchy right.
                self._spawn_dispatch(
                    "GUILD_ROLE_UPDATE",
                    {"guild_id": str(guild.id), "role": other.payload()},
                    INTENT_GUILDS,
                    guild,
                )
        return role

    def add_member(
        self,
        guild: FakeGuild,
        user: FakeUser,
        roles: list[FakeRole] | None = None,
        owner: bool = False,
        *,
        nick: str | None = None,
    ) -> FakeMember:
        member = FakeMember(user=user, role_ids=[r.id for r in roles or []], nick=nick)
        guild.members[user.id] = member
        if owner:
            guild.owner_id = user.id
        self._spawn_dispatch(
            "GUILD_MEMBER_ADD", {"guild_id": str(guild.id), **member.payload()}, INTENT_MEMBERS, guild
        )
        return member

    def member(self, guild: FakeGuild, user: FakeUser) -> FakeMember:
        return guild.members[user.id]

    def set_roles(self, guild: FakeGuild, user: FakeUser, roles: list[FakeRole]) -> None:
        """Replace a member's roles (as a moderator would in the client)."""
        guild.members[user.id].role_ids = [r.id for r in roles]
        data = {"guild_id": str(guild.id), **guild.members[user.id].payload()}
        self._spawn_dispatch("GUILD_MEMBER_UPDATE", data, INTENT_MEMBERS, guild)

    def add_text_channel(self, guild: FakeGuild, name: str, *, topic: str | None = None) -> FakeChannel:
        channel = FakeChannel(
            id=self.ids.next(),
            type=TEXT_CHANNEL,
            name=name,
            guild_id=guild.id,
            position=len(guild.channels),
            topic=topic,
        )
        guild.channels[channel.id] = channel
        self.world.channels[channel.id] = channel
        self._spawn_dispatch("CHANNEL_CREATE", channel.payload(), INTENT_GUILDS, guild)
        return channel

    def close_dms(self, user: FakeUser) -> None:
        user.dms_open = False

    def open_dms(self, user: FakeUser) -> None:
        user.dms_open = True

    def set_bot_can_send(self, channel: FakeChannel, allowed: bool) -> None:
        """False: the bot's posts to this guild channel answer 403/50013 (like a deny overwrite)."""
        channel.bot_can_send = allowed

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        return self.world.dm_channel(user)

    async def add_bot_to_guild(self, guild: FakeGuild) -> None:
        guild.bot_present = True
        guild.members.setdefault(
            self.bot_user.id, FakeMember(user=self.bot_user, role_ids=[guild.bot_role.id])
        )
        await self.settle()
        await self._dispatch_guild_create(guild)

    async def remove_bot_from_guild(self, guild: FakeGuild) -> None:
        guild.bot_present = False
        guild.members.pop(self.bot_user.id, None)
        await self.settle()
        await self.gateway.dispatch(
            "GUILD_DELETE", {"id": str(guild.id)}, intents=INTENT_GUILDS, guild_id=guild.id
        )
        self._poke()

    # -- observing -----------------------------------------------------------------------------

    def commands(self, guild_id: int | FakeGuild | None = None) -> list[dict[str, Any]]:
        return self.commands_store.list(_scope(guild_id))

    def sync_count(self, guild_id: int | FakeGuild | None = None) -> int:
        """How many bulk overwrites (CommandTree.sync) the bot made for that scope."""
        return self.commands_store.sync_count(_scope(guild_id))

    def dm_messages(self, user: FakeUser) -> list[FakeMessage]:
        """What `user` sees in their DM with the bot, oldest first (no deleted or others' ephemeral messages)."""
        channel = self.world.dm_by_user.get(user.id)
        if channel is None:
            return []
        return [
            m
            for m in self.world.by_channel.get(channel.id, [])
            if not m.deleted and m.visible_to in (None, user.id)
        ]

    def channel_messages(
        self, channel: int | FakeChannel, *, include_ephemeral: bool = False
    ) -> list[FakeMessage]:
        channel_id = channel.id if isinstance(channel, FakeChannel) else channel
        return [
            m
            for m in self.world.by_channel.get(channel_id, [])
            if not m.deleted and (include_ephemeral or not m.ephemeral)
        ]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until `predicate()` holds: re-checked on every change the fake sees, and every 10 ms."""
        await self._watchers.wait_for(predicate, timeout, recheck=True)

    async def wait_connected(self, timeout: float = 5.0, *, shards: list[int] | None = None) -> None:
        """Wait until the shards' sessions (default: all of them) are identified and their sockets up."""
        wanted = range(self.shard_count) if shards is None else shards

        def up() -> bool:
            return all((s := self.gateway.by_shard.get(i)) is not None and s.connected for i in wanted)

        await self._wait_for(up, timeout)

    async def _wait_next_post(
        self, channel_id: int, predicate: Callable[[FakeMessage], bool] | None, timeout: float, what: str
    ) -> FakeMessage:
        """The oldest bot post in the channel that no earlier wait returned (see wait_dm)."""

        def find() -> int | None:
            posts = self.world.bot_posts.get(channel_id, [])
            for index in range(self._post_cursor.get(channel_id, 0), len(posts)):
                post = posts[index]
                if post.message.deleted:
                    continue
                if predicate(post.message) if predicate is not None else post.kind == "create":
                    return index
            return None

        try:
            await self._wait_for(lambda: find() is not None, timeout, key=channel_key(channel_id))
        except TimeoutError:
            seen = [
                m.content[:80] for m in self.world.by_channel.get(channel_id, []) if m.author is self.bot_user
            ]
            raise TimeoutError(
                f"no matching bot message {what} within {timeout}s; bot messages so far: {seen}"
            ) from None
        index = find()
        assert index is not None
        self._post_cursor[channel_id] = index + 1
        return self.world.bot_posts[channel_id][index].message

    # -- faults --------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        route: str | re.Pattern[str],
        status: int = 429,
        n: int = 1,
        retry_after: float = 0.05,
    ) -> FaultRule:
        """Answer the next `n` matching requests with `status` (429 or 5xx).

        `route` is a path relative to /api/v10: a template ("/channels/{channel_id}/messages") or a regex.
        """
        return self.faults.add(method, route, status, n, retry_after)

    async def drop_gateway(self, code: int | None = None, *, shard: int | None = None) -> None:
        """Cut the bot's socket (of `shard`, default the latest session): None = abnormal closure
        without a close frame, else close with `code`."""
        self._resumes_at_drop = self.gateway.resumes
        await self.gateway.drop(code, shard)

    async def wait_resumed(self, timeout: float = 5.0) -> None:
        """Wait until the bot RESUMEd after the last drop_gateway()."""
        await self._wait_for(lambda: self.gateway.resumes > self._resumes_at_drop, timeout)

    # -- internals shared with routes and the gateway -------------------------------------------

    def _poke(self, *keys: Hashable) -> None:
        """The state changed; `keys` (interaction_key, channel_key) say where, none: anywhere."""
        self._watchers.poke(*keys)

    async def _wait_for(
        self, predicate: Callable[[], bool], timeout: float, *, key: Hashable | None = None
    ) -> None:
        await self._watchers.wait_for(predicate, timeout, key=key)

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _spawn_dispatch(self, event: str, data: dict[str, Any], intents: int, guild: FakeGuild) -> None:
        """Tell a connected bot about a world change made from synchronous test setup."""
        # No session means nothing to tell (and possibly no running loop: setup before the bot starts).
        if self.gateway.session_for(guild.id) is None or not guild.bot_present:
            return
        self._spawn(self.gateway.dispatch(event, data, intents=intents, guild_id=guild.id))

    async def settle(self) -> None:
        """Wait for gateway events queued by synchronous setup calls to be written."""
        while self._background:
            await asyncio.gather(*list(self._background))

    def _record_violation(self, request: web.Request, code: int, message: str, errors: list[str]) -> None:
        path = request.path.removeprefix("/api/v10")
        self.violations.append(Violation(request.method, path, code, message, errors))

    def _bot_guilds(self, shard: int | None = None) -> list[FakeGuild]:
        """Guilds the bot is in; with `shard`, only those Discord routes to that shard."""
        return [
            g
            for g in self.world.guilds.values()
            if g.bot_present and (shard is None or self.gateway.shard_of(g.id) == shard)
        ]

    def _application_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.bot_user.name,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": self.app_owner.payload(),
            "team": None,
            "flags": self.application_flags,
            "bot": self.bot_user.payload(),
            "rpc_origins": [],
            "redirect_uris": [],
            "tags": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": len(self._bot_guilds()),
        }

    def _ready_payload(self, session: GatewaySession) -> dict[str, Any]:
        user = self.bot_user.payload()
        user.update(verified=True, mfa_enabled=False, flags=0)
        data: dict[str, Any] = {
            "v": 10,
            "user": user,
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self._bot_guilds(session.shard_id)],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": f"ws://{self.host}:{self.http_base.rsplit(':', 1)[1]}/gateway/resume",
            "application": {"id": str(self.application_id), "flags": self.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
        }
        if session.shard is not None:
            data["shard"] = session.shard
        return data

    def _guild_create_payload(self, guild: FakeGuild, session: GatewaySession) -> dict[str, Any]:
        return guild.payload(bot_user_id=self.bot_user.id, all_members=session.has(INTENT_MEMBERS))

    async def _dispatch_guild_create(self, guild: FakeGuild) -> None:
        if self.gateway.session_for(guild.id) is None:
            return
        await self.gateway.dispatch(
            "GUILD_CREATE",
            lambda s: self._guild_create_payload(guild, s),
            intents=INTENT_GUILDS,
            guild_id=guild.id,
        )
        self._poke()

    async def _member_updated(self, guild: FakeGuild, user_id: int) -> None:
        data = {"guild_id": str(guild.id), **guild.members[user_id].payload()}
        await self.gateway.dispatch("GUILD_MEMBER_UPDATE", data, intents=INTENT_MEMBERS, guild_id=guild.id)
        self._poke()

    # -- message events ------------------------------------------------------------------------

    def _message_intent(self, message: FakeMessage) -> int:
        return INTENT_GUILD_MESSAGES if message.guild_id is not None else INTENT_DIRECT_MESSAGES

    def _bot_sees(self, message: FakeMessage) -> bool:
        if message.ephemeral:
            return False  # ephemeral messages never reach the gateway
        guild = self.world.guilds.get(message.guild_id) if message.guild_id is not None else None
        return guild is None or guild.bot_present

    def _message_event(self, message: FakeMessage, session: GatewaySession) -> dict[str, Any]:
        data = message.payload()
        guild = self.world.guilds.get(message.guild_id) if message.guild_id is not None else None
        if guild is not None:
            author_member = guild.members.get(message.author.id)
            if author_member is not None:
                data["member"] = author_member.payload(with_user=False)
            for mention in data["mentions"]:
                mentioned = guild.members.get(int(mention["id"]))
                if mentioned is not None:
                    mention["member"] = mentioned.payload(with_user=False)
        # Without the privileged intent Discord blanks content in guild messages that are not
        # the bot's own and do not mention it.
        mentions_bot = any(u.id == self.bot_user.id for u in message.mentions)
        if (
            guild is not None
            and not session.has(INTENT_MESSAGE_CONTENT)
            and message.author.id != self.bot_user.id
            and not mentions_bot
        ):
            data.update(content="", embeds=[], attachments=[], components=[])
        return data

    def _note_post(self, message: FakeMessage, kind: str) -> None:
        if message.author.id != self.bot_user.id or message.interaction_id is not None:
            return
        self.world.bot_posts.setdefault(message.channel_id, []).append(BotPost(kind, message))

    async def _message_created(self, message: FakeMessage) -> None:
        self._note_post(message, "create")
        if self._bot_sees(message):
            await self.gateway.dispatch(
                "MESSAGE_CREATE",
                lambda s: self._message_event(message, s),
                intents=self._message_intent(message),
                guild_id=message.guild_id,
            )
        self._poke(channel_key(message.channel_id))

    async def _message_edited(self, message: FakeMessage) -> None:
        self._note_post(message, "edit")
        # A deferred component update is settled by editing the component's message.
        settled = self._deferred_updates.pop(message.id, [])
        for result in settled:
            result.deferral_resolved = True
        if self._bot_sees(message):
            await self.gateway.dispatch(
                "MESSAGE_UPDATE",
                lambda s: self._message_event(message, s),
                intents=self._message_intent(message),
                guild_id=message.guild_id,
            )
        self._poke(channel_key(message.channel_id), *(interaction_key(r.id) for r in settled))

    async def _message_deleted(self, message: FakeMessage) -> None:
        message.deleted = True
        if self._bot_sees(message):
            data = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if message.guild_id is not None:
                data["guild_id"] = str(message.guild_id)
            await self.gateway.dispatch(
                "MESSAGE_DELETE", data, intents=self._message_intent(message), guild_id=message.guild_id
            )
        self._poke(channel_key(message.channel_id))


def _scope(guild: int | FakeGuild | None) -> int | None:
    return guild.id if isinstance(guild, FakeGuild) else guild
