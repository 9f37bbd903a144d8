"""The quiz result as many different members see it, through the fake: the lean is honest, "What
decided it" names answers that really pulled towards the outcome shown, "Skills to learn" never
suggests a skill the answers claim, the result fits a phone screen, and the terminal says the same."""

from __future__ import annotations

import io
import random
import re
from dataclasses import dataclass
from typing import Any

import pytest

from bot.content import OUTCOME_NAMES, Content, Option, Question
from bot.quiz.cli import run_terminal_quiz
from bot.quiz.engine import option_order
from fakediscord import FakeDiscord
from tests.conftest import BotRunner, make_settings
from tests.quiz_paths import AI_PATH, ML_PATH, option_ids

RESULT_MAX = 1000  # the main result must fit a phone screen
# Random members; seeded, so a failure names a path that can be replayed.
RANDOM_MEMBERS = 40
# A member halfway along every scale (the second option): a draw with no pull towards ML at all.
MIDDLE_PATH = [1] * 16


@dataclass
class Seen:
    """What one member saw at the end of the quiz."""

    member: Any
    answers: list[tuple[Question, Option]]
    title: str
    text: str
    message: Any


def button(message: Any, action: str) -> str:
    return next(c for c in message.custom_ids() if c.endswith(f":{action}"))


async def take_quiz(fake: FakeDiscord, user: Any, guild: Any, content: Content, picks: list[int]) -> Seen:
    """Answer each question shown with the pick-th option of its scale (0 = the AI end), as a member
    would click it, until the result; the list wraps so a draw path can go on into the tie-breaks."""
    await fake.invoke(user, "careerquiz", guild=guild)
    message = await fake.wait_dm(user)
    answers: list[tuple[Question, Option]] = []
    while message.custom_ids() and message.custom_ids()[0].startswith("cq:"):
        question = content.quiz.question(message.custom_ids()[0].split(":")[2])
        assert question is not None
        option = question.options[picks[len(answers) % len(picks)] % len(question.options)]
        answers.append((question, option))
        clicked = await fake.click(user, message, option_ids(message)[question.options.index(option)])
        assert clicked.error is None, clicked.error
        message = clicked.message
    embed = message.embeds[0]
    return Seen(user, answers, embed["title"], embed["description"], message)


def block(text: str, heading: str) -> list[str]:
    """The bullet lines under a bold heading of the result."""
    body = text.split(f"**{heading}**\n", 1)[1].split("\n\n", 1)[0]
    return [line[2:] for line in body.splitlines() if line.startswith("• ")]


def lean_shown(text: str) -> tuple[int, str]:
    found = re.search(r"lean (?:only )?(\d+)% towards (AI Engineer|ML Engineer)", text)
    if found is None:
        assert "balance exactly" in text, text
        return 0, ""
    return int(found[1]), found[2]


def pull_of(answers: list[tuple[Question, Option]], line: str) -> int:
    """The pull (ai - ml) of the answer a result line names, found by its question and label."""
    factor, label = line.split(": ", 1)
    label = re.sub(r" \(towards (AI|ML) Engineer\)$", "", label)
    return next(o.weights.lean for q, o in answers if q.factor == factor and o.label == label)


@pytest.fixture
def hub(fake: FakeDiscord) -> Any:
    return fake.add_guild(name="Career Hub")


