"""Shared bench plumbing: a fake Discord, a bare discord.py bot and a real CareerBot on loopback."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import discord
from discord.ext import commands

from bot.client import CareerBot
from bot.content import load_content
from bot.settings import PROJECT_ROOT, Settings
from tests.fakediscord import FakeDiscord, point_discord_py_at


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "p50": pct(values, 0.5),
        "p99": pct(values, 0.99),
        "mean": statistics.fmean(values) if values else 0.0,
    }


@asynccontextmanager
async def running(bot: commands.Bot, token: str) -> Any:
    task = asyncio.create_task(bot.start(token))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 60)
        yield bot
    finally:
        await bot.close()
        await asyncio.wait_for(task, 30)


def bare_bot(setup: Callable[[commands.Bot], Awaitable[None]] | None = None) -> commands.Bot:
    """The baseline: a plain discord.py bot whose setup_hook registers what `setup` adds, then syncs."""

    class Bare(commands.Bot):
        async def setup_hook(self) -> None:
            if setup is not None:
                await setup(self)
            await self.tree.sync()

    return Bare(
        command_prefix=commands.when_mentioned, intents=discord.Intents.default(), guild_ready_timeout=0.05
    )


def careerbot(fake: FakeDiscord, db_dir: Path, **overrides: Any) -> CareerBot:
    values: dict[str, Any] = {
        "discord_token": fake.token,
        "discord_api_base_url": fake.api_base,
        "discord_gateway_url": fake.gateway_url,
        "database_path": db_dir / "bench.sqlite3",
        "guild_ready_timeout": 0.05,
        "chart_cooldown_seconds": 0,
        "faq_cooldown_seconds": 0,
    } | overrides
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    return CareerBot(settings, load_content(PROJECT_ROOT / "data"))


@asynccontextmanager
async def fake_discord(**kwargs: Any) -> Any:
    fake = FakeDiscord(**kwargs)
    await fake.start()
    pointer = point_discord_py_at(fake)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            yield fake, Path(tmp)
    finally:
        pointer.restore()
        await fake.stop()
