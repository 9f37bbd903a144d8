"""Moderators teach their server's FAQ answerer from /quizstats faq, end to end through the fake:
pick a question, pick its answer (or "not for this bot"), edit the wording in the modal; the server's
answerer retrains, and members asking those words get the taught answer from then on."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any, NamedTuple

import pytest

from fakediscord import FakeDiscord
from fakediscord.interactions import InteractionResult
from fakediscord.permissions import MANAGE_GUILD
from tests.conftest import BotRunner, hold_database
from tests.quiz_paths import db_rows

BOTH_BACKENDS = True  # the runner fixture runs each test on SQLite and on PostgreSQL

# SQLite only: /quizstats (StatsService) reads SQLite today; tests/test_faq_taught.py runs the
# taught table and the retraining on both backends.

LAGOS = "how lively is the Lagos tech scene for ai folks"  # declined by the shipped answerer
DAILY = "what does an ai engineer do all day"  # answered (ai-daily), then 👎'd

# A server's refit is a child process importing scikit-learn (~1 s idle); on a shared 2-core machine
# under load it has taken over 5 s. The bound on waiting for the answer it gates, not a sleep.
REFIT_S = 30.0


class Server(NamedTuple):
    guild: Any
    other: Any
    mod: Any
    alice: Any
    bob: Any


@pytest.fixture
def server(fake: FakeDiscord) -> Server:
    guild, other = fake.add_guild(name="Career Hub"), fake.add_guild(name="Elsewhere")
    mods = fake.add_role(guild, "Mods", permissions=MANAGE_GUILD)
    mod, alice, bob = fake.add_user("mod"), fake.add_user("alice"), fake.add_user("bob")
    fake.add_member(guild, mod, roles=[mods])
    fake.add_member(guild, alice)
    fake.add_member(other, bob)
    return Server(guild, other, mod, alice, bob)


def options(res: InteractionResult, custom_id: str) -> list[dict[str, Any]]:
    assert res.message is not None
    select = res.message.component(custom_id)
    assert select is not None, res.custom_ids()
    return list(select["options"])


async def teach(
    fake: FakeDiscord, s: Server, asked: str, label: str, wording: str | None = None
) -> InteractionResult:
    """/quizstats faq → pick `asked` → pick `label` → submit the modal (with `wording`, or as shown)."""
    review = await fake.invoke(s.mod, "quizstats faq", guild=s.guild)
    picked = next(o for o in options(review, "faqteach:q") if o["label"] == asked)
    menus = await fake.select(s.mod, review, "faqteach:q", [picked["value"]])
    assert menus.ephemeral and asked in menus.content
    menu = next(c for c in menus.custom_ids() if any(o["value"] == label for o in options(menus, c)))
    shown = await fake.select(s.mod, menus, menu, [label], expect_followup=False)
    assert shown.modal is not None
    field = shown.modal["components"][0]["components"][0]
    assert field["value"] == asked  # the member's wording, for the moderator to edit
    done = await fake.submit_modal(s.mod, shown, {"wording": wording or asked}, timeout=REFIT_S)
    assert done.ephemeral and "Saved for this server" in done.content
    await done.wait_followups(1)
    return done


async def test_a_declined_question_taught_an_answer_gets_it_from_then_on(
    fake: FakeDiscord, runner: BotRunner, server: Server
) -> None:
    s = server
    await runner.start(stats_up_to="now")
    before = await fake.invoke(s.alice, "faq", guild=s.guild, options={"question": LAGOS})
    assert "don't think it covers that" in before.content

    review = await fake.invoke(s.mod, "quizstats faq", guild=s.guild)
    # The menu's ids are digests of the wording: nothing leads back to the member who asked.
    for o in options(review, "faqteach:q"):
        assert re.fullmatch(r"[0-9a-f]{16}", o["value"]) and str(s.alice.id) not in o["value"]

    done = await teach(fake, s, LAGOS, "where-jobs")
    assert "Done: members asking" in done.followups[0].content and "Lagos" in done.followups[0].content

    after = await fake.invoke(s.alice, "faq", guild=s.guild, options={"question": LAGOS})
    jobs = runner.content.faq.entry("where-jobs")
    assert jobs is not None
    assert after.embeds and after.embeds[0]["title"] == jobs.question
    assert runner.content.careers.article.sections[jobs.section] in after.embeds[0]["fields"][0]["value"]
    # The taught row holds the wording and the answer, for this server, and no member.
    assert db_rows(runner.db_path, "SELECT guild_id, question, label FROM faq_taught") == [
        (s.guild.id, LAGOS, "where-jobs")
    ]
    columns = db_rows(runner.db_path, "SELECT * FROM faq_taught")[0]
    assert s.alice.id not in columns and s.mod.id not in columns
    # A mention in the server is answered the same way, in the channel.
    asked = await fake.send_message(s.alice, s.guild.general, LAGOS, guild=s.guild)

    def replied() -> list[Any]:
        return [m for m in fake.channel_messages(s.guild.general) if m.reference and m.embeds]

    await fake.wait_for(lambda: bool(replied()))
    assert replied()[0].embeds[0]["title"] == jobs.question and not asked.reactions
    # Another server's answerer learned nothing.
    elsewhere = await fake.invoke(s.bob, "faq", guild=s.other, options={"question": LAGOS})
    assert "don't think it covers that" in elsewhere.content

    shown = await fake.invoke(s.mod, "careerbot-config show", guild=s.guild)
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert fields["FAQ examples taught here"].startswith(f"1 · {jobs.topic}: 1")


async def test_a_thumbed_down_answer_marked_not_for_this_bot_is_declined_after(
    fake: FakeDiscord, runner: BotRunner, server: Server
) -> None:
    s = server
    await runner.start(stats_up_to="now")
    answered = await fake.invoke(s.alice, "faq", guild=s.guild, options={"question": DAILY})
    assert answered.embeds
    down = next(c for c in answered.custom_ids() if ":down:" in c)
    await fake.click(s.alice, answered, down)

    edited = DAILY + " at a bank"
    done = await teach(fake, s, DAILY, "none", wording=edited)
    assert "declined as not for this bot" in done.followups[0].content

    declined = await fake.invoke(s.alice, "faq", guild=s.guild, options={"question": edited, "public": True})
    assert declined.ephemeral and "don't think it covers that" in declined.content
    assert declined.custom_ids() == []  # not for this bot: no topics offered
    assert db_rows(runner.db_path, "SELECT question, label FROM faq_taught") == [(edited, "none")]


async def test_members_and_forged_ids_cannot_teach(
    fake: FakeDiscord, runner: BotRunner, server: Server
) -> None:
    s = server
    await runner.start(stats_up_to="now")
    await fake.invoke(s.alice, "faq", guild=s.guild, options={"question": LAGOS})
    review = await fake.invoke(s.mod, "quizstats faq", guild=s.guild)
    value = options(review, "faqteach:q")[0]["value"]
    refused = await fake.select(s.alice, review, "faqteach:q", [value], forge=True)
    assert refused.ephemeral and "Only this server's moderators" in refused.content
    gone = await fake.select(s.mod, review, "faqteach:q", ["0123456789abcdef"], forge=True)
    assert gone.ephemeral and "no longer stored" in gone.content
    # Ids of ours that no menu on the message has (forged, or an old layout): one plain line each.
    for forged in ("faqteach:a:0123456789abcdef:0", "faqteach:zz"):
        odd = await fake.click(s.mod, review, forged, forge=True)
        assert (
            odd.ephemeral
            and odd.content == "This menu no longer works. Run /quizstats faq again for a fresh one."
        )
    assert db_rows(runner.db_path, "SELECT count(*) FROM faq_taught") == [(0,)]


async def test_a_question_asked_while_its_server_refits_waits_for_it_and_stays_private(
    fake: FakeDiscord, runner: BotRunner, server: Server
) -> None:
    s = server
    bot = await runner.start()
    await bot.storage.add_taught(s.guild.id, LAGOS, "where-jobs", time.time())
    # The server's model is fitted on its first question; the database is held, its taught examples
    # unreadable, so the fit cannot start and the answer outlasts the acknowledgement budget (on
    # PostgreSQL a readable faq_taught let a quick fit finish inside the budget: then it is answered
    # in public, rightly, as it is known not to decline).
    async with hold_database(runner, unreadable=("faq_taught",)):
        asked = asyncio.create_task(
            fake.invoke(
                s.alice, "faq", guild=s.guild, options={"question": LAGOS, "public": True}, timeout=REFIT_S
            )
        )
        await fake.wait_for(lambda: any(r.deferred for r in fake.interactions))
    res = await asked
    jobs = runner.content.faq.entry("where-jobs")
    assert jobs is not None
    # Whether it would decline was not known when it had to be acknowledged: private, but answered
    # by the server's taught model, not the one before.
    assert res.ephemeral and res.embeds and res.embeds[0]["title"] == jobs.question


async def test_a_taught_question_leaves_the_review_and_other_questions_stay(
    fake: FakeDiscord, runner: BotRunner, server: Server
) -> None:
    s = server
    await runner.start(stats_up_to="now")
    other = "is the yaba tech scene any fun"
    for q in (LAGOS, other):
        assert (await fake.invoke(s.alice, "faq", guild=s.guild, options={"question": q})).content
    review = await fake.invoke(s.mod, "quizstats faq", guild=s.guild)
    assert {LAGOS, other} <= {o["label"] for o in options(review, "faqteach:q")}

    await teach(fake, s, LAGOS, "where-jobs")
    review = await fake.invoke(s.mod, "quizstats faq", guild=s.guild)
    listed = {o["label"] for o in options(review, "faqteach:q")}
    # Taught as it was asked: not offered again, in the menu or in the review's text.
    assert LAGOS not in listed and other in listed
    assert LAGOS not in str(review.embeds)
    # The member's declined rows are still stored (retention removes them, not teaching).
    assert db_rows(runner.db_path, "SELECT count(*) FROM faq_queries WHERE question = ?", (LAGOS,)) == [(1,)]


async def test_gap_or_noise_is_judged_by_the_servers_own_answerer(
    fake: FakeDiscord, runner: BotRunner, server: Server
) -> None:
    s = server
    await runner.start(stats_up_to="now")
    yaba = "how is yaba for techies"  # the shipped answerer finds it off-topic noise
    for q in (LAGOS, yaba):
        await fake.invoke(s.alice, "faq", guild=s.guild, options={"question": q})
    review = await fake.invoke(s.mod, "quizstats faq", guild=s.guild)
    kinds = {o["label"]: o.get("description") for o in options(review, "faqteach:q")}
    assert kinds[yaba] == "off-topic"

    # A moderator teaches the Lagos question, reworded to name the tech hub: jobs there are this
    # server's topic now, so the Yaba question is a gap worth an answer, not noise.
    await teach(fake, s, LAGOS, "where-jobs", wording="how lively is yaba for ai techies")
    review = await fake.invoke(s.mod, "quizstats faq", guild=s.guild)
    kinds = {o["label"]: o.get("description") for o in options(review, "faqteach:q")}
    assert kinds[yaba] == "no answer given"
    # Reworded before it was saved, so the member's own wording is still listed to teach.
    assert LAGOS in kinds