async def check_member(fake: FakeDiscord, hub: Any, content: Content, name: str, picks: list[int]) -> Seen:
    """Everything the issue asks of one member's result, checked on what they see."""
    member = fake.add_user(name)
    fake.add_member(hub, member)
    seen = await take_quiz(fake, member, hub, content, picks)
    text, where = seen.text, f"{name} {picks}"
    assert len(text) <= RESULT_MAX, f"{where}: {len(text)} characters"
    assert "§" not in text and "/100" not in text and "Hybrid" not in text, where
    outcome = next(k for k, v in OUTCOME_NAMES.items() if seen.title == f"Your result: {v}")
    share, side = lean_shown(text)
    if outcome == "hybrid":
        assert share < round(content.quiz.scoring.hybrid_margin * 100), where
        lines = block(text, "What pulled each way")
        for line in lines:
            if line.startswith("No answer pulled towards "):
                nobody = line.removeprefix("No answer pulled towards ").rstrip(".")
                assert all(
                    (o.weights.lean > 0) != (nobody == "AI Engineer")
                    for _, o in seen.answers
                    if o.weights.lean
                )
                continue
            if line == "Every answer sat in the middle of its scale.":
                assert all(o.weights.lean == 0 for _, o in seen.answers), where
                continue
            towards = re.search(r"\(towards (AI Engineer|ML Engineer)\)$", line)
            assert towards is not None, f"{where}: a draw's line says which way it pulled: {line}"
            assert (pull_of(seen.answers, line) > 0) == (towards[1] == "AI Engineer"), f"{where}: {line}"
    else:
        assert side == OUTCOME_NAMES[outcome], where
        sign = 1 if outcome == "ai" else -1
        lines = block(text, "What decided it")
        assert 1 <= len(lines) <= 3, where
        pulls = [pull_of(seen.answers, line) * sign for line in lines]
        # Every answer named pulled towards the outcome shown, and none that pulled harder was left out.
        assert all(p > 0 for p in pulls), f"{where}: {lines}"
        strongest = sorted((o.weights.lean * sign for _, o in seen.answers), reverse=True)
        assert sorted(pulls, reverse=True) == strongest[: len(pulls)], f"{where}: {lines}"
        # 100% only when every answer sat at that end of its scale.
        at_end = all(
            o.weights.lean * sign == max(x.weights.lean * sign for x in q.options) for q, o in seen.answers
        )
        assert (share == 100) == at_end, f"{where}: {share}%"
    # Skills: never one the answers claim; each one the article names for the track(s) shown.
    skills = await fake.click(member, seen.message, button(seen.message, "skills"))
    names = re.findall(r"^• \*\*(.+?)\*\*", skills.embeds[0]["description"], flags=re.M)
    tracks = list(content.careers.tracks) if outcome == "hybrid" else [content.careers.track(outcome)]  # type: ignore[arg-type]
    offered = {s.name: s for t in tracks for s in t.skills}
    claimed = {h for _, o in seen.answers for h in o.has}
    assert names and all(n in offered for n in names), f"{where}: {names}"
    assert not claimed & {offered[n].id for n in names}, (
        f"{where}: suggested a skill the answers claim: {names}"
    )
    gaps = [
        g
        for _, o in seen.answers
        for g in o.gaps
        if g in {s.id for s in offered.values()} and g not in claimed
    ]
    assert [offered[n].id for n in names][: len(set(gaps))] == list(dict.fromkeys(gaps))[:5], "gaps first"
    # "More questions" never offers one whose premise the answers contradict.
    more = await fake.click(member, seen.message, button(seen.message, "faq"))
    asked = re.findall(r"^• (.+)$", more.embeds[0]["description"], flags=re.M)
    unfit = {f for _, o in seen.answers for f in o.unfit_followups}
    offered_ids = {e.id for e in content.faq.entries if e.question in asked}
    assert len(asked) == 3 and len(offered_ids) == 3 and not offered_ids & unfit, f"{where}: {asked}"
    return seen


async def test_many_members_see_a_result_true_to_their_answers(
    fake: FakeDiscord, runner: BotRunner, hub: Any, content: Content
) -> None:
    await runner.start()
    rng = random.Random(11)
    paths = {
        "all-ai": AI_PATH,
        "all-ml": ML_PATH,
        "middle": MIDDLE_PATH,
        **{f"random{i}": [rng.randrange(4) for _ in range(16)] for i in range(RANDOM_MEMBERS)},
    }
    outcomes = set()
    for name, picks in paths.items():
        seen = await check_member(fake, hub, content, name, picks)
        outcomes.add(seen.title)
    assert outcomes == {f"Your result: {v}" for v in OUTCOME_NAMES.values()}, (
        "the sample covers every outcome"
    )


