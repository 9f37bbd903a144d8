"""The playground in a real headless Chromium: a member takes the quiz to its result and salary chart, asks
/faq, and a moderator opens /quizstats summary, all by clicking the page as a person would."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
)
WAIT = 30  # seconds; charts render on a shared 2-core machine

if CHROMIUM is None or CHROMEDRIVER is None:
    reason = "Chromium is not installed (apt-get install -y chromium chromium-driver)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser test", pytrace=False)
    pytest.skip(reason, allow_module_level=True)

from selenium import webdriver  # noqa: E402  (after the skip: the dev extra may lack it on a user's machine)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from bot.content import load_content  # noqa: E402


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A copy of data/ for the content preview, as an author would make one."""
    folder = tmp_path / "content"
    shutil.copytree(ROOT / "data", folder, ignore=shutil.ignore_patterns("*.sqlite3*"))
    return folder


@pytest.fixture
def page_url(tmp_path: Path, content_dir: Path) -> Iterator[str]:
    """`careerbot playground` as a user starts it, on a free port; yields once it says where the page is."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg"}
    command = [
        "playground",
        "--port",
        "0",
        "--db",
        str(tmp_path / "play.sqlite3"),
        "--content-dir",
        str(content_dir),
    ]
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:  # blocks until the playground prints its address (or exits)
        lines.append(line)
        if line.startswith("careerbot playground: http://"):
            break
    else:
        pytest.fail("the playground exited before serving:\n" + "".join(lines))
    # Keep reading its log so a full pipe never blocks the playground; it is kept for a failure's report.
    threading.Thread(target=lines.extend, args=(process.stdout,), daemon=True).start()
    try:
        yield line.split()[2]
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for flag in (*FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Screenshots go to a temporary folder, or to CAREERBOT_SCREENSHOTS (make screenshots: docs/img)."""
    folder = Path(os.environ.get("CAREERBOT_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def until(driver: webdriver.Chrome, script: str, *args: Any) -> Any:
    """Wait until the page script returns something truthy, and return it (page errors fail fast)."""

    def check(d: webdriver.Chrome) -> Any:
        error = d.execute_script(
            "const e = document.querySelector('#error'); return e.hidden ? '' : e.textContent"
        )
        if error:
            raise AssertionError(f"the page shows an error: {error}")
        return d.execute_script(script, *args)

    return WebDriverWait(driver, WAIT).until(check)


def run_command(driver: webdriver.Chrome, path: str, **options: str) -> None:
    box = driver.find_element("id", "input")
    box.clear()
    box.send_keys("/" + path.split()[0])
    until(
        driver,
        'const c = document.querySelector(`[data-command="${arguments[0]}"]`); if (c) c.click(); return !!c',
        path,
    )
    if options or driver.execute_script("return !document.querySelector('#option-form').hidden"):
        for name, value in options.items():
            field = driver.find_element("id", f"opt-{name}")
            field.send_keys(value)
            if driver.find_elements("id", f"opt-{name}-choices"):  # an autocompleted option: the bot suggests
                suggestions = until(
                    driver,
                    "return [...document.querySelectorAll(`#opt-${arguments[0]}-choices div`)].map(d => d.textContent)",
                    name,
                )
                assert all(suggestions), suggestions
        until(driver, "const b = document.querySelector('#send-command'); if (b) b.click(); return !!b")


LAST_MESSAGE = "const all = [...document.querySelectorAll('#messages .msg')]; return all[all.length - 1]"
SCALE = {q.id: [o.id for o in q.options] for q in load_content(ROOT / "data").quiz.all_questions}
ANSWER_IDS = (  # custom_ids of the first button row of the newest message, in the order shown
    "const all = [...document.querySelectorAll('#messages .msg')];"
    " return [...all[all.length - 1].querySelector('.row').querySelectorAll('button')].map(b => b.dataset.customId)"
)
EMBED_TITLES = "return [...document.querySelectorAll('#messages .embed .title')].map(t => t.textContent)"


def test_member_and_moderator_journeys_in_chromium(
    page_url: str, browser: webdriver.Chrome, shots: Path
) -> None:
    browser.get(page_url)
    until(browser, "return document.querySelectorAll('#persona option').length >= 4")
    assert browser.title == "careerbot playground"

    # /careerquiz in #general: an ephemeral pointer to the DM.
    run_command(browser, "careerquiz")
    reply = until(
        browser,
        "return [...document.querySelectorAll('.msg.ephemeral')].map(m => m.textContent).find(t => t.includes('Check your DMs'))",
    )
    assert "Only you can see this" in reply

    # The DM: click the AI end of each question until the result arrives.
    browser.execute_script("document.querySelector('[data-channel=dm]').click()")
    until(
        browser,
        "return [...document.querySelectorAll('.embed .title')].some(t => t.textContent.includes('Question 1 of'))",
    )
    for _ in range(20):
        titles = browser.execute_script(EMBED_TITLES)
        if any(t.startswith("Your result") for t in titles):
            break
        before = titles[-1]
        # Options are shuffled per member: pick the AI end of each scale by its custom_id, not its position.
        shown = browser.execute_script(ANSWER_IDS)
        question = shown[0].split(":")[2]
        ai_end = next(cid for cid in shown if cid.split(":")[3] == SCALE[question][0])
        browser.execute_script(f"document.querySelector('[data-custom-id=\"{ai_end}\"]').click()")
        until(
            browser,
            EMBED_TITLES.replace("return ", "const t = ") + "; return t[t.length - 1] !== arguments[0]",
            before,
        )
    result = until(
        browser,
        "return [...document.querySelectorAll('.embed')].map(e => e.textContent).find(t => t.includes('Your result'))",
    )
    assert "Your result: AI Engineer" in result and "Salary band" in result and "$110-160k" in result
    assert "§" not in result  # sections are named by their titles, not codes
    browser.execute_script(LAST_MESSAGE + ".scrollIntoView()")
    browser.save_screenshot(str(shots / "quiz.png"))

    # Compare salaries: the chart arrives as an attached PNG and the browser decodes it.
    browser.execute_script(
        "[...document.querySelectorAll('.row button')].filter(b => b.textContent.includes('Compare salaries')).pop().click()"
    )
    width = until(
        browser,
        "const i = [...document.querySelectorAll('#messages img')].find(i => i.complete && i.naturalWidth > 0);"
        " if (i) i.scrollIntoView(); return i && i.naturalWidth",
    )
    assert width > 300
    browser.save_screenshot(str(shots / "comparison.png"))

    # /faq with a question, back in #general.
    browser.execute_script("document.querySelector('[data-channel=general]').click()")
    run_command(browser, "faq", question="which one pays more")
    answer = until(
        browser,
        "const m = [...document.querySelectorAll('.msg')].filter(m => (m.textContent || '').includes('used /faq')).pop();"
        " return m && m.querySelector('.embed') && m.textContent",
    )
    assert "Which Role Pays More" in answer and "§" not in answer

    # The moderator (Manage Server) opens the summary.
    browser.execute_script(
        "const s = document.querySelector('#persona');"
        " s.value = [...s.options].find(o => o.textContent.includes('moderator')).value;"
        " s.dispatchEvent(new Event('change'))"
    )
    run_command(browser, "quizstats summary")
    summary = until(
        browser,
        "const m = [...document.querySelectorAll('.msg')].filter(m => (m.textContent || '').includes('used /quizstats')).pop();"
        " return m && m.querySelector('.embed') && m.textContent",
    )
    assert "morgan used /quizstats" in summary
    browser.save_screenshot(str(shots / "moderator.png"))


def test_reload_content_shows_the_broken_field_on_the_page(
    page_url: str, browser: webdriver.Chrome, content_dir: Path
) -> None:
    browser.get(page_url)
    until(browser, "return document.querySelector('#content-status').textContent.startsWith('Content ')")
    careers = content_dir / "careers.yaml"
    careers.write_text(careers.read_text(encoding="utf-8").replace("maximum: 160000", "maximum: 100000", 1))
    browser.find_element("id", "reload").click()
    status = until(
        browser,
        "const s = document.querySelector('#content-status'); return s.classList.contains('bad') && s.textContent",
    )
    assert status == (
        "Not reloaded (the bot keeps the last good content): "
        "careers.yaml: tracks[0].salary.minimum: must be below maximum"
    )
    # The bot still answers with the last good figures.
    run_command(browser, "compare salary")
    shown = until(
        browser,
        "const m = [...document.querySelectorAll('.msg')].filter(m => m.textContent.includes('used /compare')).pop();"
        " return m && m.querySelector('.embed') && m.textContent",
    )
    assert "$110-160k" in shown


@pytest.fixture
def modal_page_url(tmp_path: Path) -> Iterator[str]:
    """The playground in this process (on its own thread and loop) with a test extension that opens a modal."""
    from bot.client import EXTENSIONS
    from playground.web import allow_port, build_app
    from playground.world import Playground

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    play = Playground(
        ROOT / "data", tmp_path / "play.sqlite3", extensions=(*EXTENSIONS, "tests.playground_modal_cog")
    )

    async def start() -> tuple[web.AppRunner, int]:
        await play.start()
        app = build_app(play)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        port = int(runner.addresses[0][1])
        allow_port(app, port)
        return runner, port

    runner, port = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=60)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:

        async def stop() -> None:
            await runner.cleanup()
            await play.stop()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


def test_a_modal_opens_and_its_answer_reaches_the_bot(modal_page_url: str, browser: webdriver.Chrome) -> None:
    browser.get(modal_page_url)
    until(browser, "return document.querySelectorAll('#persona option').length >= 4")
    run_command(browser, "note")
    until(browser, "return document.querySelector('#modal').open && document.querySelector('#m-note')")
    assert browser.find_element("css selector", "#modal h2").text == "Leave a note"
    browser.find_element("id", "m-note").send_keys("hello from the page")
    browser.find_element("id", "modal-submit").click()
    reply = until(
        browser,
        "return [...document.querySelectorAll('.msg.ephemeral')].map(m => m.textContent).find(t => t.includes('Noted:'))",
    )
    assert "Noted: hello from the page" in reply and "Only you can see this" in reply
