"""The real process at start: no voice warnings, and matplotlib loads only with the first chart. Nothing
heavy the idle bot does not use is loaded: the FAQ answerer scores without numpy, a SQLite bot never
loads asyncpg, and rapidfuzz waits for the first FAQ review (bench/startup.py prints what this saves)."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from fakediscord import FakeDiscord
from tests.test_process import bot_env


def loaded(pid: int, package: str) -> bool:
    """Whether the process has mapped any of ``package``'s compiled modules (numpy and matplotlib have)."""
    return f"/{package}/" in Path(f"/proc/{pid}/maps").read_text()


async def test_start_is_quiet_and_charts_load_matplotlib_late(fake: FakeDiscord, tmp_path: Path) -> None:
    guild = fake.add_guild(name="Career Hub")
    alice = fake.add_user("alice")
    fake.add_member(guild, alice)
    env = bot_env(
        tmp_path,
        DISCORD_TOKEN=fake.token,
        DISCORD_API_BASE_URL=fake.api_base,
        DISCORD_GATEWAY_URL=fake.gateway_url,
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd="/", env=env, stderr=asyncio.subprocess.PIPE
    )
    assert proc.stderr is not None
    seen = ""
    try:
        async with asyncio.timeout(60):
            while "connected as" not in seen:
                line = await proc.stderr.readline()
                assert line, f"bot exited before READY:\n{seen}"
                seen += line.decode()
        assert "PyNaCl" not in seen and "davey" not in seen, seen
        assert not loaded(proc.pid, "matplotlib")
        # scikit-learn (and scipy) run only in the FAQ fit's child process, never in the bot's.
        assert not loaded(proc.pid, "sklearn") and not loaded(proc.pid, "scipy")
        async with asyncio.timeout(60):
            while "FAQ answerer" not in seen:  # fitted after READY: then the bot is idle
                line = await proc.stderr.readline()
                assert line, f"bot exited before the FAQ fit:\n{seen}"
                seen += line.decode()
        assert "FAQ answerer ready" in seen, seen
        for package in ("numpy", "asyncpg", "rapidfuzz"):
            assert not loaded(proc.pid, package), f"{package} is loaded in the idle bot"
        res = await fake.invoke(alice, "compare salary", guild=guild, timeout=30)
        assert res.attachments and res.attachments[0].data.startswith(b"\x89PNG")
        assert loaded(proc.pid, "matplotlib"), "the check sees matplotlib once a chart is drawn"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
