"""Taught FAQ examples in storage and in each server's answerer, on SQLite and PostgreSQL: stored
without members, kept as long as FAQ text, gone with their server, and learned by that server only."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.content import Content
from bot.faq import FaqService
from bot.faq.answerer import FaqRetriever
from bot.housekeeping import sweep
from bot.storage import Storage
from tests.conftest import make_settings

DAY = 86400.0
LAGOS = "how lively is the lagos tech scene for ai folks"


async def test_taught_rows_follow_retention_and_go_with_their_server(
    database: Path | str, tmp_path: Path
) -> None:
    storage = Storage(database)
    await storage.open()
    try:
        now = time.time()
        await storage.update_guild_settings(1, now, faq_retention_days=7)
        for guild, age, label in ((1, 3, "where-jobs"), (1, 10, "none"), (2, 10, "none"), (2, 100, "switch")):
            await storage.add_taught(guild, f"q{guild}-{age}", label, now - age * DAY)
        assert await storage.taught_counts(1) == {"none": 1, "where-jobs": 1}
        assert [g for g, _, _ in await storage.taught()] == [1, 1, 2, 2]
        swept = await sweep(storage, make_settings(None, tmp_path), now)
        # Guild 1 keeps 7 days; guild 2 the 90-day default, as FAQ question text does.
        assert swept.purged_questions == 2
        assert await storage.taught() == [(1, "q1-3", "where-jobs"), (2, "q2-10", "none")]
        await storage.delete_guild_in_batches(2)
        assert await storage.taught() == [(1, "q1-3", "where-jobs")]
    finally:
        await storage.close()


async def test_a_teach_retrains_only_its_server_and_many_teaches_coalesce(
    database: Path | str, content: Content
) -> None:
    storage = Storage(database)
    await storage.open()
    try:
        service = FaqService(FaqRetriever(content.faq), storage)
        assert (await service.answer(LAGOS, 1)).declined
        first = await service.teach(1, LAGOS, "where-jobs")
        # Taught while the first fit may still run: one more fit follows, whichever comes.
        second = await service.teach(1, "can you review my github", "none")
        third = await service.teach(1, "can u look at my cv", "none")
        assert third is second or first is second
        await asyncio.gather(first, second, third)
        got = await service.answer(LAGOS, 1)
        assert got.entry is not None and got.entry.id == "where-jobs"
        assert (await service.answer("can you review my github", 1)).declined
        assert (await service.answer(LAGOS, 2)).declined  # another server learned nothing
        assert (await service.answer(LAGOS, None)).declined  # nor did DMs
        rows = await storage.taught(1)
        assert [label for _, _, label in rows] == ["where-jobs", "none", "none"]
    finally:
        await storage.close()


async def test_export_taught_prints_yaml_a_maintainer_can_merge_into_data(tmp_path: Path) -> None:
    import shutil

    import yaml

    from bot.content import load_content
    from tests.conftest import DATA
    from tests.test_process import bot_env, run

    env = bot_env(tmp_path)
    storage = Storage(Path(env["DATABASE_PATH"]))
    await storage.open()
    now = time.time()
    await storage.add_taught(1, LAGOS, "where-jobs", now)
    await storage.add_taught(1, LAGOS, "where-jobs", now)  # taught twice: exported once
    await storage.add_taught(1, "can u look at my cv: it's “long”", "none", now)
    await storage.add_taught(2, "is rust worth it for ml infra", "ml-skills", now)
    await storage.add_taught(2, "gone entry", "an-entry-removed-since", now)
    await storage.close()

    code, out, err = await run(env, "faq", "export-taught")
    assert code == 0, err
    assert "merge each" in out and "1 example(s) taught for answers no longer in data/faq.yaml" in out
    exported = yaml.safe_load(out)["examples"]
    assert exported == {
        "ml-skills": ["is rust worth it for ml infra"],
        "where-jobs": [LAGOS],
        "none": ["can u look at my cv: it's “long”"],
    }
    # Merged into a copy of data/, the content still loads and the answerer trains on it.
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    path = copy / "faq_examples.yaml"
    merged = yaml.safe_load(path.read_text(encoding="utf-8"))
    for label, texts in exported.items():
        merged["examples"][label] += texts
    path.write_text(yaml.safe_dump(merged, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert LAGOS in load_content(copy).faq.examples["where-jobs"]

    code, out, _ = await run(env, "faq", "export-taught", "--guild", "2")
    assert code == 0 and yaml.safe_load(out)["examples"] == {"ml-skills": ["is rust worth it for ml infra"]}
    code, out, _ = await run(env, "faq", "export-taught", "--guild", "3")
    assert code == 0 and yaml.safe_load(out)["examples"] == {}
