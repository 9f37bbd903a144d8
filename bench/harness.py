"""Shared bench plumbing: the loopback fake Discord here, each bot in its own process.

The bot runs as a separate process (careerbot via `python -m bot run`, the baseline via
`python -m bench.bare_bot`), as in production, so it has a core of its own instead of sharing one
event loop with the fake and the simulated members.
"""

from __future__ import annotations

import asyncio
import compileall
import contextlib
import gc
import os
import re
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot.settings import PROJECT_ROOT
from fakediscord import FakeDiscord

MODULES = {"careerbot": ["bot", "run"], "bare": ["bench.bare_bot"]}
# BENCH_PROFILE=path profiles the bot process with cProfile (for finding hot spots, not for figures).
PROFILE = os.environ.get("BENCH_PROFILE")


# The last line of a traceback: "package.module.SomeError: message" (discord.py's NotFound too).
_EXCEPTION_LINE = re.compile(r"[\w.]*(Error|Exception|NotFound|Forbidden|HTTPException|Timeout)\w*(:|$)")


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


class LoopLag:
    """How late this process's event loop runs a 50 ms timer, sampled for as long as it is entered.

    The fake Discord and the simulated members share this loop. The fake times Discord's 3 s window
    from writing the event to reading the callback off the socket (not to handling it), but a lagging
    loop reads late too: this is the load generator's own share of any deadline it judges."""

    TICK = 0.05

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.TICK)
            self.samples.append(max(0.0, time.perf_counter() - before - self.TICK))

    async def __aenter__(self) -> LoopLag:
        self._task = asyncio.create_task(self._sample())
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection in this process (the load generator) while a phase runs.

    The fake keeps every message and interaction of the run (~370,000 objects after one 1,000-member
    phase, more after each): a full collection stalled this loop for up to 1.3 s, and the fake reads
    a bot's acknowledgement that much later. What exists now is frozen out of later collections; what a
    phase leaves is collected after it (reference counting frees the rest as it goes)."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


@dataclass
class BotProcess:
    """A running bot and what its log said (counted, not stored: a load run logs a lot)."""

    proc: asyncio.subprocess.Process
    locked: int = 0  # log lines mentioning "database is locked"
    failures: int = 0  # interactions the bot itself reported as failed
    tail: list[str] = field(default_factory=list)
    ready_seconds: float = 0.0  # from spawning the process to its READY log line
    cpu_at_ready: float = 0.0  # the process's own CPU seconds when its READY line arrived
    rss_mib_at_ready: float = 0.0  # resident memory once idle after READY (start-up work done)
    errors: Counter[str] = field(default_factory=Counter)  # last lines of the bot's tracebacks
    warm: asyncio.Event = field(default_factory=asyncio.Event)  # careerbot's FAQ answerer is fitted

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
            bot.cpu_at_ready = bot.cpu()
            ready.set()
        if "FAQ answerer" in line:  # fitted (or failed) after READY: start-up work is over
            bot.warm.set()
        bot.locked += "database is locked" in line
        bot.failures += "interaction failed" in line or "Ignoring exception" in line
        if line[:1] not in (" ", "\t") and _EXCEPTION_LINE.match(line):
            bot.errors[line.strip()[:160]] += 1
        bot.tail = [*bot.tail[-30:], line.rstrip()]


async def _settle(bot: BotProcess, limit: float = 15.0) -> None:
    """Wait until the process is idle (under 10 ms of CPU in 0.25 s, twice running), so work it starts
    after READY (a model fitted in the background) counts in its idle memory."""
    quiet, deadline, last = 0, time.monotonic() + limit, bot.cpu()
    while quiet < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        now = bot.cpu()
        quiet = quiet + 1 if now - last < 0.01 else 0
        last = now


@asynccontextmanager
async def bot_process(
    kind: str, fake: FakeDiscord, db_path: Path | str, *, shards: list[int] | None = None, **env: str
) -> AsyncIterator[BotProcess]:
    """``db_path``: a SQLite file, or a ``postgresql://`` URL; ``shards``: the shards this process runs
    (it waits for those to connect; the default is all of the fake's)."""
    database = {"DATABASE_URL": db_path} if isinstance(db_path, str) else {"DATABASE_PATH": str(db_path)}
    sharding = (
        {}
        if shards is None
        else {"SHARD_COUNT": str(fake.shard_count), "SHARD_IDS": ",".join(map(str, shards))}
    )
    environ = (
        {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DEV_GUILD", "DATABASE_"))}
        | {
            "DISCORD_TOKEN": fake.token,
            "DISCORD_API_BASE_URL": fake.api_base,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "GUILD_READY_TIMEOUT": "0.05",
            "CHART_COOLDOWN_SECONDS": "0",
            "FAQ_COOLDOWN_SECONDS": "0",
            "LOG_LEVEL": "INFO",
            "PYTHONPATH": str(PROJECT_ROOT),
            "MPLBACKEND": "Agg",
        }
        | database
        | sharding
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
        await fake.wait_connected(30, shards=shards)
        if kind == "careerbot":
            async with asyncio.timeout(90):
                await bot.warm.wait()
        await _settle(bot)
        bot.rss_mib_at_ready = bot.rss_mib()
        yield bot
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 60)
        await drain


@asynccontextmanager
async def postgres_schema(base: str) -> AsyncIterator[str]:
    """A fresh schema on the server at ``base`` for one run (the URL's search_path), dropped afterwards."""
    import asyncpg

    admin = await asyncpg.connect(base, timeout=10)
    schema = f"bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    await admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{base}{'&' if '?' in base else '?'}search_path={schema}"
    finally:
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()


def compile_bytecode() -> None:
    """Write the project's .pyc files, as installing it (pip) does for a deployment.

    Shells here may set PYTHONDONTWRITEBYTECODE, which would make every careerbot start compile its
    ~60 modules from source (about 0.1 s) while the bare bot compiles one file: not a like-for-like start."""
    for package in ("bot", "cogs", "bench"):
        compileall.compile_dir(PROJECT_ROOT / package, quiet=1)


@asynccontextmanager
async def fake_discord() -> AsyncIterator[tuple[FakeDiscord, Path]]:
    compile_bytecode()
    fake = FakeDiscord()
    await fake.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            yield fake, Path(tmp)
    finally:
        await fake.stop()
