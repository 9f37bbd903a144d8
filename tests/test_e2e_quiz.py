"""/careerquiz end to end: the real bot, the loopback fake Discord, a real SQLite file and a real
PostgreSQL schema (each test runs on both)."""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass
from typing import Any

import pytest

from bot.content import OUTCOME_NAMES, Content
from fakediscord import FakeDiscord
from tests.conftest import BotRunner, hold_database
from tests.quiz_paths import (
    AI_BY_TIEBREAK,
    AI_PATH,
    HYBRID_PATH,
    ML_PATH,
    answer_all,
    db_rows,
    nav_id,
    option_ids,
)

BOTH_BACKENDS = True


@dataclass
class World:
    guild: Any
    alice: Any
    bob: Any


@pytest.fixture
def world(fake: FakeDiscord) -> World:
    guild = fake.add_guild(name="Career Hub")
    alice, bob = fake.add_user("alice"), fake.add_user("bob")
    fake.add_member(guild, alice)
    fake.add_member(guild, bob)
    return World(guild, alice, bob)


async def start_quiz(fake: FakeDiscord, world: World, user: Any | None = None) -> Any:
    user = user or world.alice
    res = await fake.invoke(user, "careerquiz", guild=world.guild)
    assert res.ephemeral
    assert "Check your DMs" in res.content
    dm = await fake.wait_dm(user)
    assert str(dm.id) in res.content, "the reply links to the DM message"
    return dm


def field(embed: dict[str, Any], name: str) -> str:
    return next(f["value"] for f in embed["fields"] if f["name"] == name)


async def test_whole_journey_from_a_server(
    fake: FakeDiscord, runner: BotRunner, world: World, content: Content
) -> None:
    await runner.start()
    dm = await start_quiz(fake, world)
    embed = dm.embeds[0]
    assert embed["title"] == "Career quiz · Question 1 of 13"
    assert content.quiz.questions[0].prompt in embed["description"]
    assert "0%" in field(embed, "Progress")
    shown = [b["label"] for b in dm.components[0]["components"]]
    assert sorted(shown) == sorted(o.label for o in content.quiz.questions[0].options)
    assert "footer" not in embed, "nothing tells which end of the scale an option sits on"
    # Answer four, check progress and persistence as we go.
    dm = await answer_all(fake, world.alice, dm, AI_PATH[:4])
    assert dm.embeds[0]["title"] == "Career quiz · Question 5 of 13"
    assert "31%" in field(dm.embeds[0], "Progress")
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_answers")[0][0] == 4
    final = await answer_all(fake, world.alice, dm, AI_PATH[4:])
    result = final.embeds[0]
    assert result["title"] == "Your result: AI Engineer"
    text = result["description"]
    # The AI end of every question is as far as answers can lean towards AI Engineer: 100%, not less.
    assert "Your answers lean 100% towards AI Engineer." in text and "/100" not in text
    assert "AI Engineer ▰▰▰▰▰▰▰▰▰▰│▱▱▱▱▱▱▱▱▱▱ ML Engineer" in text
    assert text.split("**What decided it**")[1].split("**Salary band**")[0].count("•") == 3
    assert "$110-160k" in text and "$120-180k" not in text and "§" not in text
    # The band carries the article's qualifier, as the Salary details button does.
    assert "• AI Engineer: $110-160k at research-focused companies" in text
    assert len(text) <= 1100 and not result.get("fields")
    labels = [b["label"] for row in final.components for b in row["components"]]
    assert labels == [
        "Why",
        "Skills to learn",
        "Salary details",
        "More questions",
        "Share to server",
        "Compare salaries",
        "Retake",
    ]
    # The details answer in place, naming article sections by title.
    why = await fake.click(world.alice, final, next(c for c in final.custom_ids() if c.endswith(":why")))
    assert why.ephemeral and why.embeds[0]["title"] == "Why this result"
    assert "“Should I Become an AI Engineer or Machine Learning Engineer?”" in why.embeds[0]["description"]
    assert "§" not in why.embeds[0]["description"] and "Switching later" in why.embeds[0]["description"]
    pay = await fake.click(world.alice, final, next(c for c in final.custom_ids() if c.endswith(":salary")))
    body = pay.embeds[0]["description"]
    assert "$110-160k" in body and "Both ranges" not in body and body.count("research-focused") == 1
    rows = db_rows(
        runner.db_path,
        "SELECT s.status, s.guild_id, r.outcome, r.fit_ai, r.fit_ml, r.quiz_version,"
        " (SELECT count(*) FROM quiz_answers a WHERE a.session_id = s.id)"
        " FROM quiz_sessions s JOIN quiz_results r ON r.session_id = s.id",
    )
    assert rows == [("completed", world.guild.id, "ai", 100, 0, content.quiz_version, 13)]


