"""Issue 11 through the fake, as the member sees it: option order kept across a restart, and one live
quiz message after Resume or Start over."""

from __future__ import annotations

from typing import Any

from bot.content import OUTCOME_NAMES
from fakediscord import FakeDiscord
from fakediscord.permissions import DEFAULT_BOT, MANAGE_GUILD, MANAGE_ROLES
from tests.conftest import BotRunner
from tests.quiz_paths import AI_PATH, HYBRID_PATH, answer_all, db_rows, option_ids, shown_ids


def labels(message: Any) -> list[str]:
    return [b["label"] for b in message.components[0]["components"]]


def resume_id(res: Any) -> str:
    return next(c for c in res.message.custom_ids() if c.startswith("cqs:resume:"))


def live_quiz_messages(fake: FakeDiscord, user: Any) -> list[Any]:
    """DM messages that still carry answer buttons."""
    return [m for m in fake.dm_messages(user) if any(c.startswith("cq:") for c in m.custom_ids())]


async def test_a_restart_mid_quiz_shows_the_same_order(
    fake: FakeDiscord, runner: BotRunner, member: tuple[Any, Any]
) -> None:
    guild, alice = member
    await runner.start()
    await fake.invoke(alice, "careerquiz", guild=guild)
    dm = await answer_all(fake, alice, await fake.wait_dm(alice), AI_PATH[:3])
    before = labels(dm)
    await runner.restart()
    res = await fake.invoke(alice, "careerquiz", guild=guild)
    resume = next(cid for cid in res.message.custom_ids() if cid.startswith("cqs:resume:"))
    await fake.click(alice, res.message, resume)
    resumed = await fake.wait_dm(alice, lambda m: "Question 4 of 13" in str(m.embeds))
    assert labels(resumed) == before
    # Back and forward again: still the same order on each question.
    res = await fake.click(alice, resumed, next(c for c in resumed.custom_ids() if c.endswith(":back")))
    back_order = labels(res.message)
    res = await fake.click(alice, res.message, shown_ids(res.message)[0])
    assert labels(res.message) == before
    res = await fake.click(
        alice, res.message, next(c for c in res.message.custom_ids() if c.endswith(":back"))
    )
    assert labels(res.message) == back_order


async def test_after_resume_one_quiz_message_stays_live(
    fake: FakeDiscord, runner: BotRunner, member: tuple[Any, Any]
) -> None:
    guild, alice = member
    await runner.start()
    await fake.invoke(alice, "careerquiz", guild=guild)
    first = await answer_all(fake, alice, await fake.wait_dm(alice), AI_PATH[:4])
    res = await fake.invoke(alice, "careerquiz", guild=guild)
    clicked = await fake.click(alice, res.message, resume_id(res))
    await clicked.wait_followups(1)  # "Check your DMs", sent once the new message is out
    second = await fake.wait_dm(alice, lambda m: m.id != first.id and "Question 5 of 13" in str(m.embeds))
    assert [m.id for m in live_quiz_messages(fake, alice)] == [second.id]
    old = next(m for m in fake.dm_messages(alice) if m.id == first.id)
    assert old.components == [] and str(second.id) in old.embeds[0]["description"]
    # Resumed from DMs too: the Resume / Start over prompt itself becomes the quiz message.
    res = await fake.invoke(alice, "careerquiz")
    await fake.click(alice, res.message, resume_id(res))
    await fake.wait_for(lambda: second.edits > 0)  # retired once the prompt shows the question
    live = live_quiz_messages(fake, alice)
    assert [m.id for m in live] == [res.message.id]
    assert live[0].embeds[0]["title"].endswith("Question 5 of 13") and not live[0].content


