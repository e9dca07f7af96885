"""End to end in a real browser: Playwright drives Debian's Chromium against a live server.

Log in, edit an item, plan a release, open the roadmap; a screenshot of each main page goes to
a temporary folder (ROADWISE_SCREENSHOTS keeps them somewhere else).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)"
    ),
]
PASSWORD = "correct-horse-battery"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    from roadwise.domain import Scenario, ScenarioChange
    from roadwise.sample import generate_sample
    from roadwise.views.web import accounts, create_app
    from roadwise.workspace import open_store

    db = tmp_path_factory.mktemp("browser") / "w.db"
    store = open_store(db)
    ws = generate_sample(seed=7)
    hire = Scenario(
        key="hire",
        name="One more platform engineer",
        changes=[
            ScenarioChange(
                entity="person",
                key=ws.teams[0].key,
                action="add",
                value={"key": "new-hire", "name": "New hire", "skills": ["backend"]},
            )
        ],
    )
    store.replace(ws.copy_with(scenarios=[hire]))
    accounts.add_user(store, "tpm", PASSWORD, "editor")
    store.close()
    port = _free_port()
    config = uvicorn.Config(create_app(str(db)), host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the web server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("ROADWISE_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_log_in_edit_plan_and_open_the_roadmap(server: str, shots: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.set_default_timeout(60_000)
        # The assertions wait as long as the actions: on a loaded 2-core machine a page that
        # ranks the backlog can take over the 5 s the assertions wait by default.
        expect.set_options(timeout=60_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        page.goto(server + "/backlog")
        expect(page).to_have_url(f"{server}/login?next=/backlog")
        page.screenshot(path=str(shots / "login.png"))
        # Keyboard only: the user name field has focus, Tab moves to the password.
        page.keyboard.type("tpm")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{server}/backlog")
        expect(page.locator("table.data tbody tr").first).to_be_visible()
        page.screenshot(path=str(shots / "backlog.png"), full_page=False)

        # Open the top-ranked item, rename it and move it along.
        first = page.locator("table.data tbody tr").first.locator("td a").first
        key = first.inner_text()
        first.click()
        expect(page).to_have_url(f"{server}/items/{key}")
        page.fill("#title", "Single sign-on for every workspace")
        page.select_option("#status", "in_progress")
        page.click("text=Save (Alt+S)")
        expect(page.locator("p.ok")).to_have_text("Saved.")
        expect(page.locator("h1")).to_contain_text("Single sign-on for every workspace")
        expect(page.locator("ul.history")).to_contain_text("tpm")
        page.screenshot(path=str(shots / "item.png"), full_page=True)

        page.goto(server + "/release")
        page.click("#run-release")
        expect(page.locator("h2").first).to_contain_text("release-")
        expect(page.locator("text=rank-and-fill (greedy by value per point)")).to_be_visible()
        page.screenshot(path=str(shots / "release.png"), full_page=True)

        # Keyboard again: focus the roadmap link (access key M) and follow it.
        page.locator('nav a[accesskey="m"]').focus()
        page.keyboard.press("Enter")
        page.wait_for_url(f"{server}/roadmap")
        expect(page.locator("h1")).to_have_text("Roadmap")
        page.screenshot(path=str(shots / "roadmap.png"), full_page=True)

        page.goto(server + "/scenarios")
        page.click("text=Compare with the workspace as is")
        expect(page.locator("h2").first).to_have_text("as is")
        expect(page.locator("text=What moved")).to_be_visible()
        page.screenshot(path=str(shots / "scenarios.png"), full_page=True)

        # Feedback inbox: let the linker propose links, confirm the first one.
        page.goto(server + "/feedback")
        page.click("#propose")
        first_fb = page.locator("article.feedback").first
        expect(first_fb).to_be_visible()
        page.screenshot(path=str(shots / "feedback.png"), full_page=False)
        fb_id = first_fb.get_attribute("id")
        first_fb.locator("button", has_text="Confirm").first.click()
        expect(page.locator(f"#{fb_id}")).to_have_count(0)

        for name in (
            "",
            "forecasts",
            "capacity",
            "feedback/demand",
            "decisions",
            "audit",
            "reports",
        ):
            page.goto(f"{server}/{name}")
            expect(page.locator("h1").first).to_be_visible()
            shot = (name or "dashboard").replace("/", "-")
            page.screenshot(path=str(shots / f"{shot}.png"), full_page=True)
            if name == "audit":  # the history has the edit, by whom
                expect(page.locator("table.data")).to_contain_text(key)
                expect(page.locator("table.data")).to_contain_text("tpm")

        browser.close()
    assert not errors, errors
    assert (shots / "roadmap.png").stat().st_size > 10_000
