"""N members take the quiz at once through the loopback fake; careerbot vs a bare discord.py bot.

    python -m bench.quiz_load [--members 1000] [--burst 200] [--database-url postgresql://…]

The bare bot answers each click with the very payload careerbot sent at that step (same embed, same
components; captured from careerbot's own run), so "bot CPU per interaction" compares like with like.
Each phase prints its figures as it ends: start-up (start-to-READY, idle RSS), the crowd (completed
journeys, failed journeys, lost answers, "database is locked" lines, click latency, bot CPU per
interaction the bot was sent, how long /careerquiz took to be acknowledged), the load generator's own
share (this process: the fake and the members on one loop; its CPU, loop lag, and how long requests
queued in the fake after being read, which the fake's 3 s window no longer counts), and a burst of
starts with the fake's global rate limit of 50 requests/s on. With --database-url, careerbot
also runs on PostgreSQL as one process and as two shard processes (0 and 1 of 2), each on a fresh schema,
printed in the same table as SQLite. Nothing here raises on a slow
machine: what went wrong is counted and printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sqlite3
import time
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import (
    BotProcess,
    LoopLag,
    bot_process,
    collector_paused,
    fake_discord,
    ms,
    postgres_schema,
    summary,
)
from fakediscord import FakeDiscord
from tests.quiz_paths import AI_PATH, ML_PATH, option_ids

CLICKS = len(AI_PATH)
TIMEOUT = 300.0  # generous: on a shared machine a slow answer is a figure, not a crash


# ---------------------------------------------------------------- members


def ratio(a: float, b: float) -> float:
    """a / b, NaN when b is 0 (a phase where nothing was measured prints, it does not crash)."""
    return a / b if b else float("nan")


def body(message: Any) -> dict[str, Any]:
    return {"embeds": message.embeds, "components": message.components}


async def member_journey(
    fake: FakeDiscord,
    user: Any,
    guild: Any,
    path: list[int],
    latencies: list[float],
    starts: list[float],
    record: list[dict[str, Any]] | None = None,
) -> None:
    """One member's /careerquiz and clicks; raises on the first thing that went wrong."""
    start = await fake.invoke(user, "careerquiz", guild=guild, timeout=TIMEOUT)
    if start.latency is not None:
        starts.append(start.latency)
    if start.error is not None:
        raise RuntimeError(f"/careerquiz answered with an error: {start.error}")
    if "Check your DMs" not in (start.content or ""):
        raise RuntimeError(f"/careerquiz answered: {(start.content or '')[:80]}")
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


@dataclass
class Phase:
    """One bot setup's crowd run, as printed in the table."""

    name: str
    done: int
    failed: Counter[str]
    lat: list[
        float
    ]  # click -> acknowledgement, as the fake times it (from writing the event to reading the callback)
    starts: list[float]  # /careerquiz -> its deferral, the same way
    wall: float
    lag: list[float]  # this process's loop lag: the load generator's own delay
    queued: list[float]  # requests' wait in the fake between being read and being handled
    generator_cpu: float  # this process (fake + members)
    interactions: int  # sent to the bot: starts and clicks, answered in time or not
    cpu: float = 0.0  # the bot processes
    lost: str = "n/a"
    unacked: int = 0


async def crowd(
    name: str, fake: FakeDiscord, users: list[tuple[Any, Any]], record: list[dict[str, Any]] | None = None
) -> Phase:
    """Every (member, guild) runs a journey at once."""
    latencies: list[float] = []
    starts: list[float] = []
    queued_from, sent_from = len(fake.queued_seconds), len(fake.interactions)
    with collector_paused():
        cpu_before, started = time.process_time(), time.perf_counter()
        async with LoopLag() as lag:
            done = await asyncio.gather(
                *(
                    member_journey(
                        fake,
                        u,
                        g,
                        AI_PATH if i % 2 == 0 else ML_PATH,
                        latencies,
                        starts,
                        record if i == 0 else None,
                    )
                    for i, (u, g) in enumerate(users)
                ),
                return_exceptions=True,
            )
        elapsed, generator_cpu = time.perf_counter() - started, time.process_time() - cpu_before
    failed = Counter(type(d).__name__ + (f": {d}"[:120] if str(d) else "") for d in done if d is not None)
    return Phase(
        name,
        sum(1 for d in done if d is None),
        failed,
        latencies,
        starts,
        elapsed,
        lag.samples,
        fake.queued_seconds[queued_from:],
        generator_cpu,
        len(fake.interactions) - sent_from,
    )


