"""The page of `g2p serve` in headless Chromium (selenium): upload an example through the file
input, see the render, the TikZ and the alternatives, pick one, extrapolate, and read a drawing
made with the pointer on the pad; the page must log no errors (a blocked external resource
would). Skips only where Chromium, chromedriver or selenium is not installed.

Set G2P_SCREENSHOT=experiments/results/serve_screenshot.png to also save a screenshot of the
whole page, 1280 px wide, with the result of data/examples/example-1.png and its extrapolation.
"""
import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from graphics2prog.pipeline.config import InferConfig
from graphics2prog.serve.app import create_app

pytestmark = pytest.mark.slow

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
if not (CHROMIUM and CHROMEDRIVER):
    pytest.skip("Chromium and chromedriver are not installed "
                "(Debian: apt-get install chromium chromium-driver)", allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "examples" / "example-1.png"
FAST = InferConfig(method="beam", time_budget=30.0, particles=32, synth_timeout=5,
                   device="cpu")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--window-size=1280,900"]
WAIT_S = 120


@pytest.fixture(scope="module")
def server_url():
    """The app served by uvicorn in a thread, on a free port of 127.0.0.1."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(FAST), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture(scope="module")
def browser():
    profile = tempfile.mkdtemp(prefix="g2p-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options,
                              service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver, condition, what):
    return WebDriverWait(driver, WAIT_S).until(lambda d: condition(d), message=what)


def text_of(driver, element_id):
    return driver.find_element(By.ID, element_id).get_attribute("textContent")


def wait_until_idle(driver):
    wait_for(driver, lambda d: d.find_element(By.ID, "results").get_attribute("aria-busy")
             == "false" and d.find_element(By.ID, "progress").get_attribute("hidden"), "idle")


def test_upload_shows_the_render_and_tikz(server_url, browser):
    browser.get(server_url)
    browser.find_element(By.ID, "file").send_keys(str(EXAMPLE))
    wait_for(browser, lambda d: "Done" in text_of(d, "status"), "an inference result")
    wait_until_idle(browser)
    assert browser.find_element(By.ID, "output").is_displayed()
    render = browser.find_element(By.ID, "render")
    wait_for(browser, lambda d: d.execute_script("return arguments[0].naturalWidth", render) > 0,
             "the clean render")
    assert "\\begin{tikzpicture}" in text_of(browser, "tikz")
    assert "for (i < 3)" in text_of(browser, "program")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#alt-list input[type=radio]")) >= 2


def test_picking_an_alternative_and_extrapolating(server_url, browser):
    radios = browser.find_elements(By.CSS_SELECTOR, "#alt-list input[type=radio]")
    radios[1].click()
    wait_for(browser, lambda d: "Showing spec 2" in text_of(d, "status"), "spec 2's program")
    wait_until_idle(browser)
    radios[0].click()
    wait_for(browser, lambda d: "Showing spec 1" in text_of(d, "status"), "spec 1 again")
    browser.find_element(By.ID, "extrapolate").click()
    wait_for(browser, lambda d: "Extrapolated" in text_of(d, "status"), "an extrapolation")
    assert "for (i < 4)" in text_of(browser, "extrapolated-program")
    if os.environ.get("G2P_SCREENSHOT"):
        save_page(browser, Path(os.environ["G2P_SCREENSHOT"]))


def test_a_drawing_on_the_pad_is_read(server_url, browser):
    pad = browser.find_element(By.ID, "pad")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", pad)
    scale = pad.size["width"] / 256  # the pad is 256 px of drawing however large it shows
    corners = [(4, 4), (12, 4), (12, 10), (4, 10), (4, 4)]  # a rectangle, in grid units
    points = [(round((16 * x - 128) * scale), round((128 - 16 * y) * scale)) for x, y in corners]
    actions = ActionChains(browser).move_to_element_with_offset(pad, *points[0]).click_and_hold()
    for x, y in points[1:]:
        actions = actions.move_to_element_with_offset(pad, x, y)
    actions.release().perform()
    browser.find_element(By.ID, "send-drawing").click()
    wait_for(browser, lambda d: "Reading drawing.png" not in text_of(d, "status")
             and "Done" in text_of(d, "status"), "the drawing's result")
    assert "rectangle(4,4,12,10)" in text_of(browser, "spec-text")


def test_every_control_is_labelled_and_reachable(browser):
    unlabelled = browser.execute_script("""
        return [...document.querySelectorAll('input, select, button, textarea')]
          .filter(c => !(c.labels && c.labels.length) && !c.getAttribute('aria-label')
                       && !(c.tagName === 'BUTTON' && c.textContent.trim()))
          .map(c => c.id || c.outerHTML);""")
    assert not unlabelled
    file_input = browser.find_element(By.ID, "file")
    assert browser.execute_script("return arguments[0].tabIndex", file_input) >= 0
    assert browser.execute_script("return getComputedStyle(arguments[0]).display",
                                  file_input) != "none"


def test_the_page_logged_no_errors(browser):
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def save_page(driver, path: Path):
    """The whole page at the window's width, as a PNG."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, max(900, height + 120))
    driver.execute_script("window.scrollTo(0, 0)")
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 900)
