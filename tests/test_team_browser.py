"""An annotator in a real headless browser (Debian's chromium, driven by playwright; no browser download):
signs in through Label Studio's login page with the password `curation team add` printed, opens the labeling
stream, sees the pre-annotated regions, submits; `curation pull` attributes the annotation to them."""

from __future__ import annotations

import json
import time

import pytest

from curation.sync import snapshots
from tests.test_team import cli, team_workspace

pytestmark = pytest.mark.labelstudio
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
TEXT = "Bridge to close\n\nThe harbour bridge will probably close in May, officials said on Monday.\n"


def test_an_annotator_logs_in_labels_in_the_stream_and_the_pull_names_them(labelstudio, chromium, tmp_path):
    from playwright.sync_api import sync_playwright

    ws = team_workspace(labelstudio, tmp_path / "ws", "team-browser")
    made = cli("team", "add", "cleo@example.org", "--role", "annotator", "--name", "Cleo", "--json", ws=ws)
    assert made.exit_code == 0, made.output
    login = json.loads(made.stdout)
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "bridge.txt").write_text(TEXT, encoding="utf-8")
    assert cli("push", str(tmp_path / "articles"), ws=ws).exit_code == 0
    project_id = ws.config().project_id
    (task,) = labelstudio.client.tasks.list(project=project_id, fields="all")
    predicted = sum(1 for r in task.predictions[0].result if r["type"] == "labels")

    with sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=chromium,
                                                        headless=True, args=FLAGS)
        try:
            page = browser.new_page()
            page.goto(f"{labelstudio.url}/user/login/")
            page.fill("input[name=email]", login["email"])
            page.fill("input[name=password]", login["password"])
            page.click("button[type=submit], input[type=submit]")
            page.wait_for_url(lambda url: "/user/login" not in url, timeout=30_000)
            page.goto(f"{labelstudio.url}/projects/{project_id}/data?labeling=1")  # "Label All Tasks"
            page.wait_for_selector(".htx-highlight", timeout=60_000)  # the pre-annotated regions in the text
            assert page.locator(".htx-highlight").count() == predicted
            page.keyboard.press("Escape")  # the guidelines open first
            page.get_by_test_id("bottombar-submit-button").click()
            deadline = time.monotonic() + 30
            while not labelstudio.client.tasks.get(id=task.id).total_annotations and time.monotonic() < deadline:
                time.sleep(0.5)
        finally:
            browser.close()

    pulled = cli("pull", ws=ws)
    assert pulled.exit_code == 0, pulled.output
    (row,) = snapshots.live(ws, project_id).iter_rows(named=True)
    assert (row["completed_by"], row["updated_by"]) == (login["user_id"], login["user_id"])
    assert row["regions_kept"] == predicted and row["regions_added"] == 0  # submitted as the stream showed it
    status = json.loads(cli("status", "--json", ws=ws).stdout)
    assert status["annotators"] == {"Cleo": {"submitted": 1, "skipped": 0}} and status["tasks"]["annotated"] == 1