async def test_ml_outcome_names_sections_and_band(fake: FakeDiscord, runner: BotRunner, world: World) -> None:
    await runner.start()
    final = await answer_all(fake, world.alice, await start_quiz(fake, world), ML_PATH)
    result = final.embeds[0]
    assert result["title"] == "Your result: ML Engineer"
    assert "$120-180k" in result["description"] and "$110-160k" not in result["description"]
    assert "• ML Engineer: $120-180k at research-focused companies" in result["description"]
    assert "lean 100% towards ML Engineer" in result["description"]
    skills = await fake.click(
        world.alice, final, next(c for c in final.custom_ids() if c.endswith(":skills"))
    )
    assert skills.embeds[0]["description"].count("•") >= 3
    assert db_rows(runner.db_path, "SELECT outcome FROM quiz_results") == [("ml",)]


async def test_hybrid_comes_through_labelled_tiebreaks(
    fake: FakeDiscord, runner: BotRunner, world: World
) -> None:
    await runner.start()
    dm = await answer_all(fake, world.alice, await start_quiz(fake, world), HYBRID_PATH[:13])
    assert dm.embeds[0]["title"] == "Career quiz · Tie-break 1 of 3"
    dm = await answer_all(fake, world.alice, dm, HYBRID_PATH[13:14])
    assert dm.embeds[0]["title"] == "Career quiz · Tie-break 2 of 3"
    final = await answer_all(fake, world.alice, dm, HYBRID_PATH[14:])
    result = final.embeds[0]
    assert result["title"] == f"Your result: {OUTCOME_NAMES['hybrid']}"
    band = result["description"]
    assert "$110-160k" in band and "$120-180k" in band and "both paths are open to you" in band
    assert len(band) <= 1100
    skills = await fake.click(
        world.alice, final, next(c for c in final.custom_ids() if c.endswith(":skills"))
    )
    assert "Try each" in skills.embeds[0]["description"]
    faq = await fake.click(world.alice, final, next(c for c in final.custom_ids() if c.endswith(":faq")))
    assert faq.embeds[0]["description"].count("•") == 3
    assert db_rows(runner.db_path, "SELECT outcome FROM quiz_results") == [("hybrid",)]
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_answers")[0][0] == 16


async def test_tiebreaks_can_settle_it(fake: FakeDiscord, runner: BotRunner, world: World) -> None:
    await runner.start()
    final = await answer_all(fake, world.alice, await start_quiz(fake, world), AI_BY_TIEBREAK)
    assert final.embeds[0]["title"] == "Your result: AI Engineer"


async def test_restart_mid_quiz_loses_nothing(fake: FakeDiscord, runner: BotRunner, world: World) -> None:
    await runner.start()
    dm = await answer_all(fake, world.alice, await start_quiz(fake, world), AI_PATH[:5])
    assert dm.embeds[0]["title"] == "Career quiz · Question 6 of 13"
    await runner.restart()  # a new CareerBot process-equivalent on the same database
    res = await fake.click(world.alice, dm, option_ids(dm)[0])
    assert res.message.embeds[0]["title"] == "Career quiz · Question 7 of 13"
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_answers")[0][0] == 6


async def test_a_slow_click_is_acknowledged_before_discords_deadline(
    fake: FakeDiscord, runner: BotRunner, world: World
) -> None:
    await runner.start()
    dm = await start_quiz(fake, world)
    # Hold the database for longer than the bot's 2 s budget: the click must be deferred, then edited.
    async with hold_database(runner):
        click = asyncio.create_task(fake.click(world.alice, dm, option_ids(dm)[0], timeout=10))
        await asyncio.sleep(2.5)
    res = await click
    assert res.error is None and res.callback_type == 6
    assert res.message.embeds[0]["title"].endswith("Question 2 of 13")


