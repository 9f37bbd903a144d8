"""The validated-content cache: a restart on unchanged files skips the YAML parser; any edit, a
corrupt cache or a read-only directory still gives exactly the checked content."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.content import Content, ContentError, load_content

DATA = Path(__file__).resolve().parent.parent / "data"
ROOT = DATA.parent


@pytest.fixture
def data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("*.sqlite3*", ".cache"))
    return target


def cached_files(data: Path) -> list[Path]:
    return sorted((data.parent / "cache").glob("content-*.json"))


def load(data: Path) -> Content:
    return load_content(data, cache_dir=data.parent / "cache")


def test_second_load_reads_the_cache_without_importing_yaml(data: Path) -> None:
    fresh = load(data)
    assert len(cached_files(data)) == 1
    probe = (
        "import sys; from pathlib import Path; from bot.content import load_content; "
        f"c = load_content(Path({str(data)!r}), cache_dir=Path({str(data.parent / 'cache')!r})); "
        "print(c.content_version, 'yaml' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == [fresh.content_version, "False"]
    assert load(data) == fresh == load_content(data)


def test_an_edited_file_is_parsed_and_checked_again(data: Path) -> None:
    before = load(data)
    careers = data / "careers.yaml"
    careers.write_text(careers.read_text().replace('name: "AI Engineer"', "name: No", 1))
    with pytest.raises(ContentError, match=r"careers\.yaml: tracks\[0\]\.name"):
        load(data)
    careers.write_bytes((DATA / "careers.yaml").read_bytes())
    assert load(data) == before


def test_an_edit_replaces_the_cached_version(data: Path) -> None:
    before = load(data)
    faq = data / "faq.yaml"
    faq.write_text(faq.read_text() + "\n# an operator's note\n")
    edited = load(data)
    assert edited.content_version != before.content_version
    (only,) = cached_files(data)
    assert only.name.startswith(f"content-{edited.content_version}")


def test_a_corrupt_cache_is_ignored_logged_and_replaced(data: Path, caplog: pytest.LogCaptureFixture) -> None:
    fresh = load(data)
    (path,) = cached_files(data)
    path.write_bytes(path.read_bytes()[:5000])
    with caplog.at_level(logging.WARNING, logger="careerbot.content"):
        assert load(data) == fresh
    assert "content cache" in caplog.text and "unusable" in caplog.text
    assert load(data) == fresh
    assert cached_files(data) == [path] and len(path.read_bytes()) > 5000


def test_an_unwritable_cache_location_still_loads(data: Path) -> None:
    # (Tests may run as root, who writes through permissions: a file where the folder should be.)
    (data.parent / "cache").write_text("not a folder")
    assert load(data) == load_content(data)
    assert (data.parent / "cache").read_text() == "not a folder"
