"""REST routes for channel (guild and DM) messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from . import permissions as perms
from .http_utils import DiscordHTTPError, json_response, missing_permissions, no_content, not_found, read_body
from .message_bodies import apply_message_body, validate_message_body
from .messages import FakeMessage
from .models import FakeChannel

if TYPE_CHECKING:
    from .core import FakeDiscordCore
    from .routes_core import CoreRoutes

API = "/api/v10"
MESSAGES = API + "/channels/{channel_id:\\d+}/messages"
MESSAGE = MESSAGES + "/{message_id:\\d+}"


class MessageRoutes:
    def __init__(self, fake: FakeDiscordCore, core: CoreRoutes) -> None:
        self.fake = fake
        self.core = core

    def register(self, router: web.UrlDispatcher) -> None:
        router.add_post(MESSAGES, self.create)
        router.add_get(MESSAGES, self.history)
        router.add_get(MESSAGE, self.get)
        router.add_patch(MESSAGE, self.edit)
        router.add_delete(MESSAGE, self.delete)
        router.add_post(API + "/channels/{channel_id:\\d+}/typing", self.typing)
        router.add_put(MESSAGE + "/reactions/{emoji}/@me", self.react)
        router.add_delete(MESSAGE + "/reactions/{emoji}/@me", self.unreact)

    def _channel(self, request: web.Request) -> FakeChannel:
        return self.core.channel(int(request.match_info["channel_id"]))

    def _bot_perms(self, channel: FakeChannel) -> int:
        if channel.is_dm:
            return perms.DM_APP_PERMISSIONS
        guild = self.fake.world.guilds[channel.guild_id]  # type: ignore[index]
        return guild.permissions_of(self.fake.bot_user.id)

    def _message(self, request: web.Request, channel: FakeChannel) -> FakeMessage:
        message = self.fake.world.messages.get(int(request.match_info["message_id"]))
        if message is None or message.channel_id != channel.id or message.deleted or message.ephemeral:
            raise not_found(10008, "Message")
        return message

    async def create(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        body, files = await read_body(request)
        body = body or {}
        validate_message_body(
            self.fake, request, body, files, size_limit=self.fake.channel_attachment_size_limit, creating=True
        )
        if channel.is_dm:
            assert channel.recipient is not None
            if not channel.recipient.dms_open:
                raise DiscordHTTPError(403, 50007, "Cannot send messages to this user")
        else:
            needed = perms.VIEW_CHANNEL | perms.SEND_MESSAGES | (perms.ATTACH_FILES if files else 0)
            if not channel.bot_can_send or not perms.has_all(self._bot_perms(channel), needed):
                raise missing_permissions()
        message = FakeMessage(
            id=self.fake.ids.next(),
            channel_id=channel.id,
            author=self.fake.bot_user,
            guild_id=channel.guild_id,
        )
        apply_message_body(self.fake, message, body, files, creating=True)
        self.fake.world.store(message)
        await self.fake._message_created(message)
        return json_response(message.payload())

    async def edit(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        message = self._message(request, channel)
        body, files = await read_body(request)
        body = body or {}
        validate_message_body(
            self.fake,
            request,
            body,
            files,
            size_limit=self.fake.channel_attachment_size_limit,
            creating=False,
        )
        if message.author.id != self.fake.bot_user.id:
            allowed_keys = {"flags"}  # others' messages: only embed suppression may change
            if set(body) - allowed_keys:
                raise DiscordHTTPError(403, 50005, "Cannot edit a message authored by another user")
        message.mark_edited()
        apply_message_body(self.fake, message, body, files, creating=False)
        await self.fake._message_edited(message)
        return json_response(message.payload())

    async def delete(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        message = self._message(request, channel)
        if message.author.id != self.fake.bot_user.id and not perms.has_all(
            self._bot_perms(channel), perms.MANAGE_MESSAGES
        ):
            raise missing_permissions()
        await self.fake._message_deleted(message)
        return no_content()

    async def get(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        return json_response(self._message(request, channel).payload())

    async def history(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        if not channel.is_dm and not perms.has_all(self._bot_perms(channel), perms.READ_MESSAGE_HISTORY):
            return json_response([])
        messages = sorted(self.fake.world.visible_history(channel.id), key=lambda m: m.id, reverse=True)
        query = request.query
        limit = max(1, min(100, int(query.get("limit", 50))))
        if "before" in query:
            messages = [m for m in messages if m.id < int(query["before"])]
        if "after" in query:
            messages = [m for m in messages if m.id > int(query["after"])][-limit:]
        if "around" in query:
            around = int(query["around"])
            older = [m for m in messages if m.id <= around][: limit // 2 + limit % 2]
            newer = [m for m in messages if m.id > around][-(limit // 2) :] if limit // 2 else []
            messages = newer + older
        return json_response([m.payload() for m in messages[:limit]])

    async def react(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        message = self._message(request, channel)
        if not perms.has_all(self._bot_perms(channel), perms.ADD_REACTIONS | perms.READ_MESSAGE_HISTORY):
            raise missing_permissions()
        users = message.reactions.setdefault(request.match_info["emoji"], [])
        if self.fake.bot_user not in users:
            users.append(self.fake.bot_user)
        self.fake._poke()
        return no_content()

    async def unreact(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        message = self._message(request, channel)
        users = message.reactions.get(request.match_info["emoji"], [])
        if self.fake.bot_user in users:
            users.remove(self.fake.bot_user)
        self.fake._poke()
        return no_content()

    async def typing(self, request: web.Request) -> web.Response:
        self._channel(request)
        return no_content()