async def test_double_click_records_one_answer(fake: FakeDiscord, runner: BotRunner, world: World) -> None:
    await runner.start()
    dm = await start_quiz(fake, world)
    as_first_seen = copy.deepcopy(dm)  # the message as the member's client showed it
    first = option_ids(dm)[1]
    a, b = await asyncio.gather(fake.click(world.alice, dm, first), fake.click(world.alice, dm, first))
    assert {a.error, b.error} == {None}
    # A replay of the same interaction payload later changes nothing either, and is still answered.
    replay = await fake.click(world.alice, as_first_seen, first)
    assert replay.error is None and replay.message.embeds[0]["title"].endswith("Question 2 of 13")
    assert db_rows(runner.db_path, "SELECT question_id, option_id FROM quiz_answers") == [
        ("work-style", first.split(":")[3])
    ]
    assert db_rows(runner.db_path, "SELECT position FROM quiz_sessions") == [(1,)]


async def test_forged_click_by_another_member_is_refused(
    fake: FakeDiscord, runner: BotRunner, world: World
) -> None:
    await runner.start()
    dm = await start_quiz(fake, world)
    res = await fake.click(world.bob, dm, option_ids(dm)[0], forge=True)
    assert res.ephemeral and "belongs to someone else" in res.content
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_answers")[0][0] == 0
    assert fake.dm_messages(world.alice)[-1].embeds[0]["title"].endswith("Question 1 of 13")


async def test_back_then_a_different_answer_counts(
    fake: FakeDiscord, runner: BotRunner, world: World
) -> None:
    await runner.start()
    dm = await answer_all(fake, world.alice, await start_quiz(fake, world), [0, 0])
    res = await fake.click(world.alice, dm, nav_id(dm, "back"))
    dm = res.message
    assert dm.embeds[0]["title"].endswith("Question 2 of 13")
    assert "Your earlier answer" in dm.embeds[0]["description"]
    dm = await answer_all(fake, world.alice, dm, [3])
    assert dm.embeds[0]["title"].endswith("Question 3 of 13")
    assert db_rows(runner.db_path, "SELECT option_id FROM quiz_answers WHERE question_id = 'daily-work'") == [
        ("train",)
    ]


async def test_cancel_marks_the_session_cancelled(fake: FakeDiscord, runner: BotRunner, world: World) -> None:
    await runner.start()
    dm = await answer_all(fake, world.alice, await start_quiz(fake, world), [0])
    res = await fake.click(world.alice, dm, nav_id(dm, "cancel"))
    assert res.message.embeds[0]["title"] == "Quiz cancelled" and res.message.components == []
    assert db_rows(runner.db_path, "SELECT status FROM quiz_sessions") == [("cancelled",)]


async def test_idle_session_expires(fake: FakeDiscord, runner: BotRunner, world: World) -> None:
    await runner.start(quiz_idle_hours=0.5 / 3600)  # half a second
    dm = await start_quiz(fake, world)
    await asyncio.sleep(0.7)
    res = await fake.click(world.alice, dm, option_ids(dm)[0])
    assert res.ephemeral and "expired" in res.content
    assert db_rows(runner.db_path, "SELECT status FROM quiz_sessions") == [("expired",)]


async def test_closed_dms_explain_and_the_channel_fallback_completes(
    fake: FakeDiscord, runner: BotRunner, world: World
) -> None:
    await runner.start()
    fake.close_dms(world.alice)
    res = await fake.invoke(world.alice, "careerquiz", guild=world.guild)
    assert res.ephemeral and "couldn't send you a DM" in res.content and "Privacy Settings" in res.content
    assert fake.dm_messages(world.alice) == []
    here = next(cid for cid in res.message.custom_ids() if cid.startswith("cqs:here:"))
    first = await fake.click(world.alice, res.message, here)
    assert first.ephemeral and first.embeds[0]["title"].endswith("Question 1 of 13")
    final = await answer_all(fake, world.alice, first.message, ML_PATH)
    assert final.embeds[0]["title"] == "Your result: ML Engineer" and final.ephemeral
    assert db_rows(runner.db_path, "SELECT mode, status, guild_id FROM quiz_sessions") == [
        ("channel", "completed", world.guild.id)
    ]
    # Exactly one DM attempt: the bot never retries a refused DM.
    sends = [r for r in fake.requests if r[0] == "POST" and r[2] == 403]
    assert len(sends) == 1


async def test_gateway_drop_mid_quiz_resumes(fake: FakeDiscord, runner: BotRunner, world: World) -> None:
    await runner.start()
    dm = await answer_all(fake, world.alice, await start_quiz(fake, world), [0, 0])
    await fake.drop_gateway()
    await fake.wait_resumed()
    dm = await answer_all(fake, world.alice, dm, [0])
    assert dm.embeds[0]["title"].endswith("Question 4 of 13")