async def dm_burst(fake: FakeDiscord, users: list[tuple[Any, Any]]) -> tuple[float, int]:
    started = time.perf_counter()
    outcomes = await asyncio.gather(
        *(fake.invoke(u, "careerquiz", guild=g, timeout=TIMEOUT) for u, g in users), return_exceptions=True
    )
    return time.perf_counter() - started, sum(isinstance(o, BaseException) for o in outcomes)


def crowd_row(phase: Phase, members: int, bots: list[BotProcess]) -> None:
    s = summary(phase.lat)
    locked, failures = sum(b.locked for b in bots), sum(b.failures for b in bots)
    rate = len(phase.lat) / phase.wall if phase.wall else 0.0
    print(
        f"| {phase.name} | {phase.done}/{members} | {sum(phase.failed.values())} | {phase.lost} | {locked} "
        f"| {failures} | {rate:.0f} | {ms(s['p50'])} | {ms(s['p99'])} "
        f"| {ms(ratio(phase.cpu, phase.interactions))} | {phase.wall:.1f} s |",
        flush=True,
    )
    for reason, n in phase.failed.most_common(3):
        print(f"    driver saw {n} x {reason}", flush=True)
    errors: Counter[str] = sum((b.errors for b in bots), Counter())
    for line, n in errors.most_common(3):
        print(f"    bot logged {n} x {line}", flush=True)
    print(
        f"    /careerquiz acknowledged (Discord's limit 3 s): p50 {ms(summary(phase.starts)['p50'])}, p99 "
        f"{ms(summary(phase.starts)['p99'])}, max {ms(max(phase.starts, default=0.0))}",
        flush=True,
    )
    print(
        f"    load generator (this process: the fake and the {members} members on one loop): CPU "
        f"{phase.generator_cpu:.1f} s ({ratio(phase.generator_cpu, phase.wall):.0%} of a core); loop lag p99 "
        f"{ms(summary(phase.lag)['p99'])}, max {ms(max(phase.lag, default=0.0))} (delays the fake's "
        f"reads); requests queued in the fake after the read p99 {ms(summary(phase.queued)['p99'])}, "
        f"max {ms(max(phase.queued, default=0.0))} (not counted: deadlines run to the read); peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB",
        flush=True,
    )
    if phase.unacked:
        print(f"    answers saved but acknowledged too late: {phase.unacked}", flush=True)


async def stored_answers(target: Path | str) -> int:
    if isinstance(target, str):
        import asyncpg

        con = await asyncpg.connect(target)
        try:
            return int(await con.fetchval("SELECT count(*) FROM quiz_answers"))
        finally:
            await con.close()
    con3 = sqlite3.connect(target)
    try:
        return int(con3.execute("SELECT count(*) FROM quiz_answers").fetchone()[0])
    finally:
        con3.close()


async def careerbot_phase(
    name: str,
    fake: FakeDiscord,
    users: list[tuple[Any, Any]],
    target: Path | str,
    processes: int,
    record: list[dict[str, Any]] | None = None,
) -> tuple[Phase, list[BotProcess]]:
    """careerbot as one process (all shards), or as ``processes`` shard processes on one database."""
    async with AsyncExitStack() as stack:
        if processes == 1:
            bots = [await stack.enter_async_context(bot_process("careerbot", fake, target))]
        else:
            fake.shard_count = processes
            bots = [
                await stack.enter_async_context(bot_process("careerbot", fake, target, shards=[i]))
                for i in range(processes)
            ]
        before = sum(b.cpu() for b in bots)
        phase = await crowd(name, fake, users, record)
        phase.cpu = sum(b.cpu() for b in bots) - before
    fake.shard_count = 1
    stored = await stored_answers(target)
    # Every answer a member saw acknowledged must be stored; rows beyond that are answers saved
    # whose acknowledgement came too late (the member saw "This interaction failed").
    phase.lost, phase.unacked = str(max(0, len(phase.lat) - stored)), max(0, stored - len(phase.lat))
    return phase, bots


