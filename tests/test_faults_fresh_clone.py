"""A user's clone has no ../shared: the article-based checks skip there, naming the file, and fail in CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pytest_without_article(tmp_path: Path, *, require: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CAREERBOT_REQUIRE_ARTICLE"}
    env["CAREERBOT_ARTICLE_PATH"] = str(tmp_path / "shared" / "seeds" / "missing-article.txt")
    if require:
        env["CAREERBOT_REQUIRE_ARTICLE"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "tests/test_content.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_the_article_the_fidelity_checks_skip_and_name_the_file(tmp_path: Path) -> None:
    done = _pytest_without_article(tmp_path, require=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 skipped" in done.stdout
    assert "missing-article.txt is missing" in done.stdout


def test_ci_turns_the_missing_article_into_a_failure(tmp_path: Path) -> None:
    done = _pytest_without_article(tmp_path, require=True)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "3 failed" in done.stdout or "3 errors" in done.stdout
    assert "CAREERBOT_REQUIRE_ARTICLE=1 requires it" in done.stdout
