"""What a moderator sees for three small communities, read from the embed, the charts' data and the CSV.

Issue 12's "done means": 7 started and 7 finished; 14 started; and one member who finishes between
two summaries, about whom nothing may be recoverable.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import struct
from pathlib import Path
from typing import Any

from bot.stats.charts import CHART_DATA_KEY
from bot.storage import Storage
from bot.storage._rollups import rebuild
from fakediscord import FakeDiscord
from fakediscord.interactions import InteractionResult
from tests.conftest import BotRunner
from tests.quiz_paths import AI_PATH, HYBRID_PATH, ML_PATH, answer_all, db_rows, nav_id

BOTH_BACKENDS = True  # the runner fixture runs each test on SQLite and on PostgreSQL

WEEK = 7 * 86400.0
WEEKS = "Finished per week (week starting; weeks with none left out)"


def chart_data(png: bytes) -> dict[str, dict[str, Any]]:
    """label -> {"value", "hidden"}, from the PNG's own text chunk (what the bars show)."""
    i = 8
    while i < len(png):
        (n,) = struct.unpack(">I", png[i : i + 4])
        if png[i + 4 : i + 8] == b"tEXt":
            key, _, text = png[i + 8 : i + 8 + n].partition(b"\0")
            if key.decode() == CHART_DATA_KEY:
                return {bar["label"]: bar for bar in json.loads(text.decode("latin-1"))}
        i += 12 + n
    raise AssertionError("chart carries no data")


def fields(embed: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in embed["fields"]}


def csvs(res: InteractionResult) -> dict[str, list[dict[str, str]]]:
    return {a.filename: list(csv.DictReader(io.StringIO(a.data.decode()))) for a in res.attachments}


async def take(fake: FakeDiscord, guild: Any, user: Any, path: list[int]) -> None:
    await fake.invoke(user, "careerquiz", guild=guild)
    await answer_all(fake, user, await fake.wait_dm(user), path)


async def community(fake: FakeDiscord, paths: list[list[int]]) -> tuple[Any, Any, list[Any]]:
    guild = fake.add_guild(name="Community")
    mod = fake.add_user("mod")
    fake.add_member(guild, mod, owner=True)
    members = [fake.add_user(f"m{i}") for i in range(len(paths) + 1)]
    for m in members:
        fake.add_member(guild, m)
    return guild, mod, members


