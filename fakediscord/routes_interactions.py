"""REST routes for interaction callbacks and the interaction webhook (followups, @original)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .http_utils import (
    DiscordError,
    DiscordHTTPError,
    json_response,
    no_content,
    not_found,
    read_body,
    received_at,
)
from .interactions import (
    ALLOWED_CALLBACKS,
    APPLICATION_COMMAND,
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    MESSAGE_COMPONENT,
    MODAL,
    UPDATE_MESSAGE,
    InteractionResult,
)
from .limits import FormErrors, check_choices, check_modal
from .message_bodies import apply_message_body, reject, validate_message_body
from .messages import CHAT_INPUT_COMMAND, DEFAULT, EPHEMERAL, LOADING, FakeMessage
from .waiting import interaction_key

if TYPE_CHECKING:
    from .core import FakeDiscordCore

API = "/api/v10"
WEBHOOK = API + "/webhooks/{application_id:\\d+}/{token}"
TOKEN_LIFETIME = 15 * 60


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true")


class InteractionRoutes:
    def __init__(self, fake: FakeDiscordCore) -> None:
        self.fake = fake

    def register(self, router: web.UrlDispatcher) -> None:
        router.add_post(API + "/interactions/{interaction_id:\\d+}/{token}/callback", self.callback)
        router.add_post(WEBHOOK, self.followup)
        router.add_get(WEBHOOK + "/messages/{message_id}", self.get_message)
        router.add_patch(WEBHOOK + "/messages/{message_id}", self.edit_message)
        router.add_delete(WEBHOOK + "/messages/{message_id}", self.delete_message)

    # -- helpers -------------------------------------------------------------------------------

    def _failed(self, result: InteractionResult, exc: DiscordHTTPError) -> None:
        error = DiscordError.from_exc(exc)
        result.errors.append(error)
        if result.error is None:
            result.error = error
        self.fake._poke(interaction_key(result.id))

    def _new_message(self, result: InteractionResult, flags: int, *, followup: bool) -> FakeMessage:
        metadata: dict[str, Any] = {
            "id": str(result.id),
            "type": result.type,
            "user": result.user.payload(),
            "authorizing_integration_owners": {"0": str(result.guild.id) if result.guild else "0"},
        }
        if result.type == APPLICATION_COMMAND:
            metadata["name"] = result.data.get("name")
        if result.source_message is not None:
            metadata["interacted_message_id"] = str(result.source_message.id)
        if followup and result.message is not None:
            metadata["original_response_message_id"] = str(result.message.id)
        is_command_reply = result.type == APPLICATION_COMMAND and not followup
        message = FakeMessage(
            id=self.fake.ids.next(),
            channel_id=result.channel.id,
            author=self.fake.bot_user,
            guild_id=result.guild.id if result.guild else None,
            type=CHAT_INPUT_COMMAND if is_command_reply else DEFAULT,
            flags=flags,
            interaction_id=result.id,
            interaction_metadata=metadata,
            webhook_id=self.fake.application_id,
            visible_to=result.user.id if flags & EPHEMERAL else None,
        )
        return message

    def _callback_body(self, result: InteractionResult, callback_type: int) -> dict[str, Any]:
        message = result.message
        return {
            "interaction": {
                "id": str(result.id),
                "type": result.type,
                "response_message_id": str(message.id) if message is not None else None,
                "response_message_loading": bool(message is not None and message.loading),
                "response_message_ephemeral": bool(message is not None and message.ephemeral),
                "activity_instance_id": None,
            },
            "resource": {
                "type": callback_type,
                **({"message": message.payload()} if message is not None else {}),
            },
        }

    # -- callback ------------------------------------------------------------------------------

    async def callback(self, request: web.Request) -> web.Response:
        received = received_at(request)
        result = self.fake._interactions_by_id.get(int(request.match_info["interaction_id"]))
        if result is None or result.token != request.match_info["token"]:
            raise DiscordHTTPError(404, 10062, "Unknown interaction")
        body, files = await read_body(request)
        try:
            return await self._callback(request, result, body or {}, files, received)
        except DiscordHTTPError as exc:
            self._failed(result, exc)
            raise

    async def _callback(
        self,
        request: web.Request,
        result: InteractionResult,
        body: dict[str, Any],
        files: list[Any],
        received: float,
    ) -> web.Response:
        assert result.sent_at is not None
        if result.callback_type is not None:
            raise DiscordHTTPError(400, 40060, "Interaction has already been acknowledged.")
        if received - result.sent_at > self.fake.interaction_ack_timeout:
            result.expired = True
            raise DiscordHTTPError(404, 10062, "Unknown interaction")
        callback_type = body.get("type")
        if callback_type not in ALLOWED_CALLBACKS[result.type]:
            errors = FormErrors()
            errors.add(
                ("type",),
                "INTERACTION_RESPONSE_TYPE_INVALID",
                f"Invalid callback type {callback_type} for interaction type {result.type}",
            )
            raise reject(self.fake, request, 400, 50035, "Invalid Form Body", errors)
        data: dict[str, Any] = body.get("data") or {}
        limit = self.fake.attachment_size_limit

        if callback_type == CHANNEL_MESSAGE:
            validate_message_body(
                self.fake, request, data, files, size_limit=limit, creating=True, at=("data",)
            )
            message = self._new_message(result, int(data.get("flags") or 0) & EPHEMERAL, followup=False)
            apply_message_body(self.fake, message, data, files, creating=True)
            self.fake.world.store(message)
            result.message = message
            await self.fake._message_created(message)
        elif callback_type == DEFERRED_CHANNEL_MESSAGE:
            message = self._new_message(
                result, LOADING | (int(data.get("flags") or 0) & EPHEMERAL), followup=False
            )
            self.fake.world.store(message)
            result.message = message
            await self.fake._message_created(message)
        elif callback_type == DEFERRED_UPDATE_MESSAGE:
            result.message = result.source_message
            if result.source_message is not None:
                self.fake._deferred_updates.setdefault(result.source_message.id, []).append(result)
        elif callback_type == UPDATE_MESSAGE:
            target = result.source_message
            if target is None:
                errors = FormErrors()
                errors.add(
                    ("type",),
                    "INTERACTION_RESPONSE_TYPE_INVALID",
                    "This interaction has no message to update",
                )
                raise reject(self.fake, request, 400, 50035, "Invalid Form Body", errors)
            validate_message_body(
                self.fake, request, data, files, size_limit=limit, creating=False, at=("data",)
            )
            target.mark_edited()
            apply_message_body(self.fake, target, data, files, creating=False)
            result.message = target
            await self.fake._message_edited(target)
        elif callback_type == AUTOCOMPLETE_RESULT:
            errors = FormErrors()
            check_choices(data.get("choices"), errors, ("data", "choices"))
            if errors:
                raise reject(self.fake, request, 400, 50035, "Invalid Form Body", errors)
            result.choices = list(data["choices"])
        elif callback_type == MODAL:
            errors = FormErrors()
            check_modal(data, errors, ("data",))
            if errors:
                raise reject(self.fake, request, 400, 50035, "Invalid Form Body", errors)
            result.modal = data
            self.fake._modals_shown.append(result)

        result.callback_type = callback_type
        result.latency = received - result.sent_at
        self.fake._poke(interaction_key(result.id))
        if not _truthy(request.query.get("with_response")):
            return no_content()
        return json_response(self._callback_body(result, callback_type))

    # -- webhook -------------------------------------------------------------------------------

    def _result_for_token(self, request: web.Request) -> InteractionResult:
        result = self.fake._interactions_by_token.get(request.match_info["token"])
        if result is None or int(request.match_info["application_id"]) != self.fake.application_id:
            raise not_found(10015, "Webhook")
        if result.callback_type is None:
            raise not_found(10015, "Webhook")  # nothing to follow up before the interaction is acknowledged
        assert result.sent_at is not None
        if time.perf_counter() - result.sent_at > TOKEN_LIFETIME:
            raise DiscordHTTPError(401, 50027, "Invalid Webhook Token")
        return result

    def _target(self, result: InteractionResult, message_id: str) -> FakeMessage:
        if message_id == "@original":
            original = (
                result.message
                if result.callback_type in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE)
                else None
            )
            target = original or (result.source_message if result.type == MESSAGE_COMPONENT else None)
            target = target or result.message
        else:
            candidates = [result.message, result.source_message, *result.followups]
            target = next((m for m in candidates if m is not None and str(m.id) == message_id), None)
        if target is None or target.deleted:
            raise not_found(10008, "Message")
        return target

    async def followup(self, request: web.Request) -> web.Response:
        result = self._result_for_token(request)
        body, files = await read_body(request)
        body = body or {}
        try:
            validate_message_body(
                self.fake, request, body, files, size_limit=self.fake.attachment_size_limit, creating=True
            )
        except DiscordHTTPError as exc:
            self._failed(result, exc)
            raise
        thinking = result.message
        if result.callback_type == DEFERRED_CHANNEL_MESSAGE and thinking is not None and thinking.loading:
            # The first followup after a deferral replaces the "is thinking..." message, keeping its ephemerality.
            ephemeral = thinking.flags & EPHEMERAL
            apply_message_body(self.fake, thinking, body, files, creating=True)
            thinking.flags = (thinking.flags & ~(LOADING | EPHEMERAL)) | ephemeral
            message = thinking
            await self.fake._message_edited(message)
        else:
            message = self._new_message(result, int(body.get("flags") or 0) & EPHEMERAL, followup=True)
            apply_message_body(self.fake, message, body, files, creating=True)
            self.fake.world.store(message)
            await self.fake._message_created(message)
        result.followups.append(message)
        result.deferral_resolved = True
        self.fake._poke(interaction_key(result.id))
        if not _truthy(request.query.get("wait")):
            return no_content()
        return json_response(message.payload())

    async def get_message(self, request: web.Request) -> web.Response:
        result = self._result_for_token(request)
        return json_response(self._target(result, request.match_info["message_id"]).payload())

    async def edit_message(self, request: web.Request) -> web.Response:
        result = self._result_for_token(request)
        target = self._target(result, request.match_info["message_id"])
        body, files = await read_body(request)
        body = body or {}
        try:
            validate_message_body(
                self.fake, request, body, files, size_limit=self.fake.attachment_size_limit, creating=False
            )
        except DiscordHTTPError as exc:
            self._failed(result, exc)
            raise
        if target.loading:
            target.flags &= ~LOADING  # the edit replaces "is thinking..."; not an edit the member notices
        else:
            target.mark_edited()
        apply_message_body(self.fake, target, body, files, creating=False)
        result.deferral_resolved = True
        await self.fake._message_edited(target)
        self.fake._poke(interaction_key(result.id))
        return json_response(target.payload())

    async def delete_message(self, request: web.Request) -> web.Response:
        result = self._result_for_token(request)
        target = self._target(result, request.match_info["message_id"])
        result.deferral_resolved = True
        await self.fake._message_deleted(target)
        self.fake._poke(interaction_key(result.id))
        return no_content()
