"""REST routes for login, users, DM channels, guilds, roles and channel lookups."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from . import permissions as perms
from .http_utils import DiscordHTTPError, json_response, missing_permissions, no_content, not_found, read_body
from .models import FakeChannel, FakeGuild, FakeUser

if TYPE_CHECKING:
    from .core import FakeDiscordCore

API = "/api/v10"


class CoreRoutes:
    def __init__(self, fake: FakeDiscordCore) -> None:
        self.fake = fake

    def register(self, router: web.UrlDispatcher) -> None:
        r = router
        r.add_get(API + "/users/@me", self.me)
        r.add_get(API + "/oauth2/applications/@me", self.application)
        r.add_get(API + "/applications/@me", self.application)
        r.add_get(API + "/gateway", self.gateway)
        r.add_get(API + "/gateway/bot", self.gateway_bot)
        r.add_post(API + "/users/@me/channels", self.open_dm)
        r.add_delete(API + "/users/@me/guilds/{guild_id:\\d+}", self.leave_guild)
        r.add_get(API + "/users/{user_id:\\d+}", self.get_user)
        r.add_get(API + "/guilds/{guild_id:\\d+}", self.get_guild)
        r.add_get(API + "/guilds/{guild_id:\\d+}/roles", self.get_roles)
        r.add_get(API + "/guilds/{guild_id:\\d+}/channels", self.get_channels)
        r.add_get(API + "/guilds/{guild_id:\\d+}/members/{user_id:\\d+}", self.get_member)
        r.add_put(API + "/guilds/{guild_id:\\d+}/members/{user_id:\\d+}/roles/{role_id:\\d+}", self.add_role)
        r.add_delete(
            API + "/guilds/{guild_id:\\d+}/members/{user_id:\\d+}/roles/{role_id:\\d+}", self.remove_role
        )
        r.add_get(API + "/channels/{channel_id:\\d+}", self.get_channel)
        r.add_get("/attachments/{channel_id:\\d+}/{attachment_id:\\d+}/{filename}", self.attachment)

    # -- lookups shared with other routes ------------------------------------------------------

    def guild(self, request: web.Request) -> FakeGuild:
        guild = self.fake.world.guilds.get(int(request.match_info["guild_id"]))
        if guild is None or not guild.bot_present:
            raise not_found(10004, "Guild")
        return guild

    def user(self, user_id: int) -> FakeUser:
        user = self.fake.world.users.get(user_id)
        if user is None:
            raise not_found(10013, "User")
        return user

    # -- handlers ------------------------------------------------------------------------------

    async def me(self, request: web.Request) -> web.Response:
        data = self.fake.bot_user.payload()
        data.update(verified=True, mfa_enabled=False, flags=0, locale="en-US", email=None, premium_type=0)
        return json_response(data)

    async def application(self, request: web.Request) -> web.Response:
        return json_response(self.fake._application_payload())

    async def gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.fake.gateway_url})

    async def gateway_bot(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "url": self.fake.gateway_url,
                "shards": self.fake.shard_count,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def open_dm(self, request: web.Request) -> web.Response:
        body, _ = await read_body(request)
        user = self.user(int(body["recipient_id"]))
        # Opening a DM always succeeds, even when the user has DMs closed (sending is what fails).
        return json_response(self.fake.world.dm_channel(user).payload())

    async def leave_guild(self, request: web.Request) -> web.Response:
        await self.fake.remove_bot_from_guild(self.guild(request))
        return no_content()

    async def get_user(self, request: web.Request) -> web.Response:
        return json_response(self.user(int(request.match_info["user_id"])).payload())

    async def get_guild(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        data = guild.payload()
        for key in (
            "channels",
            "members",
            "threads",
            "voice_states",
            "presences",
            "joined_at",
            "large",
            "member_count",
        ):
            data.pop(key, None)
        if request.query.get("with_counts") in ("true", "1", "True"):
            data["approximate_member_count"] = len(guild.members)
            data["approximate_presence_count"] = 0
        return json_response(data)

    async def get_roles(self, request: web.Request) -> web.Response:
        return json_response([r.payload() for r in self.guild(request).roles.values()])

    async def get_channels(self, request: web.Request) -> web.Response:
        return json_response([c.payload() for c in self.guild(request).channels.values()])

    async def get_member(self, request: web.Request) -> web.Response:
        member = self.guild(request).members.get(int(request.match_info["user_id"]))
        if member is None:
            raise not_found(10007, "Member")
        return json_response(member.payload())

    async def get_channel(self, request: web.Request) -> web.Response:
        channel = self.channel(int(request.match_info["channel_id"]))
        return json_response(channel.payload())

    def channel(self, channel_id: int) -> FakeChannel:
        channel = self.fake.world.channels.get(channel_id)
        if channel is None:
            raise not_found(10003, "Channel")
        if channel.guild_id is not None and not self.fake.world.guilds[channel.guild_id].bot_present:
            raise missing_permissions()
        return channel

    def _manageable_role(self, request: web.Request) -> tuple[FakeGuild, int, int]:
        guild = self.guild(request)
        user_id, role_id = int(request.match_info["user_id"]), int(request.match_info["role_id"])
        if user_id not in guild.members:
            raise not_found(10007, "Member")
        role = guild.roles.get(role_id)
        if role is None:
            raise not_found(10011, "Role")
        bot_id = self.fake.bot_user.id
        if not perms.has_all(guild.permissions_of(bot_id), perms.MANAGE_ROLES):
            raise missing_permissions()
        # The bot may only manage roles strictly below its highest role (owners aside), never managed ones.
        if bot_id != guild.owner_id and (role.position >= guild.top_role_position(bot_id) or role.managed):
            raise missing_permissions()
        if role.id == guild.id:
            raise DiscordHTTPError(400, 50028, "Invalid Role")
        return guild, user_id, role_id

    async def add_role(self, request: web.Request) -> web.Response:
        guild, user_id, role_id = self._manageable_role(request)
        member = guild.members[user_id]
        if role_id not in member.role_ids:
            member.role_ids.append(role_id)
            await self.fake._member_updated(guild, user_id)
        return no_content()

    async def remove_role(self, request: web.Request) -> web.Response:
        guild, user_id, role_id = self._manageable_role(request)
        member = guild.members[user_id]
        if role_id in member.role_ids:
            member.role_ids.remove(role_id)
            await self.fake._member_updated(guild, user_id)
        return no_content()

    async def attachment(self, request: web.Request) -> web.Response:
        attachment_id = int(request.match_info["attachment_id"])
        for message in self.fake.world.by_channel.get(int(request.match_info["channel_id"]), []):
            for attachment in message.attachments:
                if attachment.id == attachment_id:
                    return web.Response(
                        body=attachment.data,
                        content_type=attachment.content_type or "application/octet-stream",
                    )
        raise web.HTTPNotFound()
