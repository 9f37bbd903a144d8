"""/compare's columns hold only their own track's lines (issue 11: the outlook columns were swapped), and
read plainly to a member."""

from __future__ import annotations

import re

from bot.compare import TOPICS, compare
from bot.content import Content
from fakediscord import FakeDiscord
from tests.conftest import BotRunner
from tests.quiz_paths import HYBRID_PATH, answer_all


def test_each_column_speaks_of_its_own_track(content: Content) -> None:
    names = {t.id: t.name for t in content.careers.tracks}
    for topic in TOPICS:
        for column in compare(content.careers, topic).columns:
            other = next(name for tid, name in names.items() if tid != column.track.id)
            for line in column.lines:
                # Naming the other track's people ("ML Engineers ...") means the line is about them.
                about_other = re.search(rf"\b{other}s?\b", line.text)
                assert about_other is None, f"/compare {topic}, {column.track.name} column: {line.text}"


async def test_compare_reads_plainly_through_the_fake(
    fake: FakeDiscord, runner: BotRunner, content: Content
) -> None:
    """Every topic as a member with a draw result sees it: sections named in words under the columns,
    the salary basis said once, no sentence twice, and the draw called "Both paths"."""
    guild = fake.add_guild(name="Career Hub")
    mia = fake.add_user("mia")
    fake.add_member(guild, mia)
    await runner.start()
    await fake.invoke(mia, "careerquiz", guild=guild)
    await answer_all(fake, mia, await fake.wait_dm(mia), HYBRID_PATH)
    titles = content.careers.article.sections
    for topic in TOPICS:
        for public in (False, True):
            res = await fake.invoke(mia, f"compare {topic}", guild=guild, options={"public": public})
            embed = res.embeds[0]
            assert res.ephemeral is not public
            assert "§" not in str(embed), f"{topic}: a section code"
            assert embed["description"] == "⭐ marks your latest quiz result (Both paths)."
            footer = embed["footer"]["text"]
            for sid in compare(content.careers, topic).sections:
                assert ("its opening section" if sid == "which-path" else f"“{titles[sid]}”") in footer
            bullets = [line for f in embed["fields"] for line in f["value"].splitlines()]
            assert len(bullets) == len(set(bullets)), f"{topic}: a line said twice"
    salary = await fake.invoke(mia, "compare salary", guild=guild)
    assert str(salary.embeds[0]).count("research-focused") == 1, "the basis of the ranges is said once"
    outlook = str((await fake.invoke(mia, "compare outlook", guild=guild)).embeds[0])
    assert outlook.count("towards ML") + outlook.count("deeper maths") == 1, "switching into ML said once"
    skills = (await fake.invoke(mia, "compare skills", guild=guild)).embeds[0]
    ai_lines = next(f["value"] for f in skills["fields"] if f["name"].startswith("AI Engineer")).splitlines()
    assert "• Monitoring and observability" in ai_lines, "a skill the article only lists is shown bare"
    assert "the sections “What Skills Do I Need for Each Role?”, " in skills["footer"]["text"]


async def test_compare_choices_promise_only_what_the_replies_hold(
    fake: FakeDiscord, runner: BotRunner
) -> None:
    """The /compare menu's descriptions (the outlook one promised "growth", which no reply mentions)."""
    guild = fake.add_guild(name="Career Hub")
    ana = fake.add_user("ana")
    fake.add_member(guild, ana)
    await runner.start()
    group = next(c for c in fake.commands() if c["name"] == "compare")
    described = {o["name"]: o["description"] for o in group["options"]}
    assert described["outlook"] == "Where the jobs are, and switching between paths"
    outlook = (await fake.invoke(ana, "compare outlook", guild=guild)).embeds[0]
    assert outlook["title"].endswith("Where the jobs are, and switching later")
    assert [f["name"] for f in outlook["fields"]][-1] == "Switching later"
    for topic, description in described.items():
        reply = str((await fake.invoke(ana, f"compare {topic}", guild=guild)).embeds[0]).lower()
        assert "growth" not in description.lower() and "growth" not in reply, topic
