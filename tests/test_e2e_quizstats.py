"""/quizstats end to end: real quizzes taken through the fake, then what moderators see."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import struct
from typing import Any

import pytest

from fakediscord import FakeDiscord
from fakediscord.permissions import MANAGE_GUILD
from tests.conftest import BotRunner
from tests.quiz_paths import AI_PATH, HYBRID_PATH, ML_PATH, answer_all

BOTH_BACKENDS = True  # the runner fixture runs each test on SQLite and on PostgreSQL


def png_ok(data: bytes) -> bool:
    return data[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", data[16:24])[0] > 100


async def take(fake: FakeDiscord, guild: Any, user: Any, path: list[int]) -> None:
    await fake.invoke(user, "careerquiz", guild=guild)
    await answer_all(fake, user, await fake.wait_dm(user), path)


@pytest.fixture
async def community(fake: FakeDiscord, runner: BotRunner) -> dict[str, Any]:
    """Guild A: 6 AI, 5 ML, 2 hybrid results and 1 quiz left after two answers. Guild B: 1 AI result."""
    a, b = fake.add_guild(name="A"), fake.add_guild(name="B")
    mods = fake.add_role(a, "Mods", permissions=MANAGE_GUILD)
    mod_a, mod_b = fake.add_user("mod-a"), fake.add_user("mod-b")
    fake.add_member(a, mod_a, roles=[mods])
    fake.add_member(b, mod_b, owner=True)
    members = [fake.add_user(f"m{i}") for i in range(14)]
    for m in members:
        fake.add_member(a, m)
    outsider = fake.add_user("outsider")
    fake.add_member(b, outsider)
    await runner.start(stats_up_to="now")
    paths = [AI_PATH] * 6 + [ML_PATH] * 5 + [HYBRID_PATH] * 2
    await asyncio.gather(*(take(fake, a, m, p) for m, p in zip(members, paths, strict=False)))
    await fake.invoke(members[13], "careerquiz", guild=a)
    await answer_all(fake, members[13], await fake.wait_dm(members[13]), [0, 0])
    await take(fake, b, outsider, AI_PATH)
    return {"a": a, "b": b, "mod_a": mod_a, "mod_b": mod_b, "members": members, "outsider": outsider}


def fields(embed: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in embed["fields"]}


async def test_summary_shows_aggregates_with_suppression(
    fake: FakeDiscord, community: dict[str, Any]
) -> None:
    res = await fake.invoke(
        community["mod_a"], "quizstats summary", guild=community["a"], options={"period": "all"}
    )
    assert res.ephemeral
    embed = res.embeds[0]
    assert "Members started: **14**" in embed["description"]
    split = fields(embed)["Outcome split (latest result)"]
    assert "AI Engineer: **6 (46%)**" in split
    # Hybrid (2) is under k=5; ML (5) is hidden with it, or 13 - 6 would give hybrid away. ML is
    # not small, so it reads "hidden" (never "< 5"), and the footer says what that means.
    assert "Both paths: **< 5**" in split and "ML Engineer: **hidden**" in split
    assert "'hidden' means 5 or more" in embed["footer"]["text"]
    funnel = fields(embed)["Funnel (members)"]
    assert "Completed: **13" in funnel and "Started: **14" in funnel
    names = [a.filename for a in res.attachments]
    assert names == ["outcomes.png", "funnel.png"] and all(png_ok(a.data) for a in res.attachments)
    select = next(c for row in res.components for c in row["components"] if c["type"] == 3)
    chosen = await fake.select(community["mod_a"], res.message, select["custom_id"], ["work-style"])
    assert chosen.embeds[-1]["title"].startswith("Which kind of work")  # in place, under the summary
    assert "Building practical things people can use: **6" in chosen.embeds[-1]["description"]
    assert png_ok(chosen.attachments[-1].data)


async def test_moderator_of_b_never_sees_a(fake: FakeDiscord, community: dict[str, Any]) -> None:
    res = await fake.invoke(
        community["mod_b"], "quizstats summary", guild=community["b"], options={"period": "all"}
    )
    text = str(res.embeds[0])
    # One member: that they took part shows (activity), what they got does not.
    assert "Members started: **1**" in text
    assert "AI Engineer: **< 5**" in text and "14" not in text and "46%" not in text


async def test_non_moderator_is_refused(fake: FakeDiscord, community: dict[str, Any]) -> None:
    member = community["members"][0]
    res = await fake.invoke(member, "quizstats summary", guild=community["a"], bypass_client_checks=True)
    assert "Only this server's moderators" in res.content and not res.embeds and not res.attachments


async def test_export_csvs_parse_match_and_hold_no_ids(fake: FakeDiscord, community: dict[str, Any]) -> None:
    res = await fake.invoke(
        community["mod_a"], "quizstats export", guild=community["a"], options={"period": "all"}
    )
    files = {a.filename: a.data.decode() for a in res.attachments}
    assert {"funnel.csv", "outcomes.csv", "finished_by_week.csv", "questions.csv", "summary.csv"} <= set(
        files
    )
    funnel = {row["stage"]: row["members"] for row in csv.DictReader(io.StringIO(files["funnel.csv"]))}
    assert funnel["started"] == "14" and funnel["completed"] == "13"
    weekly = list(csv.DictReader(io.StringIO(files["finished_by_week.csv"])))
    outcomes = {r["outcome"]: r["members"] for r in csv.DictReader(io.StringIO(files["outcomes.csv"]))}
    assert outcomes == {"ai": "6", "ml": "hidden", "hybrid": "< 5"}
    assert [r["members_finished"] for r in weekly] == ["13", "13"]  # the week, and "all"
    everything = "\n".join(files.values())
    ids = [m.id for m in community["members"]] + [community["outsider"].id]
    assert not any(str(i) in everything for i in ids), "no member ids, pseudonymous or not"
    assert not re.search(r"\d{2}:\d{2}", everything), "no time of day: weeks at the finest"
    for row in weekly[:-1]:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["week_start"])


async def test_faq_review_groups_declined_questions(fake: FakeDiscord, community: dict[str, Any]) -> None:
    a = community["a"]
    asked = [
        "how do I install CUDA",
        "How do I install cuda?",
        "best pizza in town",
        "how much do data scientists make compared to ml engineers",
    ]
    for i, q in enumerate(asked):
        await fake.invoke(community["members"][i], "faq", guild=a, options={"question": q})
    res = await fake.invoke(community["mod_a"], "quizstats faq", guild=a)
    # Near-topic gaps and off-topic noise are listed apart (the answerer's nearness decides).
    gaps = fields(res.embeds[0])["Questions members asked that the FAQ could answer better"]
    assert gaps.startswith("**< 5×** no answer given") and "data scientists" in gaps and "closest" in gaps
    noise = fields(res.embeds[0])["Off-topic, not for this bot"]
    first = noise.splitlines()[0]
    assert first.startswith("**< 5×**") and "cuda" in first.lower()
    assert "pizza" in noise and "pizza" not in gaps
    assert "faq.yaml" not in str(res.embeds[0])


async def test_by_default_this_weeks_activity_is_not_shown(
    fake: FakeDiscord, runner: BotRunner, community: dict[str, Any]
) -> None:
    await runner.restart()  # the default STATS_UP_TO=last-week
    res = await fake.invoke(
        community["mod_a"], "quizstats summary", guild=community["a"], options={"period": "all"}
    )
    embed = res.embeds[0]
    assert "Members started: **14**" not in embed["description"]
    assert "AI Engineer: **6" not in str(embed["fields"])
    assert re.search(
        r"Figures up to Monday \d\d \w{3} \d{4}, 00:00 UTC; this week appears next Monday",
        embed["description"],
    )
