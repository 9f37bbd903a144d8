"""Synced application commands, and turning a member's "/compare salary public:True" into interaction data.

The Discord client only offers commands that exist, options they declare, and commands the member may
use in that place; the driver mirrors those rules here (ClientRefused) unless told to bypass them.
"""

from __future__ import annotations

import copy
from typing import Any

from . import permissions as perms
from .messages import FakeAttachment
from .models import FakeChannel, FakeGuild, FakeRole, FakeUser
from .state import Snowflakes, World

Scope = int | None  # None: global commands; otherwise a guild id

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11
GUILD_CONTEXT, BOT_DM_CONTEXT = 0, 1


class ClientRefused(Exception):
    """The Discord client would not let the member do this, so nothing was sent to the bot."""


class CommandStore:
    def __init__(self, ids: Snowflakes, application_id: int) -> None:
        self._ids = ids
        self._application_id = application_id
        self._scopes: dict[Scope, dict[int, dict[str, Any]]] = {}
        self._syncs: dict[Scope, int] = {}

    def _normalise(self, payload: dict[str, Any], scope: Scope, command_id: int) -> dict[str, Any]:
        command = copy.deepcopy(payload)
        command["id"] = str(command_id)
        command["application_id"] = str(self._application_id)
        command["version"] = str(self._ids.next())
        command.setdefault("type", 1)
        command.setdefault("description", "")
        command.setdefault("options", [])
        command.setdefault("nsfw", False)
        command.setdefault("integration_types", [0])
        command.setdefault("contexts", None)
        required = command.get("default_member_permissions")
        command["default_member_permissions"] = None if required is None else str(required)
        if scope is None:
            if command.get("dm_permission") is None:
                command["dm_permission"] = True
        else:
            command["guild_id"] = str(scope)
            command.pop("dm_permission", None)
        return command

    def _existing_id(self, scope: Scope, name: str, kind: int) -> int | None:
        for command_id, command in self._scopes.get(scope, {}).items():
            if command["name"] == name and command["type"] == kind:
                return command_id
        return None

    def overwrite(self, scope: Scope, payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Bulk overwrite (what CommandTree.sync does); ids survive for same name and type."""
        new: dict[int, dict[str, Any]] = {}
        for payload in payloads:
            command_id = self._existing_id(scope, payload["name"], payload.get("type", 1)) or self._ids.next()
            new[command_id] = self._normalise(payload, scope, command_id)
        self._scopes[scope] = new
        self._syncs[scope] = self._syncs.get(scope, 0) + 1
        return self.list(scope)

    def upsert(self, scope: Scope, payload: dict[str, Any]) -> dict[str, Any]:
        command_id = self._existing_id(scope, payload["name"], payload.get("type", 1)) or self._ids.next()
        command = self._normalise(payload, scope, command_id)
        self._scopes.setdefault(scope, {})[command_id] = command
        return copy.deepcopy(command)

    def edit(self, scope: Scope, command_id: int, changes: dict[str, Any]) -> dict[str, Any] | None:
        current = self._scopes.get(scope, {}).get(command_id)
        if current is None:
            return None
        merged = {**current, **changes}
        self._scopes[scope][command_id] = self._normalise(merged, scope, command_id)
        return copy.deepcopy(self._scopes[scope][command_id])

    def delete(self, scope: Scope, command_id: int) -> bool:
        return self._scopes.get(scope, {}).pop(command_id, None) is not None

    def get(self, scope: Scope, command_id: int) -> dict[str, Any] | None:
        command = self._scopes.get(scope, {}).get(command_id)
        return copy.deepcopy(command) if command is not None else None

    def list(self, scope: Scope) -> list[dict[str, Any]]:
        return copy.deepcopy(list(self._scopes.get(scope, {}).values()))

    def sync_count(self, scope: Scope) -> int:
        return self._syncs.get(scope, 0)

    def find(self, name: str, guild_id: int | None, kind: int = 1) -> tuple[dict[str, Any], Scope] | None:
        """The command a member sees under `name`: the guild's own first, then the global one."""
        scopes: list[Scope] = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for command in self._scopes.get(scope, {}).values():
                if command["name"] == name and command["type"] == kind:
                    return command, scope
        return None


def refusal_reason(
    command: dict[str, Any], scope: Scope, guild: FakeGuild | None, user: FakeUser
) -> str | None:
    """Why the Discord client would not offer this command to `user` here, or None if it would."""
    name = command["name"]
    contexts = command.get("contexts")
    if guild is None:
        if scope is not None:
            return f"/{name} is registered for guild {scope} only; it does not exist in DMs"
        if contexts is not None and BOT_DM_CONTEXT not in contexts:
            return f"/{name} is not allowed in DMs (contexts={contexts})"
        if contexts is None and command.get("dm_permission") is False:
            return f"/{name} is guild-only (dm_permission=false)"
        return None
    if contexts is not None and GUILD_CONTEXT not in contexts:
        return f"/{name} is not allowed in guilds (contexts={contexts})"
    if not guild.bot_present:
        return f"the bot is not a member of guild {guild.name!r}"
    if user.id not in guild.members:
        return f"{user.name} is not a member of guild {guild.name!r}"
    granted = guild.permissions_of(user.id)
    if not perms.has_all(granted, perms.USE_APPLICATION_COMMANDS):
        return f"{user.name} lacks Use Application Commands in {guild.name!r}"
    required = command.get("default_member_permissions")
    if required is not None:
        needed = int(required)
        # "0" hides the command from everyone but administrators (and the owner).
        allowed = (
            perms.has_all(granted, perms.ADMINISTRATOR) if needed == 0 else perms.has_all(granted, needed)
        )
        if not allowed:
            return f"{user.name} lacks default_member_permissions={needed} for /{name} in {guild.name!r}"
    return None


class OptionBuilder:
    """Builds `data.options` and `data.resolved` for one invocation."""

    def __init__(self, world: World, guild: FakeGuild | None, invoker: FakeUser, bypass: bool) -> None:
        self.world = world
        self.guild = guild
        self.invoker = invoker
        self.bypass = bypass
        self.resolved: dict[str, dict[str, Any]] = {}

    def refuse(self, reason: str) -> None:
        if not self.bypass:
            raise ClientRefused(reason)

    def _add_user(self, user: FakeUser) -> None:
        self.resolved.setdefault("users", {})[str(user.id)] = user.payload()
        if self.guild is not None and user.id in self.guild.members:
            member = self.guild.members[user.id].payload(
                with_user=False, permissions=self.guild.permissions_of(user.id)
            )
            self.resolved.setdefault("members", {})[str(user.id)] = member

    def _add_role(self, role: FakeRole) -> None:
        self.resolved.setdefault("roles", {})[str(role.id)] = role.payload()

    def _add_channel(self, channel: FakeChannel) -> None:
        granted = self.guild.permissions_of(self.invoker.id) if self.guild else perms.DM_APP_PERMISSIONS
        data = {
            k: v for k, v in channel.payload().items() if k in ("id", "type", "name", "parent_id", "guild_id")
        }
        data["permissions"] = str(granted)
        self.resolved.setdefault("channels", {})[str(channel.id)] = data

    def _lookup(self, value: Any, kinds: tuple[type, ...]) -> Any:
        if isinstance(value, kinds):
            return value
        if isinstance(value, int):
            for table in (self.world.users, self.world.channels):
                if value in table and isinstance(table[value], kinds):
                    return table[value]
            for guild in self.world.guilds.values():
                if value in guild.roles and FakeRole in kinds:
                    return guild.roles[value]
        return None

    def option(self, spec: dict[str, Any], value: Any, *, focused: bool = False) -> dict[str, Any]:
        kind, name = spec["type"], spec["name"]
        out: dict[str, Any] = {"type": kind, "name": name}
        if focused:
            # Discord sends whatever the member has typed so far, as a string.
            out["value"] = str(value)
            out["focused"] = True
            return out
        if kind == STRING:
            out["value"] = self._string(spec, value)
        elif kind in (INTEGER, NUMBER):
            out["value"] = self._number(spec, value)
        elif kind == BOOLEAN:
            if not isinstance(value, bool):
                self.refuse(f"option {name!r} takes True/False, got {value!r}")
            out["value"] = bool(value)
        elif kind in (USER, CHANNEL, ROLE, MENTIONABLE, ATTACHMENT):
            out["value"] = self._snowflake(spec, value)
        else:
            out["value"] = value
        return out

    def _choices_check(self, spec: dict[str, Any], value: Any) -> None:
        choices = spec.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            allowed = [c["value"] for c in choices]
            self.refuse(f"option {spec['name']!r} must be one of {allowed}, got {value!r}")

    def _string(self, spec: dict[str, Any], value: Any) -> str:
        text = str(value)
        self._choices_check(spec, text)
        low, high = spec.get("min_length", 0), spec.get("max_length", 6000)
        if not low <= len(text) <= high:
            self.refuse(f"option {spec['name']!r} must be {low}-{high} characters, got {len(text)}")
        return text

    def _number(self, spec: dict[str, Any], value: Any) -> Any:
        name = spec["name"]
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.refuse(f"option {name!r} takes a number, got {value!r}")
            return value
        if spec["type"] == INTEGER and not isinstance(value, int):
            self.refuse(f"option {name!r} takes an integer, got {value!r}")
        self._choices_check(spec, value)
        low, high = spec.get("min_value"), spec.get("max_value")
        if (low is not None and value < low) or (high is not None and value > high):
            self.refuse(f"option {name!r} must be within [{low}, {high}], got {value}")
        return value

    def _snowflake(self, spec: dict[str, Any], value: Any) -> str:
        kind, name = spec["type"], spec["name"]
        wanted: dict[int, tuple[type, ...]] = {
            USER: (FakeUser,),
            CHANNEL: (FakeChannel,),
            ROLE: (FakeRole,),
            MENTIONABLE: (FakeUser, FakeRole),
            ATTACHMENT: (FakeAttachment,),
        }
        target = self._lookup(value, wanted[kind])
        if target is None:
            self.refuse(
                f"option {name!r} needs a {'/'.join(t.__name__ for t in wanted[kind])}, got {value!r}"
            )
            return str(getattr(value, "id", value))
        if isinstance(target, FakeUser):
            self._add_user(target)
        elif isinstance(target, FakeRole):
            self._add_role(target)
        elif isinstance(target, FakeChannel):
            channel_types = spec.get("channel_types")
            if channel_types and target.type not in channel_types:
                self.refuse(f"option {name!r} accepts channel types {channel_types}, got {target.type}")
            self._add_channel(target)
        elif isinstance(target, FakeAttachment):
            self.resolved.setdefault("attachments", {})[str(target.id)] = target.payload()
        return str(target.id)


def build_command_data(
    command: dict[str, Any],
    scope: Scope,
    path: list[str],
    options: dict[str, Any],
    builder: OptionBuilder,
    *,
    focused: str | None = None,
) -> dict[str, Any]:
    """`data` of an APPLICATION_COMMAND (or AUTOCOMPLETE when `focused` names an option)."""
    data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": command.get("type", 1)}
    if scope is not None:
        data["guild_id"] = str(scope)
    level: list[dict[str, Any]] = command.get("options") or []
    chain: list[dict[str, Any]] = []
    for part in path[1:]:
        sub = next(
            (o for o in level if o["name"] == part and o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)), None
        )
        if sub is None:
            names = [o["name"] for o in level if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
            builder.refuse(f"/{' '.join(path)}: no subcommand {part!r} (available: {names})")
            sub = {"type": SUB_COMMAND, "name": part, "options": []}
        chain.append(sub)
        level = sub.get("options") or []
    subs = [o["name"] for o in level if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
    if subs:
        builder.refuse(f"/{' '.join(path)} needs a subcommand: one of {subs}")

    values: list[dict[str, Any]] = []
    for name, value in options.items():
        spec = next((o for o in level if o["name"] == name), None)
        if spec is None:
            builder.refuse(
                f"/{' '.join(path)} has no option {name!r} (options: {[o['name'] for o in level]})"
            )
            values.append({"type": STRING, "name": name, "value": str(value)})
            continue
        if name == focused and not spec.get("autocomplete"):
            builder.refuse(f"option {name!r} of /{' '.join(path)} has no autocomplete")
        values.append(builder.option(spec, value, focused=name == focused))
    if focused is not None and focused not in options:
        raise ValueError(f"focused option {focused!r} needs a value in options")
    if focused is None:
        missing = [o["name"] for o in level if o.get("required") and o["name"] not in options]
        if missing:
            builder.refuse(f"/{' '.join(path)} is missing required options {missing}")

    for sub in reversed(chain):
        values = [{"type": sub["type"], "name": sub["name"], "options": values}]
    data["options"] = values
    if builder.resolved:
        data["resolved"] = builder.resolved
    return data
