"""Shared bench plumbing: the loopback fake Discord here, each bot in its own process.

The bot runs as a separate process (careerbot via `python -m bot run`, the baseline via
`python -m bench.bare_bot`), as in production, so it has a core of its own instead of sharing one
event loop with the fake and the simulated members.
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot.settings import PROJECT_ROOT
from fakediscord import FakeDiscord

MODULES = {"careerbot": ["bot", "run"], "bare": ["bench.bare_bot"]}
# BENCH_PROFILE=path profiles the bot process with cProfile (for finding hot spots, not for figures).
PROFILE = os.environ.get("BENCH_PROFILE")


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


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc): the bot's own cost, whatever the fake's."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class BotProcess:
    """A running bot and what its log said (counted, not stored: a load run logs a lot)."""

    proc: asyncio.subprocess.Process
    locked: int = 0  # log lines mentioning "database is locked"
    failures: int = 0  # interactions the bot itself reported as failed
    tail: list[str] = field(default_factory=list)
    ready_seconds: float = 0.0  # from spawning the process to its READY log line
    errors: Counter[str] = field(default_factory=Counter)  # last lines of the bot's tracebacks

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def rss_mib(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        return kib / 1024


async def _drain(bot: BotProcess, ready: asyncio.Event) -> None:
    assert bot.proc.stderr is not None
    while line := (await bot.proc.stderr.readline()).decode(errors="replace"):
        if "connected as" in line:
            ready.set()
        bot.locked += "database is locked" in line
        bot.failures += "interaction failed" in line or "Ignoring exception" in line
        if line[:1] not in (" ", "\t") and ("Error" in line.split(":", 1)[0] or "Exception" in line[:40]):
            bot.errors[line.strip()[:160]] += 1
        bot.tail = [*bot.tail[-30:], line.rstrip()]


@asynccontextmanager
async def bot_process(kind: str, fake: FakeDiscord, db_path: Path, **env: str) -> AsyncIterator[BotProcess]:
    environ = (
        {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DEV_GUILD", "DATABASE_"))}
        | {
            "DISCORD_TOKEN": fake.token,
            "DISCORD_API_BASE_URL": fake.api_base,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "DATABASE_PATH": str(db_path),
            "GUILD_READY_TIMEOUT": "0.05",
            "CHART_COOLDOWN_SECONDS": "0",
            "FAQ_COOLDOWN_SECONDS": "0",
            "LOG_LEVEL": "INFO",
            "PYTHONPATH": str(PROJECT_ROOT),
            "MPLBACKEND": "Agg",
        }
        | env
    )
    profile = ["-m", "cProfile", "-o", f"{PROFILE}.{kind}.{time.monotonic_ns()}"] if PROFILE else []
    spawned = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *profile,
        "-m",
        *MODULES[kind],
        cwd=PROJECT_ROOT,
        env=environ,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    bot, ready = BotProcess(proc), asyncio.Event()
    drain = asyncio.create_task(_drain(bot, ready))
    try:
        async with asyncio.timeout(60):
            await ready.wait()
        bot.ready_seconds = time.perf_counter() - spawned
        await fake.wait_connected()
        yield bot
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 60)
        await drain


@asynccontextmanager
async def fake_discord() -> AsyncIterator[tuple[FakeDiscord, Path]]:
    fake = FakeDiscord()
    await fake.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            yield fake, Path(tmp)
    finally:
        await fake.stop()