async def test_active_session_offers_resume_or_start_over(
    fake: FakeDiscord, runner: BotRunner, world: World
) -> None:
    await runner.start()
    await answer_all(fake, world.alice, await start_quiz(fake, world), [0, 0, 0])
    res = await fake.invoke(world.alice, "careerquiz", guild=world.guild)
    assert "in progress (Question 4 of 13)" in res.content
    resume = next(cid for cid in res.message.custom_ids() if cid.startswith("cqs:resume:"))
    await fake.click(world.alice, res.message, resume)
    dm = await fake.wait_dm(world.alice, lambda m: "Question 4 of 13" in str(m.embeds))
    assert dm.embeds[0]["title"].endswith("Question 4 of 13")
    res = await fake.invoke(world.alice, "careerquiz", guild=world.guild)
    restart = next(cid for cid in res.message.custom_ids() if cid.startswith("cqs:restart:"))
    await fake.click(world.alice, res.message, restart)
    await fake.wait_dm(world.alice, lambda m: "Question 1 of 13" in str(m.embeds))
    assert db_rows(runner.db_path, "SELECT status FROM quiz_sessions ORDER BY id") == [
        ("abandoned",),
        ("active",),
    ]


async def test_quiz_started_in_dms_counts_for_no_guild(
    fake: FakeDiscord, runner: BotRunner, world: World
) -> None:
    await runner.start()
    res = await fake.invoke(world.alice, "careerquiz")
    assert not res.ephemeral and res.embeds[0]["title"].endswith("Question 1 of 13")
    final = await answer_all(fake, world.alice, res.message, AI_PATH)
    labels = [b["label"] for row in final.components for b in row["components"]]
    assert "Share to server" not in labels
    assert db_rows(runner.db_path, "SELECT guild_id FROM quiz_results") == [(None,)]


async def test_retake_shows_what_changed_and_myresult_repeats_it(
    fake: FakeDiscord, runner: BotRunner, world: World
) -> None:
    await runner.start()
    final = await answer_all(fake, world.alice, await start_quiz(fake, world), AI_PATH)
    retake = next(cid for cid in final.custom_ids() if cid.endswith(":retake"))
    res = await fake.click(world.alice, final, retake)
    second = await answer_all(fake, world.alice, res.message, ML_PATH)
    since = second.embeds[0]["description"]
    assert "**Since your last result** (AI Engineer): you changed 13 answers." in since
    why = await fake.click(world.alice, second, next(c for c in second.custom_ids() if c.endswith(":why")))
    assert "Changed since last time" in why.embeds[0]["description"] and "→" in why.embeds[0]["description"]
    mine = await fake.invoke(world.alice, "careerbot myresult", guild=world.guild)
    assert mine.ephemeral and mine.embeds[0]["title"] == "Your result: ML Engineer"


async def test_share_posts_a_card_without_pinging(fake: FakeDiscord, runner: BotRunner, world: World) -> None:
    await runner.start()
    final = await answer_all(fake, world.alice, await start_quiz(fake, world), AI_PATH)
    share = next(cid for cid in final.custom_ids() if cid.endswith(":share"))
    res = await fake.click(world.alice, final, share)
    assert "Shared in" in res.content
    posted = fake.channel_messages(world.guild.general.id)
    assert len(posted) == 1 and "AI Engineer" in posted[0].embeds[0]["description"]
    assert posted[0].allowed_mentions == {"parse": []} or posted[0].allowed_mentions.get("parse") == []


async def test_content_update_restarts_an_open_session_cleanly(
    fake: FakeDiscord, runner: BotRunner, world: World, content: Content
) -> None:
    await runner.start()
    dm = await answer_all(fake, world.alice, await start_quiz(fake, world), [0, 0])
    await runner.stop()
    await runner.start(content=content.model_copy(update={"quiz_version": "changedvers1"}))
    res = await fake.click(world.alice, dm, option_ids(dm)[0])
    assert res.message.embeds[0]["title"].endswith("Question 1 of 13")
    assert "quiz was updated" in res.message.embeds[0]["description"]
    assert db_rows(runner.db_path, "SELECT status, quiz_version FROM quiz_sessions ORDER BY id") == [
        ("abandoned", content.quiz_version),
        ("active", "changedvers1"),
    ]
