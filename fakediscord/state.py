"""The fake's world: id generation and the registry of users, guilds, channels and messages."""

from __future__ import annotations

import time
from dataclasses import dataclass

from .messages import FakeMessage
from .models import DM_CHANNEL, FakeChannel, FakeGuild, FakeUser

DISCORD_EPOCH_MS = 1420070400000


class Snowflakes:
    """Real-looking, strictly increasing snowflakes (discord.py derives timestamps from them)."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        candidate = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(candidate, self._last + 1)
        return self._last

    def next_on_shard(self, shard: int, shard_count: int) -> int:
        """The next id whose guild Discord routes to `shard` ((id >> 22) % shard_count)."""
        stamp = (self.next() >> 22) + 1
        stamp += (shard - stamp) % shard_count
        self._last = stamp << 22
        return self._last


@dataclass
class BotPost:
    """A bot message sent or edited through the channel API, which a test may wait for.

    `kind` is "create" or "edit". Interaction responses are not posts; tests read them from results.
    """

    kind: str
    message: FakeMessage


class World:
    def __init__(self, ids: Snowflakes) -> None:
        self.ids = ids
        self.users: dict[int, FakeUser] = {}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.dm_by_user: dict[int, FakeChannel] = {}
        self.messages: dict[int, FakeMessage] = {}
        self.by_channel: dict[int, list[FakeMessage]] = {}
        self.bot_posts: dict[int, list[BotPost]] = {}  # by channel id

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        channel = self.dm_by_user.get(user.id)
        if channel is None:
            channel = FakeChannel(id=self.ids.next(), type=DM_CHANNEL, recipient=user)
            self.dm_by_user[user.id] = channel
            self.channels[channel.id] = channel
        return channel

    def guild_of(self, channel: FakeChannel) -> FakeGuild | None:
        return self.guilds.get(channel.guild_id) if channel.guild_id is not None else None

    def store(self, message: FakeMessage) -> None:
        self.messages[message.id] = message
        self.by_channel.setdefault(message.channel_id, []).append(message)

    def visible_history(self, channel_id: int) -> list[FakeMessage]:
        """What GET /channels/{id}/messages shows: no deleted or ephemeral messages."""
        return [m for m in self.by_channel.get(channel_id, []) if not m.deleted and not m.ephemeral]
