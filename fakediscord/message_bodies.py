"""Validating and applying message bodies (create/edit) shared by channel, webhook and callback routes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .http_utils import DiscordHTTPError, UploadedFile
from .limits import FormErrors, Path, check_files, check_message, is_empty_message
from .messages import EPHEMERAL, LOADING, SETTABLE_FLAGS, FakeAttachment, FakeMessage

if TYPE_CHECKING:
    from .core import FakeDiscordCore

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


def reject(
    fake: FakeDiscordCore,
    request: web.Request,
    status: int,
    code: int,
    message: str,
    errors: FormErrors | None = None,
) -> DiscordHTTPError:
    """Record a payload-limit violation (the test fixture fails on it) and build the error to raise."""
    fake._record_violation(request, code, message, errors.flat() if errors else [message])
    return DiscordHTTPError(status, code, message, errors.nested() if errors else None)


def validate_message_body(
    fake: FakeDiscordCore,
    request: web.Request,
    data: dict[str, Any],
    files: list[UploadedFile],
    *,
    size_limit: int,
    creating: bool,
    at: Path = (),
) -> None:
    errors = FormErrors()
    check_message(data, errors, at)
    too_big = check_files(files, errors, size_limit)
    if errors:
        raise reject(fake, request, 400, 50035, "Invalid Form Body", errors)
    if too_big is not None:
        raise reject(
            fake,
            request,
            413,
            40005,
            f"Request entity too large ({too_big.filename}: {len(too_big.data)} bytes > {size_limit})",
        )
    if creating and is_empty_message(data, files):
        raise reject(fake, request, 400, 50006, "Cannot send an empty message")


def _new_attachment(
    fake: FakeDiscordCore, channel_id: int, upload: UploadedFile, entry: dict[str, Any], ephemeral: bool
) -> FakeAttachment:
    attachment_id = fake.ids.next()
    filename = entry.get("filename") or upload.filename
    return FakeAttachment(
        id=attachment_id,
        filename=filename,
        data=upload.data,
        content_type=upload.guessed_content_type(),
        url=f"{fake.http_base}/attachments/{channel_id}/{attachment_id}/{filename}",
        description=entry.get("description"),
        ephemeral=ephemeral,
    )


def _apply_attachments(
    fake: FakeDiscordCore, message: FakeMessage, data: dict[str, Any], files: list[UploadedFile]
) -> None:
    uploads = {f.index: f for f in files}
    if "attachments" not in data:
        for upload in files:
            message.attachments.append(
                _new_attachment(fake, message.channel_id, upload, {}, message.ephemeral)
            )
        return
    kept: list[FakeAttachment] = []
    existing = {a.id: a for a in message.attachments}
    used: set[int] = set()
    for entry in data.get("attachments") or []:
        entry_id = int(entry.get("id", -1))
        if entry_id in existing:
            kept.append(existing[entry_id])
        elif entry_id in uploads:
            used.add(entry_id)
            kept.append(
                _new_attachment(fake, message.channel_id, uploads[entry_id], entry, message.ephemeral)
            )
    for index, upload in uploads.items():
        if index not in used:
            kept.append(_new_attachment(fake, message.channel_id, upload, {}, message.ephemeral))
    message.attachments = kept


def effective_allowed_mentions(sent: dict[str, Any] | None) -> dict[str, Any] | None:
    """allowed_mentions as Discord applies it: keys the bot left out take Discord's defaults."""
    if sent is None:
        return None
    return {
        "parse": list(sent.get("parse", [])),
        "users": list(sent.get("users", [])),
        "roles": list(sent.get("roles", [])),
        "replied_user": bool(sent.get("replied_user", False)),
    }


def apply_message_body(
    fake: FakeDiscordCore,
    message: FakeMessage,
    data: dict[str, Any],
    files: list[UploadedFile],
    *,
    creating: bool,
) -> None:
    if "content" in data:
        message.content = data["content"] or ""
    if "embeds" in data:
        message.embeds = list(data["embeds"] or [])
    if "components" in data:
        message.components = list(data["components"] or [])
    if "flags" in data and data["flags"] is not None:
        requested = int(data["flags"])
        if creating:
            message.flags = (message.flags & (EPHEMERAL | LOADING)) | (requested & SETTABLE_FLAGS)
        else:
            # Ephemerality is fixed at creation; the other settable flags may change.
            message.flags = (message.flags & (EPHEMERAL | LOADING)) | (
                requested & SETTABLE_FLAGS & ~EPHEMERAL
            )
    if "allowed_mentions" in data:
        message.allowed_mentions = effective_allowed_mentions(data["allowed_mentions"])
    if "tts" in data:
        message.tts = bool(data["tts"])
    if creating:
        message.nonce = data.get("nonce")
        message.reference = data.get("message_reference")
    _apply_attachments(fake, message, data, files)
    users = fake.world.users
    message.mentions = [users[int(i)] for i in _USER_MENTION.findall(message.content) if int(i) in users]
    message.mention_role_ids = [int(i) for i in _ROLE_MENTION.findall(message.content)]
