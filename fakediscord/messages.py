"""Messages and attachments as the fake stores them, with helpers tests use to inspect them."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .models import FakeUser, iso_now

EPHEMERAL = 1 << 6
LOADING = 1 << 7
SUPPRESS_EMBEDS = 1 << 2
SUPPRESS_NOTIFICATIONS = 1 << 12
IS_COMPONENTS_V2 = 1 << 15
# Flags a bot may set when sending; anything else is ignored as Discord does.
SETTABLE_FLAGS = EPHEMERAL | SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2

DEFAULT = 0
CHAT_INPUT_COMMAND = 20


@dataclass(eq=False)
class FakeAttachment:
    id: int
    filename: str
    data: bytes
    content_type: str | None
    url: str
    description: str | None = None
    ephemeral: bool = False

    @property
    def size(self) -> int:
        return len(self.data)

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": self.url,
            "proxy_url": self.url,
            "content_type": self.content_type,
        }
        if self.description is not None:
            data["description"] = self.description
        if self.ephemeral:
            data["ephemeral"] = True
        return data


def _emoji_payload(emoji: str) -> dict[str, Any]:
    """Unicode emoji, or "name:id" for a custom one (the form discord.py puts in reaction URLs)."""
    name, _, emoji_id = emoji.partition(":")
    return {"id": emoji_id or None, "name": name}


def walk_components(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every component, depth first, through rows, sections, containers and labels."""
    for component in components:
        yield component
        yield from walk_components(component.get("components") or [])
        for key in ("component", "accessory"):
            child = component.get(key)
            if isinstance(child, dict):
                yield from walk_components([child])


@dataclass(eq=False)
class FakeMessage:
    id: int
    channel_id: int
    author: FakeUser
    guild_id: int | None = None
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[FakeAttachment] = field(default_factory=list)
    flags: int = 0
    type: int = DEFAULT
    mentions: list[FakeUser] = field(default_factory=list)
    mention_role_ids: list[int] = field(default_factory=list)
    tts: bool = False
    nonce: str | int | None = None
    reference: dict[str, Any] | None = None
    allowed_mentions: dict[str, Any] | None = None  # as Discord applies it; None: not sent (everything pings)
    timestamp: str = field(default_factory=iso_now)
    edited_timestamp: str | None = None
    edits: int = 0
    deleted: bool = False
    # Interaction responses: who triggered them and through which token they may be edited.
    interaction_id: int | None = None
    interaction_metadata: dict[str, Any] | None = None
    webhook_id: int | None = None
    visible_to: int | None = None  # ephemeral messages: the only user who sees them
    history: list[dict[str, Any]] = field(default_factory=list)  # earlier versions, oldest first
    reactions: dict[str, list[FakeUser]] = field(default_factory=dict)  # emoji -> users who reacted

    @property
    def author_id(self) -> int:
        return self.author.id

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & LOADING)

    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for c in walk_components(self.components) if "custom_id" in c]

    def component(self, custom_id: str) -> dict[str, Any] | None:
        return next((c for c in walk_components(self.components) if c.get("custom_id") == custom_id), None)

    def earlier_component(self, custom_id: str) -> dict[str, Any] | None:
        """`custom_id` as an earlier version of this message had it (a client may still show that one)."""
        for version in reversed(self.history):
            found = next(
                (c for c in walk_components(version["components"]) if c.get("custom_id") == custom_id), None
            )
            if found is not None:
                return found
        return None

    def button(self, label_substring: str) -> dict[str, Any]:
        """The first button whose label contains `label_substring` (AssertionError when none does)."""
        for c in walk_components(self.components):
            if c.get("type") == 2 and label_substring in (c.get("label") or ""):
                return c
        labels = [c.get("label") for c in walk_components(self.components) if c.get("type") == 2]
        raise AssertionError(
            f"no button labelled {label_substring!r} in message {self.id}; buttons: {labels}"
        )

    def mark_edited(self) -> None:
        """Keep the version being replaced and count the edit."""
        self.history.append(self.snapshot())
        self.edits += 1
        self.edited_timestamp = iso_now()

    def snapshot(self) -> dict[str, Any]:
        return {
            "content": self.content,
            "embeds": copy.deepcopy(self.embeds),
            "components": copy.deepcopy(self.components),
            "attachments": [a.filename for a in self.attachments],
            "flags": self.flags,
        }

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author": self.author.payload(),
            "content": self.content,
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "tts": self.tts,
            "mention_everyone": False,
            "mentions": [u.payload() for u in self.mentions],
            "mention_roles": [str(r) for r in self.mention_role_ids],
            "attachments": [a.payload() for a in self.attachments],
            "embeds": copy.deepcopy(self.embeds),
            "components": copy.deepcopy(self.components),
            "pinned": False,
            "type": self.type,
            "flags": self.flags,
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.nonce is not None:
            data["nonce"] = self.nonce
        if self.reference is not None:
            data["message_reference"] = self.reference
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
            data["application_id"] = str(self.webhook_id)
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = copy.deepcopy(self.interaction_metadata)
        if self.reactions:
            # The fake has a single bot user, so "me" is whether a bot reacted.
            data["reactions"] = [
                {
                    "emoji": _emoji_payload(emoji),
                    "count": len(users),
                    "me": any(u.bot for u in users),
                    "me_burst": False,
                }
                for emoji, users in self.reactions.items()
                if users
            ]
        return data

    def __repr__(self) -> str:
        return (
            f"<FakeMessage id={self.id} channel={self.channel_id} author={self.author.name!r} "
            f"content={self.content[:60]!r} embeds={len(self.embeds)} flags={self.flags}>"
        )
