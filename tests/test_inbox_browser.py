"""The inbox page in a real browser: headless Chromium driven by Selenium.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them);
elsewhere the test is skipped, except under CI, where a missing browser fails.
The screenshot goes to ``$COMPAT_TEST_ARTIFACTS`` (default ``test-artifacts/``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from compat import LegacyClient

from .payloads import TOKEN, inbox

if TYPE_CHECKING:
    from collections.abc import Iterator

    from compat.sandbox import Sandbox

pytestmark = pytest.mark.filterwarnings("ignore::compat.LegacyEndpointWarning")

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = {"TP_5800000001xxxx": {"en-US": "Hello ${who}, your parcel is on its way"}}
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1400",
)


def _missing(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must run the browser test (.ci/run installs it)")
    pytest.skip(reason)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed")

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        _missing("no chromium or chromedriver on PATH")
    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for flag in (*FLAGS, f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager fetch a browser
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def test_the_inbox_page_in_a_browser(browser: Any, compat_sandbox_factory: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    sandbox: Sandbox = compat_sandbox_factory(templates=TEMPLATES)
    browser.get(f"http://{sandbox.host}:{sandbox.port}/_sandbox/")
    assert "No messages yet" in browser.find_element(By.ID, "inbox").text

    # sent after the page opened: it must show up by itself
    hostile = '<img src=x onerror="document.title=1">'
    payload = inbox(requestId="browser-1")
    payload["templates"][0]["templateParameters"]["who"] = "Ana " + hostile
    payload["templates"][0]["templateParameters"]["pushContentUrl"] = "https://shop.example/o/42"
    with LegacyClient(sandbox.url, "c-1") as client:
        client.send_inbox(payload)
    article = WebDriverWait(browser, 15).until(
        lambda driver: driver.find_element(By.CSS_SELECTOR, "article.message")
    )

    text = article.find_element(By.CSS_SELECTOR, ".template.rendered .text").text
    assert text == f"Hello Ana {hostile}, your parcel is on its way"
    link = article.find_element(By.CSS_SELECTOR, ".link a")
    assert link.get_attribute("href") == "https://shop.example/o/42"
    assert link.text == "https://shop.example/o/42"
    recipient = browser.find_element(By.CSS_SELECTOR, "section.recipient h2").text
    assert recipient.startswith("To 20…xx")
    assert TOKEN not in browser.page_source
    via = article.find_element(By.CSS_SELECTOR, ".via").text
    assert via == "via LegacyClient from POST /v2/messages/sendInbox"

    removed = [e.text for e in article.find_elements(By.CSS_SELECTOR, "tr.removed td.old")]
    added = [e.text for e in article.find_elements(By.CSS_SELECTOR, "tr.added td.new")]
    assert any('"authClientId"' in line for line in removed)
    assert any('"pushContentUrl"' in line for line in removed)
    assert any('"appId"' in line for line in added)
    assert any('"redirectUrl": "https://shop.example/o/42"' in line for line in added)
    old_color = article.find_element(By.CSS_SELECTOR, "tr.removed td.old")
    assert old_color.value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"
    changes = [e.text for e in article.find_elements(By.CSS_SELECTOR, "ul.changes li")]
    assert "renamed authClientId: authClientId -> appId" in changes

    # nothing from the message ran or became an element
    assert browser.find_elements(By.CSS_SELECTOR, "#inbox img") == []
    assert browser.title == "compat sandbox: inbox"

    folder = Path(os.environ.get("COMPAT_TEST_ARTIFACTS", ROOT / "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / "sandbox-inbox.png"
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