async def view(
    fake: FakeDiscord, mod: Any, guild: Any
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(embed, {chart: data}, {csv: rows}) of /quizstats summary and export for all time."""
    res = await fake.invoke(mod, "quizstats summary", guild=guild, options={"period": "all"})
    charts = {a.filename: chart_data(a.data) for a in res.attachments}
    export = await fake.invoke(mod, "quizstats export", guild=guild, options={"period": "all"})
    return res.embeds[0], charts, csvs(export)


SEVEN = [AI_PATH] * 4 + [ML_PATH] * 2 + [HYBRID_PATH]


async def test_seven_started_seven_finished_reads_seven_and_seven(
    fake: FakeDiscord, runner: BotRunner
) -> None:
    guild, mod, members = await community(fake, SEVEN)
    await runner.start(stats_up_to="now")
    await asyncio.gather(*(take(fake, guild, m, p) for m, p in zip(members, SEVEN, strict=False)))
    embed, charts, files = await view(fake, mod, guild)

    assert "Members started: **7** · completion **100%**" in embed["description"]
    funnel = fields(embed)["Funnel (members)"]
    assert "Started: **7**" in funnel and "Completed: **7 (100%)**" in funnel and "Active: **0" in funnel
    split = fields(embed)["Outcome split (latest result)"]
    assert split.count("**< 5**") == 3 and "hidden" not in split  # all small: none is a protective cell
    assert fields(embed)[WEEKS].endswith("**7**")

    funnel_bars = charts["funnel.png"]
    assert funnel_bars["Started"]["value"] == 7 and funnel_bars["Completed"]["value"] == 7
    assert all(bar["hidden"] is None for bar in funnel_bars.values())  # no stub anywhere
    assert all(bar["value"] is None and bar["hidden"] == "< 5" for bar in charts["outcomes.png"].values())

    rows = {r["stage"]: r["members"] for r in files["funnel.csv"]}
    assert rows["started"] == "7" and rows["completed"] == "7"
    assert [r["members_finished"] for r in files["finished_by_week.csv"]] == ["7", "7"]  # week, all
    assert [r["members"] for r in files["outcomes.csv"]] == ["< 5"] * 3


FOURTEEN = [AI_PATH] * 6 + [ML_PATH] * 5 + [HYBRID_PATH] * 2


async def test_fourteen_started_totals_parts_and_rows_agree(fake: FakeDiscord, runner: BotRunner) -> None:
    guild, mod, members = await community(fake, FOURTEEN)
    await runner.start(stats_up_to="now")
    await asyncio.gather(*(take(fake, guild, m, p) for m, p in zip(members, FOURTEEN, strict=False)))
    await fake.invoke(members[13], "careerquiz", guild=guild)  # the 14th stops after two answers
    await answer_all(fake, members[13], await fake.wait_dm(members[13]), [0, 0])
    embed, charts, files = await view(fake, mod, guild)

    assert "Members started: **14** · completion **93%**" in embed["description"]
    funnel = fields(embed)["Funnel (members)"]
    assert (
        "Started: **14**" in funnel and "Completed: **13 (93%)**" in funnel and "Active: **1 (7%)**" in funnel
    )
    split = fields(embed)["Outcome split (latest result)"]
    # ML (5) is not small: it is hidden only so Both paths (2) can't be read as 13 - 6 - 5.
    assert split.splitlines() == [
        "AI Engineer: **6 (46%)**",
        "ML Engineer: **hidden**",
        "Both paths: **< 5**",
    ]
    assert fields(embed)[WEEKS].endswith("**13**")  # the week's finishers: the completed total
    assert "'hidden' means 5 or more" in embed["footer"]["text"]

    outcome_bars = charts["outcomes.png"]
    assert outcome_bars["AI Engineer"]["value"] == 6
    assert outcome_bars["ML Engineer"] == {"label": "ML Engineer", "value": None, "hidden": "hidden"}
    assert outcome_bars["Both paths"] == {"label": "Both paths", "value": None, "hidden": "< 5"}
    assert charts["funnel.png"]["Completed"]["value"] == 13

    outcomes = {r["outcome"]: (r["members"], r["share_of_completed"]) for r in files["outcomes.csv"]}
    assert outcomes == {"ai": ("6", "0.462"), "ml": ("hidden", ""), "hybrid": ("< 5", "")}
    assert [r["members_finished"] for r in files["finished_by_week.csv"]] == ["13", "13"]
    rows = {r["stage"]: r["members"] for r in files["funnel.csv"]}
    assert (rows["started"], rows["completed"], rows["active"]) == ("14", "13", "1")


async def _shift_back(database: Path | str, seconds: float) -> None:
    """Move the whole history back in time, as if it had happened last week (the bot is stopped).
    The rollups are rebuilt from the moved rows, as the history they would have had."""
    storage = Storage(database)
    await storage.open()
    try:
        async with storage._tx() as tx:
            await tx.execute(
                "UPDATE quiz_sessions SET started_at = started_at - ?, updated_at = updated_at - ?,"
                " finished_at = finished_at - ?",
                (seconds, seconds, seconds),
            )
            await tx.execute("UPDATE quiz_answers SET answered_at = answered_at - ?", (seconds,))
            await tx.execute(
                "UPDATE quiz_results SET started_at = started_at - ?, completed_at = completed_at - ?",
                (seconds, seconds),
            )
            await rebuild(tx, storage.dialect.name)
    finally:
        await storage.close()


async def test_a_member_finishing_between_two_summaries_changes_nothing(
    fake: FakeDiscord, runner: BotRunner
) -> None:
    guild, mod, members = await community(fake, SEVEN)
    await runner.start()
    await asyncio.gather(*(take(fake, guild, m, p) for m, p in zip(members, SEVEN, strict=False)))
    await runner.stop()
    await _shift_back(runner.db_path, WEEK)  # the seven finished last week
    await runner.start()  # default STATS_UP_TO=last-week
    before = await view(fake, mod, guild)
    assert "Members started: **7**" in before[0]["description"]
    assert "this week appears next Monday" in before[0]["description"]

    late = members[7]
    await take(fake, guild, late, HYBRID_PATH)
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_results WHERE user_id = ?", (late.id,)) == [
        (1,)
    ]
    await runner.restart()  # a fresh StatsService: nothing is served from a cache
    after = await view(fake, mod, guild)
    assert after == before  # embed, every chart bar and every CSV cell: nothing about them shows


async def test_summary_leads_with_change_and_names_where_members_stop(
    fake: FakeDiscord, runner: BotRunner
) -> None:
    guild, mod, members = await community(fake, SEVEN + [AI_PATH] * 5)
    await runner.start(stats_up_to="now")
    await asyncio.gather(*(take(fake, guild, m, p) for m, p in zip(members, SEVEN, strict=False)))
    await runner.stop()
    await _shift_back(runner.db_path, 10 * 86400.0)  # these seven took it 10 days ago: the previous 7 days
    await runner.start(stats_up_to="now")
    await asyncio.gather(*(take(fake, guild, m, AI_PATH) for m in members[7:11]))
    await fake.invoke(members[11], "careerquiz", guild=guild)  # one cancels at the third question
    dm = await answer_all(fake, members[11], await fake.wait_dm(members[11]), [0, 0])
    await fake.click(members[11], dm, nav_id(dm, "cancel"))
    res = await fake.invoke(mod, "quizstats summary", guild=guild, options={"period": "7d"})
    text = res.embeds[0]["description"]
    assert (
        "**Compared with the previous 7 days:** members started 5 (▼ 2) · completion 80% (▼ 20 pts)" in text
    )
    assert "AI Engineer" not in text  # shares under k are not shown, so no change of them either
    third = runner.content.quiz.questions[2].prompt
    assert f"**Most who stop do so at:** {third} (1 of 1 who stopped)" in text
