"""A loopback fake Discord (REST + gateway) that the real discord.py client talks to, for tests."""

from .commands import ClientRefused
from .core import Violation
from .discordpy import DiscordPyPointer, point_discord_py_at
from .driver import FakeDiscord
from .http_utils import DiscordError
from .interactions import InteractionResult
from .messages import FakeAttachment, FakeMessage
from .models import FakeChannel, FakeGuild, FakeMember, FakeRole, FakeUser
from .server import RequestRecord

__all__ = [
    "ClientRefused",
    "DiscordError",
    "DiscordPyPointer",
    "FakeAttachment",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeMember",
    "FakeMessage",
    "FakeRole",
    "FakeUser",
    "InteractionResult",
    "RequestRecord",
    "Violation",
    "point_discord_py_at",
]