async def test_the_ends_of_every_scale_lean_all_the_way(
    fake: FakeDiscord, runner: BotRunner, hub: Any, content: Content
) -> None:
    await runner.start()
    for name, path, track in (("ada", AI_PATH, "AI Engineer"), ("max", ML_PATH, "ML Engineer")):
        seen = await check_member(fake, hub, content, name, path)
        assert seen.text.startswith(f"Your answers lean 100% towards {track}.\n")
        bar = "▰" * 10 + "│" + "▱" * 10 if track == "AI Engineer" else "▱" * 10 + "│" + "▰" * 10
        assert f"AI Engineer {bar} ML Engineer" in seen.text
        assert "100%: every answer at that end" in seen.text, "the figure says what it is"


async def test_a_draw_says_which_way_and_what_pulled(
    fake: FakeDiscord, runner: BotRunner, hub: Any, content: Content
) -> None:
    await runner.start()
    seen = await check_member(fake, hub, content, "mia", MIDDLE_PATH)
    assert seen.title == "Your result: Both paths"
    assert seen.text.startswith(
        "Your answers lean only 9% towards AI Engineer: under 10% counts as too close to call,"
    )
    assert "• No answer pulled towards ML Engineer." in seen.text
    assert "**What decided it**" not in seen.text
    why = await fake.click(seen.member, seen.message, button(seen.message, "why"))
    body = why.embeds[0]["description"]
    assert (
        "Of your 16 answers, 4 pulled towards AI Engineer, none towards ML Engineer and 12 sat in the middle."
        in body
    )
    assert ", towards AI Engineer (from “" in body and "Both paths suit you" not in body


async def test_why_names_the_pulls_the_other_way_and_skills_follow_the_answers(
    fake: FakeDiscord, runner: BotRunner, hub: Any, content: Content
) -> None:
    await runner.start()
    # A researcher who has also shipped production APIs: ML, with one pull the other way.
    seen = await check_member(fake, hub, content, "rui", [3, 3, 2, 2, 0, 3, 2, 3, 2, 2, 2, 2, 2])
    assert seen.title == "Your result: ML Engineer"
    why = (await fake.click(seen.member, seen.message, button(seen.message, "why"))).embeds[0]["description"]
    assert (
        "**Pulled the other way, towards AI Engineer**\n"
        "• Software experience: I've built APIs and deployed apps to production (from “Is AI Engineering"
    ) in why
    # A developer who has shipped: the article's next step (prompt engineering, model APIs) comes first.
    dev = await check_member(fake, hub, content, "dev", AI_PATH)
    skills = (await fake.click(dev.member, dev.message, button(dev.message, "skills"))).embeds[0][
        "description"
    ]
    assert skills.startswith(
        "Your answers point to the first 2; after that come the path's other core skills."
    )
    assert re.findall(r"^• \*\*(.+?)\*\*", skills, flags=re.M)[:2] == [
        "Prompt engineering, plus designing AI systems",
        "Working with models through APIs and SDKs",
    ]
    assert "REST and GraphQL" not in skills and "“Is AI Engineering Easier" in skills
    # Someone who has barely coded is not asked "I'm a software developer: ...?" as a follow-up.
    beginner = await check_member(fake, hub, content, "bea", [1, 2, 1, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1])
    more = await fake.click(beginner.member, beginner.message, button(beginner.message, "faq"))
    assert "I'm a software developer" not in more.embeds[0]["description"]


async def test_the_terminal_shows_the_same_result_text(
    fake: FakeDiscord, runner: BotRunner, hub: Any, content: Content, tmp_path: Any
) -> None:
    await runner.start()
    picks = [1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 0, 2, 1]  # close: tie-breaks, then a draw
    seen = await check_member(fake, hub, content, "tess", picks)
    assert seen.title == "Your result: Both paths"
    # The terminal's first session is id 1: type the number at which each chosen option shows there.
    typed = "".join(f"{option_order(q, 1).index(o) + 1}\n" for q, o in seen.answers)
    out = io.StringIO()
    settings = make_settings(None, tmp_path / "cli")
    code = await run_terminal_quiz(content, settings, io.StringIO(typed), out, save=False, user_id=7)
    assert code == 0
    printed = out.getvalue().split("=== Your result: Both paths ===\n", 1)[1].split("\n\n--- Why ---", 1)[0]
    assert printed.rstrip("\n") == seen.text
