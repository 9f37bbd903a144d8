"""FakeDiscord: the fake server plus what a member can do in the Discord client (slash commands,
autocomplete, buttons, selects, modals, messages) and waiting for the DMs the bot sends back."""
# ruff: noqa: ASYNC109  # the driver API takes timeout= by contract with the tests using it

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any

from .commands import ClientRefused, OptionBuilder, build_command_data, refusal_reason
from .core import FakeDiscordCore
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionResult,
    interaction_payload,
    wait_finished,
)
from .limits import SELECT_TYPES
from .messages import FakeMessage
from .models import FakeChannel, FakeGuild, FakeUser

if TYPE_CHECKING:
    from collections.abc import Callable

BUTTON = 2
STRING_SELECT = 3
TEXT_INPUT = 4
LINK_STYLE = 5


class FakeDiscord(FakeDiscordCore):
    """A started FakeDiscord plays Discord for the real discord.py client; its methods play the members."""

    # -- placing an action ---------------------------------------------------------------------

    def _place(
        self, user: FakeUser, guild: FakeGuild | None, channel: FakeChannel | None
    ) -> tuple[FakeGuild | None, FakeChannel]:
        if channel is None:
            return (guild, guild.general) if guild is not None else (None, self.world.dm_channel(user))
        channel_guild = self.world.guild_of(channel)
        if guild is not None and channel_guild is not guild:
            raise ValueError(f"channel #{channel.name} is not in guild {guild.name!r}")
        if channel.is_dm and channel.recipient is not user:
            raise ClientRefused(f"{user.name} cannot act in another user's DM channel {channel.id}")
        return channel_guild, channel

    def _new_result(
        self,
        kind: int,
        label: str,
        user: FakeUser,
        guild: FakeGuild | None,
        channel: FakeChannel,
        data: dict[str, Any],
        source_message: FakeMessage | None = None,
    ) -> InteractionResult:
        result = InteractionResult(
            fake=self,
            id=self.ids.next(),
            token="aW50ZXJhY3Rpb246" + secrets.token_urlsafe(64),
            type=kind,
            label=label,
            user=user,
            guild=guild,
            channel=channel,
            data=data,
            source_message=source_message,
        )
        self.interactions.append(result)
        self._interactions_by_id[result.id] = result
        self._interactions_by_token[result.token] = result
        return result

    async def _send_interaction(
        self, result: InteractionResult, timeout: float, expect_followup: bool
    ) -> InteractionResult:
        await self.settle()
        guild_id = result.guild.id if result.guild is not None else None
        try:
            await self.wait_connected(timeout, shards=[self.gateway.shard_of(guild_id)])
        except TimeoutError:
            raise TimeoutError(f"{result.label}: the bot is not connected to the gateway") from None

        def stamped(_session: object) -> dict[str, Any]:
            # The acknowledgement window and result.latency start when the event is written.
            result.sent_at = time.perf_counter()
            return interaction_payload(self, result)

        if not await self.gateway.dispatch("INTERACTION_CREATE", stamped, guild_id=guild_id):
            raise RuntimeError(f"{result.label}: no gateway session to deliver the interaction to")
        return await wait_finished(self, result, timeout, expect_followup)

    # -- slash commands ------------------------------------------------------------------------

    def _command(
        self, user: FakeUser, path: list[str], guild: FakeGuild | None, bypass: bool
    ) -> tuple[dict[str, Any], int | None]:
        found = self.commands_store.find(path[0], guild.id if guild else None)
        if found is None:
            if not bypass:
                where = f"guild {guild.name!r}" if guild else "DMs"
                known = [c["name"] for c in self.commands_store.list(None)]
                if guild is not None:
                    known += [c["name"] for c in self.commands_store.list(guild.id)]
                raise ClientRefused(
                    f"/{path[0]} is not a synced command in {where} (synced: {sorted(set(known))})"
                )
            return {"id": str(self.ids.next()), "name": path[0], "type": 1, "options": []}, None
        command, scope = found
        if not bypass:
            reason = refusal_reason(command, scope, guild, user)
            if reason is not None:
                raise ClientRefused(reason)
        return command, scope

    async def invoke(
        self,
        user: FakeUser,
        command: str,
        guild: FakeGuild | None = None,
        channel: FakeChannel | None = None,
        options: dict[str, Any] | None = None,
        bypass_client_checks: bool = False,
        timeout: float = 5.0,
        *,
        expect_followup: bool = True,
    ) -> InteractionResult:
        """Run "/compare salary" as `user` (in `guild`/`channel`, or in their DM with the bot when neither)."""
        path = command.strip().lstrip("/").split()
        guild, place = self._place(user, guild, channel)
        found, scope = self._command(user, path, guild, bypass_client_checks)
        builder = OptionBuilder(self.world, guild, user, bypass_client_checks)
        data = build_command_data(found, scope, path, options or {}, builder)
        result = self._new_result(APPLICATION_COMMAND, "/" + " ".join(path), user, guild, place, data)
        return await self._send_interaction(result, timeout, expect_followup)

    async def autocomplete(
        self,
        user: FakeUser,
        command: str,
        focused: str,
        value: str,
        guild: FakeGuild | None = None,
        options: dict[str, Any] | None = None,
        *,
        channel: FakeChannel | None = None,
        bypass_client_checks: bool = False,
        timeout: float = 5.0,
    ) -> list[dict[str, Any]]:
        """Type `value` into option `focused` of `command`; returns the choices the bot offered."""
        path = command.strip().lstrip("/").split()
        guild, place = self._place(user, guild, channel)
        found, scope = self._command(user, path, guild, bypass_client_checks)
        builder = OptionBuilder(self.world, guild, user, bypass_client_checks)
        data = build_command_data(
            found, scope, path, {**(options or {}), focused: value}, builder, focused=focused
        )
        label = f"autocomplete /{' '.join(path)} {focused}={value!r}"
        result = self._new_result(AUTOCOMPLETE, label, user, guild, place, data)
        await self._send_interaction(result, timeout, expect_followup=False)
        return result.choices or []

    # -- components ----------------------------------------------------------------------------

    def _component_source(
        self,
        user: FakeUser,
        message: FakeMessage | InteractionResult,
        custom_id: str,
        forge: bool,
    ) -> tuple[FakeMessage, dict[str, Any], FakeGuild | None, FakeChannel]:
        target = message.message if isinstance(message, InteractionResult) else message
        if target is None:
            raise ValueError(f"{message!r} has no message to interact with")
        channel = self.world.channels[target.channel_id]
        guild = self.world.guild_of(channel)
        component = target.component(custom_id)
        if component is None and forge:
            # A replayed or crafted payload: an earlier version's component, or any custom_id at all.
            component = target.earlier_component(custom_id) or {"type": BUTTON, "custom_id": custom_id}
        if component is None:
            raise ClientRefused(
                f"message {target.id} has no component {custom_id!r} (has {target.custom_ids()})"
            )
        elif component.get("disabled") and not forge:
            raise ClientRefused(f"component {custom_id!r} of message {target.id} is disabled")
        if target.deleted:
            raise ClientRefused(f"message {target.id} was deleted")
        if not forge:
            if target.ephemeral and target.visible_to != user.id:
                raise ClientRefused(f"{user.name} cannot see ephemeral message {target.id}")
            if channel.is_dm and channel.recipient is not user:
                raise ClientRefused(
                    f"{user.name} cannot see the DM of {channel.recipient and channel.recipient.name}"
                )
            if guild is not None and user.id not in guild.members:
                raise ClientRefused(f"{user.name} is not a member of {guild.name!r}")
        return target, component, guild, channel

    async def click(
        self,
        user: FakeUser,
        message: FakeMessage | InteractionResult,
        custom_id: str,
        guild: FakeGuild | None = None,
        forge: bool = False,
        timeout: float = 5.0,
        *,
        expect_followup: bool = True,
    ) -> InteractionResult:
        """Click the button `custom_id` on `message`. forge=True lets a user who cannot see it click anyway."""
        target, component, place_guild, channel = self._component_source(user, message, custom_id, forge)
        if guild is not None and guild is not place_guild:
            raise ValueError(f"message {target.id} is not in guild {guild.name!r}")
        if component.get("type") != BUTTON or component.get("style") == LINK_STYLE:
            raise ClientRefused(f"component {custom_id!r} is not a clickable button")
        data = {"custom_id": custom_id, "component_type": BUTTON}
        result = self._new_result(
            MESSAGE_COMPONENT, f"click {custom_id}", user, place_guild, channel, data, target
        )
        return await self._send_interaction(result, timeout, expect_followup)

    async def select(
        self,
        user: FakeUser,
        message: FakeMessage | InteractionResult,
        custom_id: str,
        values: list[Any],
        guild: FakeGuild | None = None,
        timeout: float = 5.0,
        *,
        forge: bool = False,
        expect_followup: bool = True,
    ) -> InteractionResult:
        """Choose `values` in the select menu `custom_id` (option values, or users/roles/channels)."""
        target, component, place_guild, channel = self._component_source(user, message, custom_id, forge)
        if guild is not None and guild is not place_guild:
            raise ValueError(f"message {target.id} is not in guild {guild.name!r}")
        kind = component.get("type")
        if kind not in SELECT_TYPES:
            raise ClientRefused(f"component {custom_id!r} is not a select menu")
        low, high = component.get("min_values", 1), component.get("max_values", 1)
        if not low <= len(values) <= high:
            raise ClientRefused(f"select {custom_id!r} takes {low}-{high} values, got {len(values)}")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": kind}
        if kind == STRING_SELECT:
            offered = [o["value"] for o in component.get("options", [])]
            unknown = [v for v in values if v not in offered]
            if unknown and not forge:
                raise ClientRefused(f"select {custom_id!r} has no options {unknown} (offers {offered})")
            data["values"] = [str(v) for v in values]
        else:
            builder = OptionBuilder(self.world, place_guild, user, bypass=False)
            option_kind = {5: 6, 6: 8, 7: 9, 8: 7}[kind]  # user, role, mentionable, channel select
            data["values"] = [
                builder.option({"type": option_kind, "name": custom_id}, v)["value"] for v in values
            ]
            data["resolved"] = builder.resolved
        label = f"select {custom_id}={values!r}"
        result = self._new_result(MESSAGE_COMPONENT, label, user, place_guild, channel, data, target)
        return await self._send_interaction(result, timeout, expect_followup)

    # -- modals --------------------------------------------------------------------------------

    async def submit_modal(
        self,
        user: FakeUser,
        result_or_custom_id: InteractionResult | str,
        fields: dict[str, Any],
        guild: FakeGuild | None = None,
        channel: FakeChannel | None = None,
        *,
        bypass_client_checks: bool = False,
        timeout: float = 5.0,
        expect_followup: bool = True,
    ) -> InteractionResult:
        """Fill in and submit a modal the bot showed (`fields`: custom_id -> text, or list for selects)."""
        origin = self._modal_origin(user, result_or_custom_id, bypass_client_checks)
        if origin is not None and origin.modal is not None:
            components = modal_submission(origin.modal, fields, bypass_client_checks)
            custom_id = origin.modal["custom_id"]
            place_guild, place, source = origin.guild, origin.channel, origin.source_message
        else:
            custom_id = str(result_or_custom_id)
            components = [
                {"type": 1, "components": [{"type": TEXT_INPUT, "custom_id": k, "value": v}]}
                for k, v in fields.items()
            ]
            place_guild, place = self._place(user, guild, channel)
            source = None
        data = {"custom_id": custom_id, "components": components}
        result = self._new_result(MODAL_SUBMIT, f"modal {custom_id}", user, place_guild, place, data, source)
        return await self._send_interaction(result, timeout, expect_followup)

    def _modal_origin(
        self, user: FakeUser, result_or_custom_id: InteractionResult | str, bypass: bool
    ) -> InteractionResult | None:
        origin: InteractionResult | None
        if isinstance(result_or_custom_id, InteractionResult):
            if result_or_custom_id.modal is None:
                raise ValueError(f"{result_or_custom_id.label} did not open a modal")
            origin = result_or_custom_id
        else:
            origin = next(
                (
                    r
                    for r in reversed(self._modals_shown)
                    if r.user is user and r.modal and r.modal["custom_id"] == result_or_custom_id
                ),
                None,
            )
            if origin is None:
                if not bypass:
                    raise ClientRefused(f"no modal {result_or_custom_id!r} was shown to {user.name}")
                return None
        if origin.user is not user and not bypass:
            raise ClientRefused(
                f"the modal {origin.modal and origin.modal['custom_id']!r} was shown to {origin.user.name}, not {user.name}"
            )
        return origin

    # -- messages ------------------------------------------------------------------------------

    async def send_message(
        self,
        user: FakeUser,
        channel: FakeChannel | None,
        content: str,
        mention_bot: bool = True,
        guild: FakeGuild | None = None,
    ) -> FakeMessage:
        """`user` posts `content` (in their DM with the bot when channel and guild are None): MESSAGE_CREATE."""
        place_guild, place = self._place(user, guild, channel)
        if place_guild is not None and user.id not in place_guild.members:
            raise ClientRefused(f"{user.name} is not a member of {place_guild.name!r}")
        if mention_bot and self.bot_user.mention not in content:
            content = f"{self.bot_user.mention} {content}"
        message = FakeMessage(
            id=self.ids.next(),
            channel_id=place.id,
            author=user,
            guild_id=place_guild.id if place_guild else None,
            content=content,
        )
        message.mentions = [
            u for u in self.world.users.values() if u.mention in content or f"<@!{u.id}>" in content
        ]
        self.world.store(message)
        await self.settle()
        await self._message_created(message)
        return message

    async def wait_dm(
        self,
        user: FakeUser,
        predicate: Callable[[FakeMessage], bool] | None = None,
        timeout: float = 5.0,
    ) -> FakeMessage:
        """The next DM the bot sent `user` that no earlier wait_dm returned.

        Without a predicate: the next newly sent DM. With one: the next sent or edited DM satisfying it.
        DMs sent before the call count, so invoke() then wait_dm() cannot race. Interaction responses
        are not DMs here; read them from the InteractionResult.
        """
        channel = self.world.dm_channel(user)
        return await self._wait_next_post(channel.id, predicate, timeout, f"in the DM with {user.name}")

    async def wait_channel_message(
        self,
        channel: int | FakeChannel,
        predicate: Callable[[FakeMessage], bool] | None = None,
        timeout: float = 5.0,
    ) -> FakeMessage:
        """Like wait_dm, for the bot's channel-API messages in any channel (guild or DM)."""
        channel_id = channel.id if isinstance(channel, FakeChannel) else channel
        return await self._wait_next_post(channel_id, predicate, timeout, f"in channel {channel_id}")


