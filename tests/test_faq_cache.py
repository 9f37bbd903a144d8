"""The base FAQ model's on-disk cache (bot/faq/_fit_cache.py), seen across restarts: each start is a
fresh process, as a restarted bot or `careerbot ask` is. A restart reads the cache and answers exactly
as a fresh fit; a corrupt file is refitted and replaced; a changed training set misses."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content import Faq, load_content
from bot.faq import FaqRetriever, Match
from bot.settings import PROJECT_ROOT, Settings

ROOT = Path(__file__).parents[1]
DATA = ROOT / "data"
QUESTIONS = [
    i["q"] for i in yaml.safe_load((Path(__file__).parent / "data" / "faq_member_test.yaml").read_text())
]
QUESTIONS += ["", "what's the weather like tomorrow", "how much do ml engineers make in berlin"]

READ, WRITTEN, CORRUPT = "read from the cache", "FAQ model cached in", "corrupt or truncated"

# One start: build the base answerer with this cache directory, answer the questions on stdin.
_START = """
import json, logging, sys
from pathlib import Path
from bot.content import load_content
from bot.faq import FaqRetriever
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
answerer = FaqRetriever(load_content(Path(sys.argv[1])).faq, cache_dir=Path(sys.argv[2]))
print(json.dumps([
    [m.entry and m.entry.id, m.candidate.id, m.declined, m.score, m.none_score, [e.id for e in m.suggestions],
     m.note] for m in map(answerer.ask, json.load(sys.stdin))
]))
"""


def _seen(m: Match) -> list[Any]:
    """What a member sees of an answer (and the scores behind it), as a start prints it."""
    ids = [e.id for e in m.suggestions]
    return [m.entry and m.entry.id, m.candidate.id, m.declined, m.score, m.none_score, ids, m.note]


def start(content_dir: Path, cache_dir: Path) -> tuple[list[list[Any]], str]:
    """A fresh process's answers to QUESTIONS, and what it logged."""
    done = subprocess.run(
        [sys.executable, "-c", _START, str(content_dir), str(cache_dir)],
        input=json.dumps(QUESTIONS),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    answers: list[list[Any]] = json.loads(done.stdout)
    return answers, done.stderr


def cached(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob("*.fit"))


@pytest.fixture(scope="module")
def fresh() -> list[list[Any]]:
    """Answers from a fit in this process, with no disk cache involved."""
    answerer = FaqRetriever(load_content(DATA).faq)
    return [_seen(answerer.ask(q)) for q in QUESTIONS]


@pytest.fixture(scope="module")
def first_start(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[list[Any]], str]:
    """A first start: an empty cache directory, so it fits and writes the cache."""
    cache_dir = tmp_path_factory.mktemp("first") / "cache"
    answers, said = start(DATA, cache_dir)
    return cache_dir, answers, said


def copy_of(cache_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(cache_dir, tmp_path / "cache"))


def test_a_restart_reads_the_cache_and_answers_as_a_fresh_fit(
    first_start: tuple[Path, list[list[Any]], str], fresh: list[list[Any]], tmp_path: Path
) -> None:
    first_dir, first, said = first_start
    assert WRITTEN in said and READ not in said
    assert first == fresh
    cache_dir = copy_of(first_dir, tmp_path)
    written = cached(cache_dir)
    assert len(written) == 1
    before = written[0].read_bytes()

    again, said = start(DATA, cache_dir)
    assert READ in said and WRITTEN not in said  # no fit: nothing written
    assert again == fresh
    assert cached(cache_dir) == written and written[0].read_bytes() == before


@pytest.mark.parametrize("damage", ["truncated", "flipped", "empty"])
def test_a_corrupt_cache_file_is_refitted_and_replaced(
    first_start: tuple[Path, list[list[Any]], str], fresh: list[list[Any]], tmp_path: Path, damage: str
) -> None:
    cache_dir = copy_of(first_start[0], tmp_path)
    (path,) = cached(cache_dir)
    good = path.read_bytes()
    if damage == "truncated":  # a crash or full disk mid-write
        path.write_bytes(good[: len(good) // 2])
    elif damage == "flipped":
        middle = len(good) // 2
        path.write_bytes(good[:middle] + bytes([good[middle] ^ 0x40]) + good[middle + 1 :])
    else:
        path.write_bytes(b"")

    answers, said = start(DATA, cache_dir)
    assert CORRUPT in said and READ not in said and WRITTEN in said
    assert answers == fresh
    assert cached(cache_dir) == [path] and path.read_bytes() == good  # the same fit, written again
    again, said = start(DATA, cache_dir)
    assert READ in said and again == fresh


def test_a_changed_training_set_misses_the_cache(
    first_start: tuple[Path, list[list[Any]], str], tmp_path: Path
) -> None:
    cache_dir = copy_of(first_start[0], tmp_path)
    (old,) = cached(cache_dir)
    good = old.read_bytes()
    content_dir = Path(shutil.copytree(DATA, tmp_path / "data"))
    examples_file = content_dir / "faq_examples.yaml"
    examples = yaml.safe_load(examples_file.read_text(encoding="utf-8"))
    examples["examples"]["where-jobs"].append("how lively is the lagos tech scene for ai folks")
    examples_file.write_text(yaml.safe_dump(examples, allow_unicode=True, sort_keys=False), encoding="utf-8")
    changed: Faq = load_content(content_dir).faq

    answers, said = start(content_dir, cache_dir)
    assert READ not in said and WRITTEN in said
    assert answers == [_seen(m) for m in map(FaqRetriever(changed).ask, QUESTIONS)]
    assert len(cached(cache_dir)) == 2 and old.read_bytes() == good  # the old model is kept as it was


def test_an_unwritable_cache_directory_costs_a_fit_not_a_crash(
    fresh: list[list[Any]], tmp_path: Path
) -> None:
    not_a_dir = tmp_path / "cache"
    not_a_dir.write_text("a file where the directory should be")
    answers, said = start(DATA, not_a_dir)
    assert "not written" in said and answers == fresh


def test_cache_dir_setting_defaults_to_the_user_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("CACHE_DIR", "")
    assert Settings(_env_file=None).cache_dir == tmp_path / "careerbot"  # type: ignore[call-arg]
    monkeypatch.setenv("CACHE_DIR", "var/cache")  # relative: against the project, as other paths
    assert Settings(_env_file=None).cache_dir == PROJECT_ROOT / "var" / "cache"  # type: ignore[call-arg]
