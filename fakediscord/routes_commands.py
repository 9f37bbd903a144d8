"""REST routes for application commands (global and per guild)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .commands import Scope
from .http_utils import DiscordHTTPError, json_response, no_content, not_found, read_body
from .limits import FormErrors, check_commands
from .message_bodies import reject

if TYPE_CHECKING:
    from .core import FakeDiscordCore

APP = "/api/v10/applications/{application_id:\\d+}"
GLOBAL = APP + "/commands"
GUILD = APP + "/guilds/{guild_id:\\d+}/commands"


class CommandRoutes:
    def __init__(self, fake: FakeDiscordCore) -> None:
        self.fake = fake

    def register(self, router: web.UrlDispatcher) -> None:
        router.add_get(GUILD + "/permissions", self.permissions)
        for base in (GLOBAL, GUILD):
            router.add_get(base, self.list)
            router.add_put(base, self.overwrite)
            router.add_post(base, self.create)
            router.add_get(base + "/{command_id:\\d+}", self.get)
            router.add_patch(base + "/{command_id:\\d+}", self.edit)
            router.add_delete(base + "/{command_id:\\d+}", self.delete)

    def _scope(self, request: web.Request) -> Scope:
        if int(request.match_info["application_id"]) != self.fake.application_id:
            raise not_found(10002, "Application")
        guild_id = request.match_info.get("guild_id")
        if guild_id is None:
            return None
        guild = self.fake.world.guilds.get(int(guild_id))
        if guild is None or not guild.bot_present:
            # Discord answers 403 Missing Access when the bot is not in the guild.
            raise DiscordHTTPError(403, 50001, "Missing Access")
        return guild.id

    def _validated(self, request: web.Request, commands: list[dict[str, Any]]) -> None:
        errors = FormErrors()
        check_commands(commands, errors)
        if errors:
            raise reject(self.fake, request, 400, 50035, "Invalid Form Body", errors)

    async def list(self, request: web.Request) -> web.Response:
        return json_response(self.fake.commands_store.list(self._scope(request)))

    async def overwrite(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        body, _ = await read_body(request)
        self._validated(request, body or [])
        result = self.fake.commands_store.overwrite(scope, body or [])
        self.fake._poke()
        return json_response(result)

    async def create(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        body, _ = await read_body(request)
        merged = [c for c in self.fake.commands_store.list(scope) if c["name"] != body.get("name")] + [body]
        self._validated(request, merged)
        created = self.fake.commands_store.upsert(scope, body)
        self.fake._poke()
        return json_response(created, status=201)

    def _command_id(self, request: web.Request) -> int:
        return int(request.match_info["command_id"])

    async def get(self, request: web.Request) -> web.Response:
        command = self.fake.commands_store.get(self._scope(request), self._command_id(request))
        if command is None:
            raise not_found(10063, "application command")
        return json_response(command)

    async def edit(self, request: web.Request) -> web.Response:
        body, _ = await read_body(request)
        command = self.fake.commands_store.edit(self._scope(request), self._command_id(request), body or {})
        if command is None:
            raise not_found(10063, "application command")
        self.fake._poke()
        return json_response(command)

    async def delete(self, request: web.Request) -> web.Response:
        if not self.fake.commands_store.delete(self._scope(request), self._command_id(request)):
            raise not_found(10063, "application command")
        self.fake._poke()
        return no_content()

    async def permissions(self, request: web.Request) -> web.Response:
        self._scope(request)
        return json_response([])