async def test_start_over_leaves_one_live_quiz_and_no_waiting_prompt(
    fake: FakeDiscord, runner: BotRunner, member: tuple[Any, Any]
) -> None:
    guild, alice = member
    await runner.start()
    await fake.invoke(alice, "careerquiz", guild=guild)
    first = await answer_all(fake, alice, await fake.wait_dm(alice), AI_PATH[:2])
    # From the server: the new quiz goes to the DMs and the old message stops offering its buttons.
    res = await fake.invoke(alice, "careerquiz", guild=guild)
    restart = next(c for c in res.message.custom_ids() if c.startswith("cqs:restart:"))
    await fake.click(alice, res.message, restart)
    await fake.wait_for(lambda: first.edits > 2)  # two answers, then retired
    second = await fake.wait_dm(alice, lambda m: m.id != first.id and "Question 1 of 13" in str(m.embeds))
    assert [m.id for m in live_quiz_messages(fake, alice)] == [second.id]
    old = next(m for m in fake.dm_messages(alice) if m.id == first.id)
    assert old.components == [] and old.embeds[0]["title"] == "Quiz started over"
    assert str(second.id) in old.embeds[0]["description"]
    # From the DMs: the prompt becomes the new quiz; nothing is left saying "On its way…".
    await answer_all(fake, alice, second, AI_PATH[:1])
    res = await fake.invoke(alice, "careerquiz")
    restart = next(c for c in res.message.custom_ids() if c.startswith("cqs:restart:"))
    await fake.click(alice, res.message, restart)
    await fake.wait_for(lambda: not second.components)
    live = live_quiz_messages(fake, alice)
    assert [m.id for m in live] == [res.message.id]
    assert live[0].embeds[0]["title"].endswith("Question 1 of 13")
    assert not any("On its way" in (m.content or "") for m in fake.dm_messages(alice))
    assert db_rows(runner.db_path, "SELECT status FROM quiz_sessions ORDER BY id") == [
        ("abandoned",),
        ("abandoned",),
        ("active",),
    ]


async def test_the_role_buttons_name_the_role_and_remove_it(fake: FakeDiscord, runner: BotRunner) -> None:
    guild = fake.add_guild(name="Career Hub", bot_permissions=DEFAULT_BOT | MANAGE_ROLES)
    mod, alice = fake.add_user("mod"), fake.add_user("alice")
    fake.add_member(guild, mod, roles=[fake.add_role(guild, "Mods", permissions=MANAGE_GUILD | MANAGE_ROLES)])
    fake.add_member(guild, alice)
    ai_role = fake.add_role(guild, "AI path")
    await runner.start()
    await fake.invoke(mod, "careerbot-config path-roles", guild=guild, options={"ai": ai_role})
    await fake.invoke(alice, "careerquiz", guild=guild)
    final = await answer_all(fake, alice, await fake.wait_dm(alice), AI_PATH)
    labels = [b["label"] for row in final.components for b in row["components"]]
    assert "Give me the AI path role" in labels and "Remove my AI path role" in labels
    give = await fake.click(alice, final, next(c for c in final.custom_ids() if c.endswith(":role")))
    assert "you now have the **AI path** role" in give.content
    assert ai_role.id in fake.member(guild, alice).role_ids
    grants = "SELECT guild_id, user_id, role_id FROM path_role_grants"
    assert db_rows(runner.db_path, grants) == [(guild.id, alice.id, ai_role.id)]
    drop = await fake.click(alice, final, next(c for c in final.custom_ids() if c.endswith(":unrole")))
    assert drop.ephemeral and drop.content == (
        "Done: the **AI path** role is removed in Career Hub, and so is my record of giving it to you."
    )
    assert ai_role.id not in fake.member(guild, alice).role_ids
    assert db_rows(runner.db_path, grants) == []  # nothing left for /careerbot forget to take back
    mydata = await fake.invoke(alice, "careerbot mydata")
    assert {f["name"]: f["value"] for f in mydata.embeds[0]["fields"]}["Path roles given"] == "0"
    # Her result and answers stay: removing the role is not forgetting.
    assert db_rows(runner.db_path, "SELECT outcome FROM quiz_results") == [("ai",)]
    again = await fake.click(alice, final, next(c for c in final.custom_ids() if c.endswith(":unrole")))
    assert again.content == "You don't have the **AI path** role."


async def test_a_draw_journey_progress_length_and_label_everywhere(
    fake: FakeDiscord, runner: BotRunner, member: tuple[Any, Any]
) -> None:
    guild, alice = member
    await runner.start()
    await fake.invoke(alice, "careerquiz", guild=guild)
    message = await fake.wait_dm(alice)
    shown: list[int] = []
    for pick in HYBRID_PATH:
        bar = next(f["value"] for f in message.embeds[0]["fields"] if f["name"] == "Progress")
        shown.append(int(bar.rsplit(" ", 1)[1].rstrip("%")))
        message = (await fake.click(alice, message, option_ids(message)[pick])).message
    assert shown == sorted(shown) and len(shown) == 16, f"progress went back: {shown}"
    draw = OUTCOME_NAMES["hybrid"]
    result = message.embeds[0]
    assert result["title"] == f"Your result: {draw}" and len(result["description"]) <= 1000
    mine = await fake.invoke(alice, "careerbot myresult", guild=guild)
    assert mine.embeds[0]["title"] == f"Your result: {draw}"
    await fake.click(alice, message, next(c for c in message.custom_ids() if c.endswith(":share")))
    card = fake.channel_messages(guild.general.id)[-1].embeds[0]["description"]
    assert f"**{draw}**" in card and "Hybrid" not in card and "/100" not in card
