"""Interaction latency through the loopback fake: careerbot's cheapest command vs a bare `/ping`.

    python -m bench.latency [--n 200]

Latency is the fake's own measure: from writing INTERACTION_CREATE to receiving the callback.
Each bot runs as its own process against the same fake in the same run; the ratio is what matters.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from bench.harness import bot_process, fake_discord, ms, summary
from fakediscord import FakeDiscord


async def measure(
    fake: FakeDiscord, users: list[Any], guild: Any, command: str, n: int
) -> dict[str, dict[str, float]]:
    sequential = []
    for i in range(n):
        res = await fake.invoke(users[i % len(users)], command, guild=guild)
        sequential.append(res.latency)
    results = await asyncio.gather(
        *(fake.invoke(users[i % len(users)], command, guild=guild, timeout=60) for i in range(n))
    )
    return {"sequential": summary(sequential), "concurrent": summary([r.latency for r in results])}


async def main(n: int) -> None:
    async with fake_discord() as (fake, tmp):
        guild = fake.add_guild(name="Bench")
        users = [fake.add_user(f"member{i}") for i in range(50)]
        for user in users:
            fake.add_member(guild, user)
        async with bot_process("bare", fake, tmp / "bare.sqlite3"):
            bare = await measure(fake, users, guild, "ping", n)
        async with bot_process("careerbot", fake, tmp / "bench.sqlite3"):
            ours = await measure(fake, users, guild, "careerbot about", n)
    print(f"interaction -> callback latency through the fake, n={n} each, each bot in its own process")
    print("| mode | bare /ping p50 | p99 | careerbot /careerbot about p50 | p99 | ratio p50 | ratio p99 |")
    print("|---|---|---|---|---|---|---|")
    for mode in ("sequential", "concurrent"):
        b, o = bare[mode], ours[mode]
        print(
            f"| {mode} | {ms(b['p50'])} | {ms(b['p99'])} | {ms(o['p50'])} | {ms(o['p99'])} "
            f"| {o['p50'] / b['p50']:.2f} | {o['p99'] / b['p99']:.2f} |"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200)
    asyncio.run(main(parser.parse_args().n))
