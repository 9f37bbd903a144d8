"""Issue 9, the quiz buttons' faults, driven through the fake: forged and outdated custom ids, a click
on a stale question after a late answer (10062), a rate-limit storm on the DM, and the shared guard."""

from __future__ import annotations

from typing import Any

import pytest

from bot.client import EXTENSIONS
from fakediscord import FakeDiscord
from tests.conftest import BotRunner
from tests.quiz_paths import AI_PATH, answer_all, db_rows, option_ids

NO_LONGER_WORKS = "This button no longer works. Run /careerquiz to continue."


async def start_quiz(fake: FakeDiscord, guild: Any, user: Any) -> Any:
    res = await fake.invoke(user, "careerquiz", guild=guild)
    assert "Check your DMs" in res.content
    return await fake.wait_dm(user)


@pytest.mark.parametrize(
    "custom_id",
    [
        "cq:" + "9" * 80 + ":role-focus:build",  # past 64-bit: raised OverflowError before
        "cqn:" + "1" * 25 + ":back",
        "cqr:1:frobnicate",  # a prefix of ours, an action no button has (an old layout)
        "cqs:pause:1",
        "cbf:not-a-number",
    ],
)
async def test_a_custom_id_no_button_answers_gets_a_clear_refusal(
    fake: FakeDiscord, runner: BotRunner, member: tuple[Any, Any], custom_id: str
) -> None:
    guild, alice = member
    await runner.start()
    dm = await start_quiz(fake, guild, alice)
    res = await fake.click(alice, dm, custom_id, forge=True)
    assert res.error is None
    assert res.ephemeral and res.content == NO_LONGER_WORKS
    # Nothing changed: the quiz message still shows question 1, no answer stored.
    assert dm.embeds[0]["title"].endswith("Question 1 of 13") and not dm.edits
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_answers")[0][0] == 0


async def test_a_valid_id_not_shown_on_the_message_is_answered_too(
    fake: FakeDiscord, runner: BotRunner, member: tuple[Any, Any]
) -> None:
    """discord.py ignores a click whose component the message does not show; we still reply."""
    guild, alice = member
    await runner.start()
    dm = await start_quiz(fake, guild, alice)
    res = await fake.click(alice, dm, "cqr:1:share", forge=True)
    assert res.ephemeral and res.content == NO_LONGER_WORKS


async def test_a_click_on_a_stale_question_shows_the_latest_one(
    fake: FakeDiscord, runner: BotRunner, member: tuple[Any, Any]
) -> None:
    guild, alice = member
    await runner.start()
    dm = await start_quiz(fake, guild, alice)
    dm = await answer_all(fake, alice, dm, AI_PATH[:2])
    assert dm.embeds[0]["title"].endswith("Question 3 of 13")
    stale_ids = option_ids(dm)
    # The third answer reaches Discord too late to edit the message (10062): the DM still shows Q3.
    fake.interaction_ack_timeout = 0.0
    late = await fake.click(alice, dm, stale_ids[0], expect_followup=False)
    assert late.error is not None and late.error.code == 10062
    fake.interaction_ack_timeout = 3.0
    await fake.settle()
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_answers")[0][0] == 3
    shown = fake.dm_messages(alice)[-1]
    assert shown.embeds[0]["title"].endswith("Question 3 of 13"), "the late edit never landed"
    # The member clicks another option of that stale question: they are brought to question 4.
    res = await fake.click(alice, shown, stale_ids[1])
    assert res.error is None and res.callback_type == 7, "the click edits the message in place"
    embed = res.message.embeds[0]
    assert embed["title"].endswith("Question 4 of 13")
    assert "earlier question" in embed["description"]
    assert "belongs to another question" not in str(res.content)
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_answers")[0][0] == 3, "no answer changed"
    # And the quiz carries on from there.
    res = await fake.click(alice, res.message, option_ids(res.message)[0])
    assert res.message.embeds[0]["title"].endswith("Question 5 of 13")


async def test_a_rate_limit_storm_on_the_dm_says_the_quiz_is_saved(
    fake: FakeDiscord, runner: BotRunner, member: tuple[Any, Any]
) -> None:
    guild, alice = member
    await runner.start()
    dm_channel = fake.dm_channel(alice)
    # discord.py tries a request five times on 429 before giving up.
    fake.fail_next("POST", f"/channels/{dm_channel.id}/messages", status=429, n=5, retry_after=0.01)
    res = await fake.invoke(alice, "careerquiz", guild=guild)
    assert res.ephemeral
    assert "Your quiz is saved" in res.content and "/careerquiz" in res.content
    assert "Something went wrong" not in res.content
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_sessions WHERE status = 'active'")[0][0] == 1
    # Once Discord calms down, /careerquiz offers to resume the same session.
    res = await fake.invoke(alice, "careerquiz", guild=guild)
    assert "Resume it, or start over?" in res.content


async def test_a_failing_button_gets_a_reference(
    fake: FakeDiscord, runner: BotRunner, caplog: pytest.LogCaptureFixture
) -> None:
    alice, bob = fake.add_user("alice"), fake.add_user("bob")
    await runner.start_with(extensions=(*EXTENSIONS, "tests.e2e_support.failing_cog"))
    shown = await fake.invoke(alice, "explode-button")
    res = await fake.click(alice, shown, shown.custom_ids()[0])
    assert res.ephemeral and "Something went wrong" in res.content
    ref = res.content.split("`")[1]
    assert len(ref) == 6
    logged = [r.getMessage() for r in caplog.records if "interaction failed" in r.getMessage()]
    assert logged and ref in logged[0] and "cbx:" in logged[0]
    # Ownership is checked before the work runs: someone else gets a refusal, not an error.
    res = await fake.click(bob, shown, shown.custom_ids()[0], forge=True)
    assert res.ephemeral and res.content == "This button belongs to someone else."
    assert len([r for r in caplog.records if "interaction failed" in r.getMessage()]) == 1
