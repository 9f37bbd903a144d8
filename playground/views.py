"""What a persona sees, as JSON for the page: messages (embeds, components, attachments) and commands."""

from __future__ import annotations

from typing import Any

from fakediscord import FakeMessage

from .world import Persona, Playground

SUBCOMMAND, GROUP = 1, 2


def message_view(message: FakeMessage) -> dict[str, Any]:
    meta = message.interaction_metadata or {}
    used = None
    if meta.get("name"):
        user = (meta.get("user") or {}).get("username", "someone")
        used = f"{user} used /{meta['name']}"
    return {
        "id": str(message.id),
        "author": message.author.name,
        "bot": message.author.bot,
        "content": message.content,
        "embeds": message.embeds,
        "components": message.components,
        "attachments": [
            {
                "filename": a.filename,
                "url": f"/attachments/{message.id}/{a.id}",
                "content_type": a.content_type,
                "description": a.description,
            }
            for a in message.attachments
        ],
        "ephemeral": message.ephemeral,
        "loading": message.loading,
        "edited": message.edits > 0,
        "used": used,
        "timestamp": message.timestamp,
    }


def visible_messages(play: Playground, persona: Persona, channel_id: int) -> list[dict[str, Any]]:
    """The channel as this persona's client shows it: nothing deleted, no one else's ephemeral replies."""
    return [
        message_view(m)
        for m in play.fake.world.by_channel.get(channel_id, [])
        if not m.deleted and m.visible_to in (None, persona.user.id)
    ]


def _leaves(command: dict[str, Any], prefix: list[str]) -> list[dict[str, Any]]:
    options = command.get("options") or []
    path = [*prefix, command["name"]]
    nested = [o for o in options if o.get("type") in (SUBCOMMAND, GROUP)]
    if nested:
        return [leaf for o in nested for leaf in _leaves(o, path)]
    return [
        {
            "path": " ".join(path),
            "description": command.get("description", ""),
            "options": [
                {
                    "name": o["name"],
                    "type": o["type"],
                    "description": o.get("description", ""),
                    "required": bool(o.get("required")),
                    "choices": o.get("choices") or [],
                    "autocomplete": bool(o.get("autocomplete")),
                }
                for o in options
            ],
        }
    ]


def command_views(play: Playground, *, in_guild: bool) -> list[dict[str, Any]]:
    """Slash commands (one entry per subcommand) the client offers here; the fake refuses the rest."""
    commands = list(play.fake.commands(None))
    if in_guild and play.guild is not None:
        commands += play.fake.commands(play.guild)
    chat = [c for c in commands if c.get("type", 1) == 1]
    return sorted((leaf for c in chat for leaf in _leaves(c, [])), key=lambda c: c["path"])
