"""The interactive page, tested as a person uses it: a real server, real headless Chromium.

Debian's chromium and chromium-driver are installed here when missing (apt, as root); Selenium
drives them through /usr/bin/chromedriver, so no browser is downloaded. The server and the browser
talk over 127.0.0.1 only. The screenshot is kept in artifacts/browser/.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = ROOT / "artifacts" / "browser"
CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1800,1300",
]


def ensure_browser() -> None:
    """Install Debian's Chromium and ChromeDriver if this machine lacks them."""
    if CHROMIUM.exists() and DRIVER.exists():
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.fail(
            "needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(
        ["apt-get", "update", "-q"], check=True, capture_output=True, env=env, timeout=600
    )
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "chromium", "chromium-driver"],
        check=True,
        capture_output=True,
        env=env,
        timeout=900,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    log_path = Path(tempfile.mkdtemp(prefix="solara-")) / "server.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "solara"),
            "run",
            "sim/api/page.py",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--production",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"},
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            assert process.poll() is None, log_path.read_text()[-3000:]
            time.sleep(0.5)
    yield url
    os.killpg(process.pid, 15)
    process.wait(timeout=30)
    log.close()


@pytest.fixture(scope="module")
def browser():
    ensure_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix="chromium-")
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def probability(driver, country: str) -> float | None:
    """The probability the page shows for `country` in its summary table, if shown."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    try:  # the table is redrawn after every change: an element found may be gone when read
        rows = driver.find_elements(By.XPATH, f"//tr[td[normalize-space(.)='{country}']]")
        match = re.search(r"(\d\.\d{3})", rows[0].text) if rows else None
    except StaleElementReferenceException:
        return None
    return float(match.group(1)) if match else None


def wait_for(condition, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    return None


def test_moving_the_engagement_control_changes_a_displayed_probability(server, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    browser.get(server)
    before = wait_for(lambda: probability(browser, "Uzbekistan"))
    assert before is not None, "the page never showed Uzbekistan's probability"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "page_default.png"))
    slider = browser.find_element(
        By.XPATH,
        "//div[contains(@class,'v-input')][.//label[starts-with(normalize-space(.), 'mediator engagement')]]"
        "//div[contains(@class,'v-slider')]",
    )
    width = slider.size["width"]
    started = time.monotonic()
    ActionChains(browser).move_to_element_with_offset(slider, -width // 2 + 2, 0).click().perform()
    after = wait_for(
        lambda: (p := probability(browser, "Uzbekistan")) is not None and p != before and p
    )
    seconds = time.monotonic() - started
    browser.save_screenshot(str(ARTIFACTS / "page.png"))
    assert after, f"Uzbekistan's probability stayed at {before} after the engagement control moved"
    assert after < before  # courting fell to almost nothing, and Uzbekistan is carried by offers
    print(
        f"engagement moved: Uzbekistan {before:.3f} -> {after:.3f}, shown {seconds:.2f} s after the click"
    )
    assert (ARTIFACTS / "page.png").read_bytes()[:4] == b"\x89PNG"


def test_mesas_step_control_advances_the_replicate(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server)
    assert wait_for(lambda: re.search(r"Time: 0(\.0)?\b", browser.page_source)), (
        "the step counter never showed"
    )
    for _ in range(2):
        browser.find_element(
            By.XPATH, "//button[normalize-space(.)='Step' or normalize-space(.)='STEP']"
        ).click()
        time.sleep(0.5)
    assert wait_for(lambda: re.search(r"Time: 2(\.0)?\b", browser.page_source)), (
        "two steps did not advance the model"
    )
    browser.save_screenshot(str(ARTIFACTS / "page_stepped.png"))


def test_the_page_shows_values_the_whole_network_and_fits_a_laptop_screen(server, browser):
    """Slider values on view, every country's node in the network, a download button, and no
    horizontal scrolling at 1366 px wide."""
    from selenium.webdriver.common.by import By

    from sim.hydra.configs import compose_config

    browser.set_window_size(1366, 900)
    browser.get(server)
    assert wait_for(lambda: probability(browser, "Uzbekistan")), "the page never showed its table"
    labels = wait_for(
        lambda: [
            e.text
            for e in browser.find_elements(By.CSS_SELECTOR, ".v-slider label, .v-input label")
            if e.text
        ]
    )
    assert (
        labels and "mediator engagement: 1.00" in labels and "leader multiplier: 2.0" in labels
    ), labels  # the values shown
    names = [c.name for c in compose_config([]).roster.countries.values()]
    shown = wait_for(
        lambda: (
            (t := {e.text for e in browser.find_elements(By.CSS_SELECTOR, ".network svg text")})
            and t
        )
    )
    assert shown and set(names) <= shown, sorted(set(names) - (shown or set()))
    link = browser.find_element(By.CSS_SELECTOR, "a.download-tables")
    assert link.get_attribute("download") == "accord-sim-tables.zip" and link.get_attribute(
        "href"
    ).startswith("data:application/zip;base64,")
    scrolling = browser.execute_script("""
        const out = [];
        for (const e of [document.documentElement, ...document.querySelectorAll('*')]) {
          const x = getComputedStyle(e).overflowX;
          if (e.scrollWidth > e.clientWidth + 1 && (e === document.documentElement || x === 'auto' || x === 'scroll'))
            out.push(`${e.tagName}.${e.className} ${e.scrollWidth} > ${e.clientWidth}`);
        }
        return out;""")
    browser.save_screenshot(str(ARTIFACTS / "page_1366.png"))
    assert not scrolling, f"horizontal scrolling at 1366 px: {scrolling}"


def test_choosing_the_second_world_shows_its_terms_and_countries(server, browser):
    """The scenario list holds the Artemis world: choosing it gives one slider per term it
    declares (none of the Abraham world's) and its countries in the table and the network."""
    from selenium.webdriver.common.by import By

    browser.set_window_size(1800, 1300)
    browser.get(server)
    assert wait_for(lambda: probability(browser, "Uzbekistan")), "the page never showed its table"
    browser.find_element(
        By.XPATH,
        "//div[contains(@class,'v-select')][.//label[normalize-space(.)='scenario']]//div[@role='button']",
    ).click()
    item = "//div[contains(@class,'v-list-item-title')][normalize-space(.)='artemis']"  # Vuetify 3's menu
    browser.execute_script(
        "arguments[0].click()", wait_for(lambda: browser.find_elements(By.XPATH, item))[0]
    )  # the menu may still be moving
    assert wait_for(lambda: probability(browser, "Türkiye"), timeout=120), (
        "the Artemis world's table never showed"
    )
    labels = wait_for(
        lambda: [
            e.text
            for e in browser.find_elements(By.CSS_SELECTOR, ".v-slider label, .v-input label")
            if e.text
        ]
    )
    assert any(label.startswith("weight: treaty_ally") for label in labels), labels
    assert not any("palestine" in label or "leader" in label for label in labels), (
        labels
    )  # no leader here
    shown = {e.text for e in browser.find_elements(By.CSS_SELECTOR, ".network svg text")}
    assert {"Türkiye", "Latvia", "Japan"} <= shown
    browser.save_screenshot(str(ARTIFACTS / "page_artemis.png"))
