"""Start-to-READY and idle memory: careerbot against a bare discord.py bot, same machine, same run.

    python -m bench.startup [--runs 5]

Each run starts both bots as processes against the loopback fake (alternating, so background load
hits both alike) and measures from spawning the process to its "connected as" log line, then its
resident memory once it has gone idle (careerbot's FAQ answerer is fitted after READY, in a child
process, so it is included when it changes the bot's own memory). careerbot's first start creates its
database (migrations, command sync); the later ones are restarts on it, the usual case. Last, which of
the heavy packages (HEAVY) careerbot's idle process has loaded.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from pathlib import Path

from bench.harness import bot_process, fake_discord

# Packages the idle bot should not hold: scikit-learn and scipy live in the fit's child, matplotlib
# waits for the first chart, the FAQ scores without numpy, asyncpg only for PostgreSQL, rapidfuzz only
# for a moderator's review queue.
HEAVY = ("numpy", "scipy", "sklearn", "matplotlib", "asyncpg", "rapidfuzz")


def mapped(pid: int) -> list[str]:
    """The HEAVY packages whose compiled modules the process has mapped (each has some)."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return [name for name in HEAVY if f"/{name}/" in maps]


async def main(runs: int) -> None:
    async with fake_discord() as (fake, tmp):
        fake.add_guild(name="Start")
        ready: dict[str, list[float]] = {"careerbot": [], "bare": []}
        heavy: set[str] = set()
        rss: dict[str, list[float]] = {"careerbot": [], "bare": []}
        cpu: dict[str, list[float]] = {"careerbot": [], "bare": []}
        print(
            "| run | careerbot start-to-READY | bare | careerbot CPU to READY | bare | careerbot idle RSS | bare |"
        )
        print("|---|---|---|---|---|---|---|", flush=True)
        for run in range(runs):
            for kind in ("careerbot", "bare"):
                async with bot_process(kind, fake, tmp / f"{kind}.sqlite3") as bot:
                    ready[kind].append(bot.ready_seconds)
                    rss[kind].append(bot.rss_mib_at_ready)
                    cpu[kind].append(bot.cpu_at_ready)
                    if kind == "careerbot":
                        heavy.update(mapped(bot.proc.pid))
            label = "1 (new database)" if run == 0 else str(run + 1)
            print(
                f"| {label} | {ready['careerbot'][-1]:.2f} s | {ready['bare'][-1]:.2f} s "
                f"| {cpu['careerbot'][-1]:.2f} s | {cpu['bare'][-1]:.2f} s "
                f"| {rss['careerbot'][-1]:.0f} MiB | {rss['bare'][-1]:.0f} MiB |",
                flush=True,
            )
        later = slice(1, None) if runs > 1 else slice(None)
        c_ready, b_ready = (
            statistics.median(ready["careerbot"][later]),
            statistics.median(ready["bare"][later]),
        )
        c_rss, b_rss = statistics.median(rss["careerbot"]), statistics.median(rss["bare"])
        c_cpu, b_cpu = statistics.median(cpu["careerbot"][later]), statistics.median(cpu["bare"][later])
        print(
            f"median start-to-READY (restarts): careerbot {c_ready:.2f} s, bare {b_ready:.2f} s, ratio "
            f"{c_ready / b_ready:.2f} (goal <= 1.5); median idle RSS: careerbot {c_rss:.0f} MiB, bare "
            f"{b_rss:.0f} MiB, ratio {c_rss / b_rss:.2f} (goal <= 1.5)",
            flush=True,
        )
        # Wall time moves with whatever else the machine runs; the process's own CPU seconds up to
        # READY (imports, content, setup, connecting) much less so.
        print(
            f"median CPU to READY (restarts): careerbot {c_cpu:.2f} s, bare {b_cpu:.2f} s, "
            f"ratio {c_cpu / b_cpu:.2f}",
            flush=True,
        )
        print(f"heavy packages in careerbot's idle process: {', '.join(sorted(heavy)) or 'none'}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    asyncio.run(main(parser.parse_args().runs))
