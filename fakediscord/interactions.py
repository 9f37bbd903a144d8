"""Interactions the driver sends: their INTERACTION_CREATE payload and what the member ends up seeing."""
# ruff: noqa: ASYNC109  # the driver API takes timeout= by contract with the tests using it

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import permissions as perms
from .http_utils import DiscordError
from .messages import FakeAttachment, FakeMessage
from .models import FakeChannel, FakeGuild, FakeMember, FakeUser
from .waiting import interaction_key

if TYPE_CHECKING:
    from .core import FakeDiscordCore

APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE = 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9

# Callback types Discord accepts per interaction type.
ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {
        CHANNEL_MESSAGE,
        DEFERRED_CHANNEL_MESSAGE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
        MODAL,
    },
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE},
}


@dataclass(eq=False)
class InteractionResult:
    """One interaction and everything the member saw come back from it."""

    fake: FakeDiscordCore = field(repr=False)
    id: int
    token: str
    type: int
    label: str  # "/compare salary", "click quiz:next", ... for error messages
    user: FakeUser
    guild: FakeGuild | None
    channel: FakeChannel
    data: dict[str, Any]
    source_message: FakeMessage | None = None  # the message whose component was used
    sent_at: float | None = None
    callback_type: int | None = None
    latency: float | None = None
    message: FakeMessage | None = None
    followups: list[FakeMessage] = field(default_factory=list)
    choices: list[dict[str, Any]] | None = None
    modal: dict[str, Any] | None = None
    error: DiscordError | None = None  # the first error any request on this interaction got
    errors: list[DiscordError] = field(default_factory=list)
    expired: bool = False  # the callback came after the acknowledgement window (10062)
    deferral_resolved: bool = False

    # -- what the member sees ------------------------------------------------------------------

    @property
    def ephemeral(self) -> bool:
        return self.message is not None and self.message.ephemeral

    @property
    def content(self) -> str:
        return self.message.content if self.message is not None else ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.message.embeds if self.message is not None else []

    @property
    def components(self) -> list[dict[str, Any]]:
        return self.message.components if self.message is not None else []

    @property
    def attachments(self) -> list[FakeAttachment]:
        return self.message.attachments if self.message is not None else []

    @property
    def deferred(self) -> bool:
        return self.callback_type in (DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE)

    def custom_ids(self) -> list[str]:
        return self.message.custom_ids() if self.message is not None else []

    def button(self, label_substring: str) -> dict[str, Any]:
        if self.message is None:
            raise AssertionError(f"{self.label} produced no message")
        return self.message.button(label_substring)

    @property
    def finished(self) -> bool:
        """The bot is done from the member's point of view (or it failed)."""
        if self.error is not None:
            return True
        if self.callback_type is None:
            return False
        return not self.deferred or self.deferral_resolved

    async def wait_followups(self, n: int, timeout: float = 5.0) -> list[FakeMessage]:
        """Wait until at least `n` followup messages were sent for this interaction."""
        try:
            await self.fake._wait_for(lambda: len(self.followups) >= n, timeout, key=interaction_key(self.id))
        except TimeoutError:
            raise TimeoutError(
                f"{self.label} (interaction {self.id}) by {self.user.name}: "
                f"{len(self.followups)} followups after {timeout}s, wanted {n}"
            ) from None
        return self.followups

    def __repr__(self) -> str:
        return (
            f"<InteractionResult {self.label} by {self.user.name} callback={self.callback_type} "
            f"ephemeral={self.ephemeral} content={self.content[:60]!r} error={self.error}>"
        )


def interaction_payload(fake: FakeDiscordCore, result: InteractionResult) -> dict[str, Any]:
    """INTERACTION_CREATE `d` as Discord sends it over the gateway."""
    user, guild, channel = result.user, result.guild, result.channel
    payload: dict[str, Any] = {
        "id": str(result.id),
        "application_id": str(fake.application_id),
        "type": result.type,
        "token": result.token,
        "version": 1,
        "data": result.data,
        "attachment_size_limit": fake.attachment_size_limit,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "locale": user.locale,
        "channel_id": str(channel.id),
    }
    if guild is not None:
        granted = guild.permissions_of(user.id)
        member = guild.members.get(user.id) or FakeMember(user=user)
        channel_data = channel.payload()
        channel_data["permissions"] = str(granted)
        payload.update(
            guild_id=str(guild.id),
            guild={"id": str(guild.id), "locale": guild.locale, "features": []},
            guild_locale=guild.locale,
            member=member.payload(permissions=granted),
            channel=channel_data,
            app_permissions=str(guild.permissions_of(fake.bot_user.id)),
            authorizing_integration_owners={"0": str(guild.id)},
            context=0,
        )
    else:
        payload.update(
            user=user.payload(),
            channel=channel.payload(),
            app_permissions=str(perms.DM_APP_PERMISSIONS),
            authorizing_integration_owners={"0": "0"},
            context=1,
        )
    if result.source_message is not None:
        payload["message"] = result.source_message.payload()
    return payload


async def wait_finished(
    fake: FakeDiscordCore, result: InteractionResult, timeout: float, expect_followup: bool = True
) -> InteractionResult:
    """Wait for the callback and, after a deferral, the first followup/edit (unless expect_followup=False)."""

    def done() -> bool:
        acknowledged = result.callback_type is not None or result.error is not None
        return result.finished or (not expect_followup and acknowledged)

    try:
        await fake._wait_for(done, timeout, key=interaction_key(result.id))
    except TimeoutError:
        if result.callback_type is None:
            state = "the bot never answered it (no interaction callback)"
        else:
            state = f"the bot deferred (callback type {result.callback_type}) but sent no followup or edit"
        raise TimeoutError(
            f"{result.label} (interaction {result.id}) by {result.user.name}: {state} within {timeout}s"
        ) from None
    # Let the bot's own bookkeeping after the HTTP call (view stores, etc.) run before the test goes on.
    await asyncio.sleep(0)
    return result
