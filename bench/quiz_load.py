"""N members take the quiz at once through the loopback fake; careerbot vs a bare discord.py bot.

    python -m bench.quiz_load [--members 1000] [--burst 200]

The bare bot answers each click with the very payload careerbot sent at that step (same embed, same
components; captured from careerbot's own run), so "bot CPU per interaction" compares like with like.
Each phase prints its figures as it ends: start-up (start-to-READY, idle RSS), the crowd (completed
journeys, failed journeys, lost answers, "database is locked" lines, click latency, bot CPU), and a
burst of starts with the fake's global rate limit of 50 requests/s on. Nothing here raises on a slow
machine: what went wrong is counted and printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.harness import BotProcess, bot_process, fake_discord, ms, summary
from fakediscord import FakeDiscord
from tests.quiz_paths import AI_PATH, ML_PATH, option_ids

CLICKS = len(AI_PATH)
TIMEOUT = 300.0  # generous: on a shared machine a slow answer is a figure, not a crash


# ---------------------------------------------------------------- members


def body(message: Any) -> dict[str, Any]:
    return {"embeds": message.embeds, "components": message.components}


async def member_journey(
    fake: FakeDiscord,
    user: Any,
    guild: Any,
    path: list[int],
    latencies: list[float],
    record: list[dict[str, Any]] | None = None,
) -> None:
    """One member's /careerquiz and clicks; raises on the first thing that went wrong."""
    await fake.invoke(user, "careerquiz", guild=guild, timeout=TIMEOUT)
    message = await fake.wait_dm(user, timeout=TIMEOUT)
    if record is not None:
        record.append(body(message))
    for pick in path:
        res = await fake.click(user, message, option_ids(message)[pick], timeout=TIMEOUT)
        if res.error is not None or res.latency is None:
            raise RuntimeError(f"click answered with an error: {res.error}")
        latencies.append(res.latency)
        message = res.message
        if record is not None:
            record.append(body(message))


async def crowd(
    fake: FakeDiscord, users: list[Any], guild: Any, record: list[dict[str, Any]] | None = None
) -> tuple[int, Counter[str], list[float], float]:
    latencies: list[float] = []
    started = time.perf_counter()
    done = await asyncio.gather(
        *(
            member_journey(
                fake, u, guild, AI_PATH if i % 2 == 0 else ML_PATH, latencies, record if i == 0 else None
            )
            for i, u in enumerate(users)
        ),
        return_exceptions=True,
    )
    elapsed = time.perf_counter() - started
    failed = Counter(type(d).__name__ + (f": {d}"[:120] if str(d) else "") for d in done if d is not None)
    return sum(1 for d in done if d is None), failed, latencies, elapsed


async def dm_burst(fake: FakeDiscord, users: list[Any], guild: Any) -> tuple[float, int]:
    started = time.perf_counter()
    outcomes = await asyncio.gather(
        *(fake.invoke(u, "careerquiz", guild=guild, timeout=TIMEOUT) for u in users), return_exceptions=True
    )
    return time.perf_counter() - started, sum(isinstance(o, BaseException) for o in outcomes)


def crowd_row(
    name: str,
    members: int,
    done: int,
    failed: Counter[str],
    lat: list[float],
    bot: BotProcess,
    cpu: float,
    wall: float,
    lost: str,
) -> None:
    s = summary(lat)
    print(
        f"| {name} | {done}/{members} | {sum(failed.values())} | {lost} | {bot.locked} | {bot.failures} "
        f"| {ms(s['p50'])} | {ms(s['p99'])} | {ms(cpu / (members * (CLICKS + 1)))} | {wall:.1f} s |",
        flush=True,
    )
    for reason, n in failed.most_common(3):
        print(f"    driver saw {n} x {reason}", flush=True)
    for line, n in bot.errors.most_common(3):
        print(f"    bot logged {n} x {line}", flush=True)


