"""Pointing the real discord.py client at a FakeDiscordCore (and putting it back)."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

import discord.gateway
import discord.http
import yarl

if TYPE_CHECKING:
    from .core import FakeDiscordCore


class DiscordPyPointer:
    """Restores discord.py's REST base and gateway URL; call it, or use it as a context manager."""

    def __init__(self, fake: FakeDiscordCore) -> None:
        self._saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        discord.http.Route.BASE = fake.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)

    def restore(self) -> None:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._saved

    __call__ = restore

    def __enter__(self) -> DiscordPyPointer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.restore()


def point_discord_py_at(fake: FakeDiscordCore) -> DiscordPyPointer:
    """Set discord.py's class-level REST base and gateway URL to `fake` (one fake per process at a time)."""
    if not fake.api_base:
        raise RuntimeError("start the FakeDiscordCore before pointing discord.py at it")
    return DiscordPyPointer(fake)