def modal_submission(modal: dict[str, Any], fields: dict[str, Any], bypass: bool) -> list[dict[str, Any]]:
    """The `components` of a MODAL_SUBMIT, mirroring the modal's layout with the member's input."""
    remaining = dict(fields)

    def refuse(reason: str) -> None:
        if not bypass:
            raise ClientRefused(reason)

    def fill(component: dict[str, Any]) -> dict[str, Any]:
        kind = component.get("type")
        out: dict[str, Any] = {"type": kind}
        if "id" in component:
            out["id"] = component["id"]
        if kind == 1:
            out["components"] = [fill(c) for c in component.get("components", [])]
        elif kind == 18:
            out["component"] = fill(component["component"])
        elif kind == TEXT_INPUT:
            custom_id = component["custom_id"]
            value = str(remaining.pop(custom_id, component.get("value") or ""))
            low, high = component.get("min_length", 0), component.get("max_length", 4000)
            if component.get("required", True) and not value:
                refuse(f"modal field {custom_id!r} is required")
            if value and not low <= len(value) <= high:
                refuse(f"modal field {custom_id!r} takes {low}-{high} characters, got {len(value)}")
            out.update(custom_id=custom_id, value=value)
        elif kind in SELECT_TYPES:
            custom_id = component["custom_id"]
            values = remaining.pop(custom_id, [])
            values = values if isinstance(values, list) else [values]
            out.update(custom_id=custom_id, values=[str(getattr(v, "id", v)) for v in values])
        return out

    components = [fill(c) for c in modal.get("components", [])]
    if remaining:
        refuse(f"modal {modal.get('custom_id')!r} has no fields {sorted(remaining)}")
    return components