async def main(members: int, burst: int, database_url: str | None) -> None:
    async with fake_discord() as (fake, tmp):
        # Two servers that Discord routes to shards 0 and 1 of 2 (with one shard, both are on shard 0).
        fake.shard_count = 2
        guilds = [fake.add_guild(name="Load even", shard=0), fake.add_guild(name="Load odd", shard=1)]
        fake.shard_count = 1
        users = []
        for i in range(members):
            user = fake.add_user(f"member{i}")
            fake.add_member(guilds[i % 2], user)
            users.append((user, guilds[i % 2]))
        db = tmp / "bench.sqlite3"
        payloads: list[dict[str, Any]] = []
        print(
            f"{members} members in two servers, /careerquiz + {CLICKS} clicks each, all at once; each bot in "
            "its own process; clicks arrive in DMs, which Discord sends to shard 0"
        )
        print(
            "| bot | completed | failed journeys | lost answers | 'database is locked' | bot-logged failures "
            "| clicks/s | click p50 | click p99 | bot CPU per interaction | wall time |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|", flush=True)
        ours, ours_bots = await careerbot_phase("careerbot, SQLite", fake, users, db, 1, payloads)
        crowd_row(ours, members, ours_bots)
        ours_ready, ours_rss = ours_bots[0].ready_seconds, ours_bots[0].rss_mib_at_ready
        payload_file = Path(tmp) / "payloads.json"
        payload_file.write_text(json.dumps(payloads))
        async with bot_process("bare", fake, tmp / "bare.sqlite3", BARE_PAYLOADS=str(payload_file)) as bare:
            bare_ready, bare_rss = bare.ready_seconds, bare.rss_mib_at_ready
            before = bare.cpu()
            base = await crowd("bare, same payloads", fake, users)
            base.cpu = bare.cpu() - before
        crowd_row(base, members, [bare])
        phases = [ours]
        if database_url:
            for processes in (1, 2):
                async with postgres_schema(database_url) as url:
                    label = f"careerbot, PostgreSQL, {processes} process{'es' if processes > 1 else ''}"
                    try:
                        phase, bots = await careerbot_phase(label, fake, users, url, processes)
                    except Exception as exc:  # a phase that cannot run is a figure, not a crash
                        print(f"| {label} | did not run: {type(exc).__name__}: {exc} |", flush=True)
                        continue
                    crowd_row(phase, members, bots)
                    phases.append(phase)
        b = summary(base.lat)
        for phase in phases:
            o = summary(phase.lat)
            print(
                f"ratio {phase.name} / bare: bot CPU per interaction "
                f"{ratio(ratio(phase.cpu, phase.interactions), ratio(base.cpu, base.interactions)):.2f} (goal <= 1.3), "
                f"click "
                f"p50 {ratio(o['p50'], b['p50']):.2f}, p99 {ratio(o['p99'], b['p99']):.2f}, wall "
                f"{ratio(phase.wall, base.wall):.2f}",
                flush=True,
            )
        print(
            f"start-to-READY: careerbot {ours_ready:.2f} s, bare {bare_ready:.2f} s (ratio "
            f"{ours_ready / bare_ready:.2f}, goal <= 1.5); idle RSS at READY: careerbot {ours_rss:.0f} MiB, "
            f"bare {bare_rss:.0f} MiB (ratio {ours_rss / bare_rss:.2f}, goal <= 1.5)",
            flush=True,
        )
        # A burst of starts with Discord's global limit (50 req/s on bot routes) on: DM opening + sending.
        fake.global_rate_limit = 50
        burst_users = users[:burst]
        async with bot_process("careerbot", fake, db):
            await asyncio.sleep(1.1)  # start each burst with a fresh one-second window
            ours_burst, ours_burst_failed = await dm_burst(fake, burst_users)
        async with bot_process("bare", fake, tmp / "bare.sqlite3", BARE_PAYLOADS=str(payload_file)):
            await asyncio.sleep(1.1)
            bare_burst, bare_burst_failed = await dm_burst(fake, burst_users)
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
    parser.add_argument(
        "--database-url",
        help="also run careerbot on this PostgreSQL (1 and 2 shard processes, a fresh schema each)",
    )
    args = parser.parse_args()
    asyncio.run(main(args.members, args.burst, args.database_url))