async def main(members: int, burst: int) -> None:
    async with fake_discord() as (fake, tmp):
        guild = fake.add_guild(name="Load")
        users = [fake.add_user(f"member{i}") for i in range(members)]
        for user in users:
            fake.add_member(guild, user)
        db = tmp / "bench.sqlite3"
        payloads: list[dict[str, Any]] = []
        print(
            f"{members} members, /careerquiz + {CLICKS} clicks each, all at once; each bot in its own process"
        )
        print(
            "| bot | completed | failed journeys | lost answers | 'database is locked' | bot-logged failures "
            "| click p50 | click p99 | bot CPU per interaction | wall time |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|", flush=True)
        async with bot_process("careerbot", fake, db) as ours:
            ours_ready, ours_rss = ours.ready_seconds, ours.rss_mib()
            before = ours.cpu()
            ours_done, ours_failed, ours_lat, ours_time = await crowd(fake, users, guild, payloads)
            ours_cpu = ours.cpu() - before
        con = sqlite3.connect(db)
        stored = con.execute("SELECT count(*) FROM quiz_answers").fetchone()[0]
        con.close()
        # Every answer a member saw acknowledged must be stored; rows beyond that are answers saved
        # whose acknowledgement came too late (the member saw "This interaction failed").
        lost, unacked = max(0, len(ours_lat) - stored), max(0, stored - len(ours_lat))
        crowd_row(
            "careerbot", members, ours_done, ours_failed, ours_lat, ours, ours_cpu, ours_time, str(lost)
        )
        print(f"    answers saved but acknowledged too late: {unacked}", flush=True)
        payload_file = Path(tmp) / "payloads.json"
        payload_file.write_text(json.dumps(payloads))
        async with bot_process("bare", fake, tmp / "bare.sqlite3", BARE_PAYLOADS=str(payload_file)) as bare:
            bare_ready, bare_rss = bare.ready_seconds, bare.rss_mib()
            before = bare.cpu()
            bare_done, bare_failed, bare_lat, bare_time = await crowd(fake, users, guild)
            bare_cpu = bare.cpu() - before
        crowd_row(
            "bare, same payloads", members, bare_done, bare_failed, bare_lat, bare, bare_cpu, bare_time, "n/a"
        )
        o, b = summary(ours_lat), summary(bare_lat)
        print(
            f"ratio careerbot/bare: bot CPU {ours_cpu / bare_cpu:.2f} (goal <= 1.3), click p50 "
            f"{o['p50'] / b['p50']:.2f}, p99 {o['p99'] / b['p99']:.2f}, wall {ours_time / bare_time:.2f}",
            flush=True,
        )
        print(
            f"start-to-READY: careerbot {ours_ready:.2f} s, bare {bare_ready:.2f} s (ratio "
            f"{ours_ready / bare_ready:.2f}, goal <= 1.5); idle RSS: careerbot {ours_rss:.0f} MiB, bare "
            f"{bare_rss:.0f} MiB (ratio {ours_rss / bare_rss:.2f}, goal <= 1.5)",
            flush=True,
        )
        # A burst of starts with Discord's global limit (50 req/s on bot routes) on: DM opening + sending.
        fake.global_rate_limit = 50
        burst_users = users[:burst]
        async with bot_process("careerbot", fake, db):
            await asyncio.sleep(1.1)  # start each burst with a fresh one-second window
            ours_burst, ours_burst_failed = await dm_burst(fake, burst_users, guild)
        async with bot_process("bare", fake, tmp / "bare.sqlite3", BARE_PAYLOADS=str(payload_file)):
            await asyncio.sleep(1.1)
            bare_burst, bare_burst_failed = await dm_burst(fake, burst_users, guild)
        print(
            f"global rate limit 50 req/s on: {burst} starts (DM open + send each) took {ours_burst:.1f} s for "
            f"careerbot ({ours_burst_failed} failed), {bare_burst:.1f} s for the bare bot ({bare_burst_failed} "
            f"failed); ratio {ours_burst / bare_burst:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--burst", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.members, args.burst))
