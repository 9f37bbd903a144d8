"""The moderator's stats surface through the fake: the question menu answers in place from the summary
it sits under, every chart carries alt text with its numbers, a failing menu gets a reference, empty
weeks are left out, and a member's /careerbot forget reaches the next summary at once."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

from cogs.stats._select import OUT_OF_DATE, QuestionSelect
from fakediscord import FakeDiscord
from fakediscord.interactions import InteractionResult
from tests.conftest import BotRunner
from tests.quiz_paths import AI_PATH, HYBRID_PATH, ML_PATH, answer_all, db_rows, nav_id
from tests.test_e2e_stats_views import FOURTEEN, SEVEN, WEEK, WEEKS, _shift_back, community, fields, take


def menu(res: InteractionResult) -> dict[str, Any]:
    return next(c for row in res.components for c in row["components"] if c["type"] == 3)


def described(res: InteractionResult) -> dict[str, str | None]:
    return {a.filename: a.description for a in res.attachments}


async def fourteen(fake: FakeDiscord, runner: BotRunner) -> tuple[Any, Any, list[Any]]:
    """13 finished (AI 6 shown, ML 5 hidden only to protect Both paths 2), the 14th stopped early."""
    guild, mod, members = await community(fake, FOURTEEN)
    await runner.start(stats_up_to="now")
    await asyncio.gather(*(take(fake, guild, m, p) for m, p in zip(members, FOURTEEN, strict=False)))
    await fake.invoke(members[13], "careerquiz", guild=guild)
    await answer_all(fake, members[13], await fake.wait_dm(members[13]), [0, 0])
    return guild, mod, members


async def test_charts_carry_alt_text_with_their_numbers(fake: FakeDiscord, runner: BotRunner) -> None:
    guild, mod, _ = await fourteen(fake, runner)
    res = await fake.invoke(mod, "quizstats summary", guild=guild, options={"period": "all"})
    # Thirteen quizzes finished within seconds: in whole minutes that is "under 1 min", never "0.0 min".
    assert res.embeds[0]["description"].splitlines()[0].endswith("median time to a result **under 1 min**")
    alt = described(res)
    assert alt["outcomes.png"] == (
        "Bar chart: Quiz results, all time, in members (each member's latest result): "
        "AI Engineer: 6 members; ML Engineer: hidden, to protect a small count; "
        "Both paths: fewer than 5 (too few to show)."
    )
    funnel = alt["funnel.png"]
    assert funnel is not None and "Started: 14 members; Completed: 13 members; Active: 1 member;" in funnel
    # A protective cell (5 or more) is never described as small, anywhere.
    assert "ML Engineer: fewer" not in str(alt) and "hybrid" not in str(alt).lower()


async def test_question_menu_answers_in_place_from_the_summary_above(
    fake: FakeDiscord, runner: BotRunner
) -> None:
    guild, mod, _ = await fourteen(fake, runner)
    res = await fake.invoke(mod, "quizstats summary", guild=guild, options={"period": "all"})
    summary_embed = res.embeds[0]
    # Someone finishes after the summary: the menu keeps to the figures of the summary it sits under.
    late = fake.add_user("late")
    fake.add_member(guild, late)
    await take(fake, guild, late, AI_PATH)
    chosen = await fake.select(mod, res, menu(res)["custom_id"], ["work-style"])
    assert chosen.message is res.message and chosen.callback_type == 7  # edited in place, no new message
    assert chosen.embeds[0] == summary_embed  # the summary stays above
    question = chosen.embeds[1]
    assert question["title"].startswith("Which kind of work")
    assert "Building practical things people can use: **6 (46%)**" in question["description"]  # not 7
    alt = described(chosen)
    assert list(alt) == ["outcomes.png", "funnel.png", "question.png"]
    assert alt["outcomes.png"] == described(res)["outcomes.png"]  # kept as they were, not redrawn
    text = alt["question.png"]
    assert text is not None and text.startswith(
        "Bar chart: answers to “Which kind of work pulls you in more?”"
    )
    assert "Building practical things people can use: 6 members" in text
    # A second pick replaces the question below the summary; nothing piles up.
    again = await fake.select(mod, res, menu(res)["custom_id"], ["daily-work"])
    assert [e["title"] for e in again.embeds] == [summary_embed["title"], again.embeds[1]["title"]]
    assert [a.filename for a in again.attachments] == ["outcomes.png", "funnel.png", "question.png"]
    # A newer summary holds other figures: the old menu says so instead of mixing the two.
    await fake.invoke(mod, "quizstats summary", guild=guild, options={"period": "all"})
    stale = await fake.select(mod, res, menu(res)["custom_id"], ["work-style"])
    assert stale.ephemeral and stale.content == OUT_OF_DATE


async def test_a_failing_stats_menu_gets_a_reference(
    fake: FakeDiscord, runner: BotRunner, caplog: pytest.LogCaptureFixture
) -> None:
    guild, mod, _ = await fourteen(fake, runner)
    res = await fake.invoke(mod, "quizstats summary", guild=guild, options={"period": "all"})
    # The statistics cog goes away (a failed reload) while its menu still routes: the work fails.
    assert runner.bot is not None
    await runner.bot.remove_cog("QuizStats")
    with caplog.at_level(logging.ERROR):
        failed = await fake.select(mod, res, menu(res)["custom_id"], ["work-style"])
    assert failed.ephemeral and "Something went wrong" in failed.content
    ref = failed.content.split("`")[1]
    logged = [r.getMessage() for r in caplog.records if "interaction failed" in r.getMessage()]
    assert len(ref) == 6 and logged and ref in logged[0] and "qst:all:" in logged[0]
    assert len(res.embeds) == 1  # the summary is left as it was


async def test_a_non_moderator_gets_the_plain_refusal(fake: FakeDiscord, runner: BotRunner) -> None:
    guild, mod, members = await fourteen(fake, runner)
    res = await fake.invoke(mod, "quizstats summary", guild=guild, options={"period": "all"})
    refused = await fake.select(members[0], res, menu(res)["custom_id"], ["work-style"], forge=True)
    assert refused.ephemeral and "Only this server's moderators" in refused.content
    assert not refused.embeds and len(res.embeds) == 1  # the moderator's message is untouched


async def test_forget_reaches_the_next_summary_at_once(fake: FakeDiscord, runner: BotRunner) -> None:
    guild, mod, members = await community(fake, SEVEN)
    await runner.start()
    await asyncio.gather(*(take(fake, guild, m, p) for m, p in zip(members, SEVEN, strict=False)))
    await runner.stop()
    await _shift_back(
        Path(runner.db_path), WEEK
    )  # last week's: counted under the default STATS_UP_TO=last-week
    await runner.start()
    before = await fake.invoke(mod, "quizstats summary", guild=guild, options={"period": "all"})
    assert "Members started: **7**" in before.embeds[0]["description"]
    assert fields(before.embeds[0])["Funnel (members)"].startswith("Started: **7**\nCompleted: **7")

    gone = members[6]  # the one "Both paths" result
    asked = await fake.invoke(gone, "careerbot forget")
    done = await fake.click(gone, asked, asked.custom_ids()[0])
    await done.wait_followups(1)
    assert "statistics no longer count you" in done.followups[0].content
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_results WHERE user_id = ?", (gone.id,)) == [
        (0,)
    ]

    after = await fake.invoke(mod, "quizstats summary", guild=guild, options={"period": "all"})
    assert "Members started: **6**" in after.embeds[0]["description"]  # not the cached 7
    assert fields(after.embeds[0])["Funnel (members)"].startswith("Started: **6**\nCompleted: **6")
    # The old message's menu no longer serves the figures that counted them.
    stale = await fake.select(mod, before, menu(before)["custom_id"], ["work-style"])
    assert stale.ephemeral and stale.content == OUT_OF_DATE


async def test_empty_weeks_are_left_out_and_the_draw_is_both_paths(
    fake: FakeDiscord, runner: BotRunner
) -> None:
    early, late = [AI_PATH, ML_PATH, HYBRID_PATH], [AI_PATH] * 4
    guild, mod, members = await community(fake, early + late)
    await runner.start(stats_up_to="now")
    await asyncio.gather(*(take(fake, guild, m, p) for m, p in zip(members, early, strict=False)))
    await runner.stop()
    await _shift_back(Path(runner.db_path), 3 * WEEK)  # three weeks ago, then two weeks with nobody
    await runner.start(stats_up_to="now")
    await asyncio.gather(*(take(fake, guild, m, p) for m, p in zip(members[3:], late, strict=False)))
    res = await fake.invoke(mod, "quizstats summary", guild=guild, options={"period": "all"})
    rows = fields(res.embeds[0])[WEEKS].splitlines()
    assert [row.split("**")[1] for row in rows] == ["3", "4"]  # no "0" rows for the empty weeks
    seen = str(res.embeds) + str(described(res))
    assert "Both paths" in seen and "hybrid" not in seen.lower()
    chosen = await fake.select(mod, res, menu(res)["custom_id"], ["work-style"])
    assert "hybrid" not in (str(chosen.embeds) + str(described(chosen))).lower()


async def test_small_and_empty_periods_read_true(fake: FakeDiscord, runner: BotRunner) -> None:
    guild, mod, members = await community(fake, [AI_PATH])
    await runner.start(stats_up_to="now")
    empty = await fake.invoke(mod, "quizstats summary", guild=guild, options={"period": "7d"})
    text = empty.embeds[0]["description"]
    assert text == "Members started: **0** · nobody took the quiz in this period"  # no "hidden", no "= 0"
    await take(fake, guild, members[0], AI_PATH)
    await fake.invoke(members[1], "careerquiz", guild=guild)  # the second cancels at the third question
    dm = await answer_all(fake, members[1], await fake.wait_dm(members[1]), [0, 0])
    await fake.click(members[1], dm, nav_id(dm, "cancel"))
    res = await fake.invoke(mod, "quizstats summary", guild=guild, options={"period": "7d"})
    lead = res.embeds[0]["description"].splitlines()[0]
    # One result has no median to hide: it is not shown because there are too few, and says so.
    assert lead == (
        "Members started: **2** · completion **50%** · median time to a result not shown for fewer than 5 results"
    )
    # The share is of those who stopped; the one still active is not counted there, and the title says so.
    stopped = fields(res.embeds[0])[
        "Where quizzes stopped (share of those cancelled, started over or timed out)"
    ]
    assert stopped.endswith(": **1 member (100%)**")


async def test_an_unknown_stats_menu_id_is_answered_in_stats_words(
    fake: FakeDiscord, runner: BotRunner
) -> None:
    guild, mod, _ = await community(fake, [])
    await runner.start(stats_up_to="now")
    res = await fake.invoke(mod, "quizstats summary", guild=guild, options={"period": "all"})
    forged = await fake.click(mod, res, "qst:forever", forge=True)  # a forged id comes as a click
    assert forged.ephemeral and forged.content == QuestionSelect.stale
    assert "/careerquiz" not in forged.content
