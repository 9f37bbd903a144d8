"""N members take the quiz at once through the loopback fake; careerbot vs a bare bot's static edits.

    python -m bench.quiz_load [--members 1000] [--burst 200]

Prints completed quizzes, lost answers (must be 0), "database is locked" errors (must be 0), and
click -> callback latency p50/p99 for careerbot and for a bare discord.py bot that answers each click
with a static edit of the same DM message (same fake, same run). Then, with the fake's global rate
limit of 50 requests/s on, how long the DM openings of a burst of starts take.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import time
from typing import Any

from bench.harness import bot_process, fake_discord, ms, summary
from fakediscord import FakeDiscord
from tests.quiz_paths import AI_PATH, ML_PATH, option_ids

CLICKS = len(AI_PATH)
TIMEOUT = 60.0  # a member gives up after this; Discord itself fails an interaction after 3 s


# ---------------------------------------------------------------- members


async def member_journey(
    fake: FakeDiscord, user: Any, guild: Any, path: list[int], latencies: list[float]
) -> bool:
    await fake.invoke(user, "careerquiz", guild=guild, timeout=300)
    message = await fake.wait_dm(user, timeout=300)
    for pick in path:
        ids = (
            option_ids(message)
            if message.components[0]["components"][0]["custom_id"].startswith("cq:")
            else None
        )
        custom_id = ids[pick] if ids else message.custom_ids()[0]
        res = await fake.click(user, message, custom_id, timeout=300)
        if res.error is not None or res.latency is None:
            return False
        latencies.append(res.latency)
        message = res.message
    return True


async def crowd(fake: FakeDiscord, users: list[Any], guild: Any) -> tuple[int, list[float], float]:
    latencies: list[float] = []
    started = time.perf_counter()
    done = await asyncio.gather(
        *(
            member_journey(fake, u, guild, AI_PATH if i % 2 else ML_PATH, latencies)
            for i, u in enumerate(users)
        ),
        return_exceptions=True,
    )
    elapsed = time.perf_counter() - started
    for outcome in done:
        if isinstance(outcome, BaseException):
            print(f"  a member's journey failed: {outcome!r}"[:300])
    return sum(1 for d in done if d is True), latencies, elapsed


async def dm_burst(fake: FakeDiscord, users: list[Any], guild: Any) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(fake.invoke(u, "careerquiz", guild=guild, timeout=TIMEOUT) for u in users))
    return time.perf_counter() - started


async def main(members: int, burst: int) -> None:
    async with fake_discord() as (fake, tmp):
        guild = fake.add_guild(name="Load")
        users = [fake.add_user(f"member{i}") for i in range(members)]
        for user in users:
            fake.add_member(guild, user)
        async with bot_process("bare", fake, tmp / "bare.sqlite3") as bare:
            before = bare.cpu()
            bare_done, bare_lat, bare_time = await crowd(fake, users, guild)
            bare_cpu = bare.cpu() - before
        db = tmp / "bench.sqlite3"
        async with bot_process("careerbot", fake, db) as ours:
            before = ours.cpu()
            ours_done, ours_lat, ours_time = await crowd(fake, users, guild)
            ours_cpu = ours.cpu() - before
        con = sqlite3.connect(db)
        stored = con.execute("SELECT count(*) FROM quiz_answers").fetchone()[0]
        results = con.execute("SELECT count(*) FROM quiz_results").fetchone()[0]
        con.close()
        # A burst of starts with Discord's global limit (50 req/s on bot routes) on: DM opening + sending.
        fake.global_rate_limit = 50
        burst_users = users[:burst]
        async with bot_process("bare", fake, tmp / "bare.sqlite3"):
            await asyncio.sleep(1.1)  # start each burst with a fresh one-second window
            bare_burst = await dm_burst(fake, burst_users, guild)
        async with bot_process("careerbot", fake, db):
            await asyncio.sleep(1.1)
            ours_burst = await dm_burst(fake, burst_users, guild)
    b, o = summary(bare_lat), summary(ours_lat)
    interactions = members * (CLICKS + 1)
    print(f"{members} members, /careerquiz + {CLICKS} clicks each, all at once; bot in its own process")
    print(
        "| bot | completed | lost answers | 'database is locked' | failed | click p50 | click p99 "
        "| bot CPU per interaction | wall time |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print(
        f"| bare static edit | {bare_done}/{members} | n/a | n/a | {bare.failures} | {ms(b['p50'])} | {ms(b['p99'])} "
        f"| {ms(bare_cpu / interactions)} | {bare_time:.1f} s |"
    )
    lost = members * CLICKS - stored
    print(
        f"| careerbot | {ours_done}/{members} ({results} results) | {lost} | {ours.locked} | {ours.failures} "
        f"| {ms(o['p50'])} | {ms(o['p99'])} | {ms(ours_cpu / interactions)} | {ours_time:.1f} s |"
    )
    print(
        f"ratio careerbot/bare: click p50 {o['p50'] / b['p50']:.2f}, p99 {o['p99'] / b['p99']:.2f}, "
        f"bot CPU {ours_cpu / bare_cpu:.2f}, wall {ours_time / bare_time:.2f}"
    )
    print(
        f"global rate limit 50 req/s on: {burst} starts (DM open + send each) took "
        f"{ours_burst:.1f} s for careerbot, {bare_burst:.1f} s for the bare bot (ratio {ours_burst / bare_burst:.2f})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--burst", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.members, args.burst))
