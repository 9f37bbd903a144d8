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
import logging
import re
import sqlite3
import time
from typing import Any

import discord
from discord import ui
from discord.ext import commands

from bench.harness import bare_bot, careerbot, fake_discord, ms, running, summary
from tests.fakediscord import FakeDiscord
from tests.quiz_paths import AI_PATH, ML_PATH, option_ids

CLICKS = len(AI_PATH)


class LockCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage() + (str(record.exc_info[1]) if record.exc_info else "")
        if "database is locked" in text:
            self.count += 1


# ---------------------------------------------------------------- the baseline bot


class StaticStep(ui.DynamicItem[ui.Button[Any]], template=r"b:(?P<n>\d+)"):
    def __init__(self, n: int) -> None:
        self.n = n
        super().__init__(ui.Button(label=f"Step {n}", custom_id=f"b:{n}"))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: ui.Item[Any], match: re.Match[str], /
    ) -> StaticStep:
        return cls(int(match["n"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        view = ui.View(timeout=None)
        view.add_item(StaticStep(self.n + 1))
        await interaction.response.edit_message(embed=discord.Embed(title=f"Static {self.n + 1}"), view=view)


async def add_static_quiz(bot: commands.Bot) -> None:
    bot.add_dynamic_items(StaticStep)

    @bot.tree.command(name="careerquiz", description="static baseline")
    async def start(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        view = ui.View(timeout=None)
        view.add_item(StaticStep(0))
        message = await interaction.user.send(embed=discord.Embed(title="Static 0"), view=view)
        await interaction.followup.send(f"Check your DMs {message.jump_url}", ephemeral=True)

    del start


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
    return sum(1 for d in done if d is True), latencies, elapsed


async def dm_burst(fake: FakeDiscord, users: list[Any], guild: Any) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(fake.invoke(u, "careerquiz", guild=guild, timeout=600) for u in users))
    return time.perf_counter() - started


async def main(members: int, burst: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    locks = LockCounter()
    logging.getLogger().addHandler(locks)
    async with fake_discord() as (fake, tmp):
        guild = fake.add_guild(name="Load")
        users = [fake.add_user(f"member{i}") for i in range(members)]
        for user in users:
            fake.add_member(guild, user)
        async with running(bare_bot(add_static_quiz), fake.token):
            bare_done, bare_lat, bare_time = await crowd(fake, users, guild)
        async with running(careerbot(fake, tmp), fake.token):
            ours_done, ours_lat, ours_time = await crowd(fake, users, guild)
        con = sqlite3.connect(tmp / "bench.sqlite3")
        stored = con.execute("SELECT count(*) FROM quiz_answers").fetchone()[0]
        results = con.execute("SELECT count(*) FROM quiz_results").fetchone()[0]
        con.close()
        # A burst of starts with Discord's global limit (50 req/s on bot routes) on: DM opening + sending.
        fake.global_rate_limit = 50
        burst_users = users[:burst]
        async with running(bare_bot(add_static_quiz), fake.token):
            await asyncio.sleep(1.1)  # start each burst with a fresh one-second window
            bare_burst = await dm_burst(fake, burst_users, guild)
        async with running(careerbot(fake, tmp), fake.token):
            await asyncio.sleep(1.1)
            ours_burst = await dm_burst(fake, burst_users, guild)
    b, o = summary(bare_lat), summary(ours_lat)
    print(f"{members} members, {CLICKS} clicks each, all at once (one event loop, 2 cores)")
    print("| bot | completed | lost answers | 'database is locked' | click p50 | click p99 | wall time |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| bare static edit | {bare_done}/{members} | n/a | n/a | {ms(b['p50'])} | {ms(b['p99'])} | {bare_time:.1f} s |"
    )
    lost = members * CLICKS - stored
    print(
        f"| careerbot | {ours_done}/{members} ({results} results) | {lost} | {locks.count} "
        f"| {ms(o['p50'])} | {ms(o['p99'])} | {ours_time:.1f} s |"
    )
    print(
        f"ratio careerbot/bare: p50 {o['p50'] / b['p50']:.2f}, p99 {o['p99'] / b['p99']:.2f}, wall {ours_time / bare_time:.2f}"
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
