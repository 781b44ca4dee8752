"""The dashboard page in a real browser, on reports the running operator wrote.

Debian's chromium and chromedriver (installed by hack/install-browser.sh when
missing) open ``aks-checklist dashboard`` at a desktop and a phone width; the
assertions are about what a person sees, and a full-page screenshot of each
width is written to ``$AKS_CHECKLIST_ARTIFACTS`` (default ``.artifacts/``).
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from aks_checklist.dashboard.mount import serve_metrics_and_dashboard
from aks_checklist.kube.dashboard_source import api_client
from tests.e2e.cluster import REPO, Cluster, eventually
from tests.e2e.operator_process import OperatorProcess
from tests.e2e.policies import create_namespace, deployment, policy
from tests.e2e.test_operator_reports import bad_deployment, good_deployment, report, result_of

ARTIFACTS = Path(os.environ.get("AKS_CHECKLIST_ARTIFACTS") or REPO / ".artifacts")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
DESKTOP, PHONE = (1280, 900), (390, 844)
HEADER_BLUE = "rgba(15, 61, 110, 1)"  # header.top's background in page.STYLE


@dataclass
class Scene:
    policy: str
    bad: str
    good: str
    bad_status: dict[str, Any]
    policy_status: dict[str, Any]
    url: str


@pytest.fixture(scope="module")
def browser_binaries() -> tuple[str, str]:
    subprocess.run(["bash", str(REPO / "hack" / "install-browser.sh")], check=True, timeout=900)
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium, "hack/install-browser.sh left no chromium on PATH"
    assert driver, "hack/install-browser.sh left no chromedriver on PATH"
    return chromium, driver


@pytest.fixture
def browser(
    browser_binaries: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WebDriver]:
    chromium, driver = browser_binaries
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    try:
        yield chrome
    finally:
        chrome.quit()


@pytest.fixture(scope="module")
def scene(
    crds: Cluster, operator: OperatorProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scene]:
    """A policy over two namespaces, one failing and one clean, and the dashboard command."""
    label = f"dash{os.getpid()}"
    name = f"dashboard-{label}"
    with policy(crds, name, label):
        bad = create_namespace(crds, f"shop-{label}", label)
        good = create_namespace(crds, f"billing-{label}", label)
        crds.apply(bad_deployment("web", bad))
        crds.apply(good_deployment("api", good))
        crds.apply(deployment("worker", bad))
        for namespace, workloads in ((bad, 2), (good, 1)):
            eventually(
                lambda ns=namespace, n=workloads: (
                    (s := report(crds, name, ns))
                    and s.get("workloads") == n
                    and result_of(s, "RES-05/resource-quota") == {"Pass"}
                ),
                timeout=60,
                what=f"the report of {namespace} with its baseline",
            )
        bad_status = settled(lambda: report(crds, name, bad))
        policy_status = settled(lambda: crds.get_json("akspolicy", name).get("status"))
        assert policy_status["summary"]["namespaces"] == 2
        log = tmp_path_factory.mktemp("dashboard") / "dashboard.log"
        with log.open("wb") as out:
            command = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "aks_checklist",
                    "dashboard",
                    "--kubeconfig",
                    str(crds.kubeconfig),
                    "--port",
                    "0",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            line = eventually(
                lambda: next(
                    (x for x in log.read_text().splitlines() if "Serving the dashboard on" in x),
                    None,
                ),
                timeout=30,
                what="aks-checklist dashboard to listen",
            )
            url = line.rsplit(" ", 1)[-1]
            yield Scene(name, bad, good, bad_status, policy_status, url)
        finally:
            command.terminate()
            command.wait(10)
            for namespace in (bad, good):
                crds.kubectl("delete", "namespace", namespace, "--wait=false", check=False)


def settled(read: Callable[[], dict[str, Any] | None]) -> dict[str, Any]:
    """A status once two reads a few seconds apart agree (the operator has finished its pass)."""

    def twice() -> dict[str, Any] | None:
        first = read()
        time.sleep(3)
        return first if first and first == read() else None

    return eventually(twice, timeout=60, what="a status that stopped changing")


def show(browser: WebDriver, url: str, size: tuple[int, int], *, mobile: bool) -> None:
    width, height = size
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )
    browser.get(url)


def screenshot(browser: WebDriver, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = browser.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
    )
    path = ARTIFACTS / name
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def namespace_row(browser: WebDriver, namespace: str) -> Any:
    rows = browser.find_elements(By.CSS_SELECTOR, "table.namespaces tbody tr")
    return next(r for r in rows if r.find_element(By.CSS_SELECTOR, "td").text == namespace)


def cell(row: Any, label: str) -> str:
    text: str = row.find_element(By.CSS_SELECTOR, f'td[data-label="{label}"]').text
    return text


def failing_rule(browser: WebDriver, scene: Scene, rule: str) -> Any:
    return browser.find_element(
        By.CSS_SELECTOR, f'details#ns-{scene.policy}-{scene.bad} article[data-rule="{rule}"]'
    )


def csp_violations(browser: WebDriver) -> list[str]:
    return [
        entry["message"]
        for entry in browser.get_log("browser")
        if "Content Security Policy" in entry["message"]
    ]


def test_at_desktop_width_a_person_sees_the_checklist_scores_and_fixes(
    browser: WebDriver, scene: Scene
) -> None:
    show(browser, scene.url, DESKTOP, mobile=False)

    heading = browser.find_element(By.CSS_SELECTOR, f"#policy-{scene.policy} h2")
    assert scene.policy in heading.text
    assert "Enforce" in heading.text

    categories = browser.find_elements(By.CSS_SELECTOR, "table.categories tbody tr")
    assert [r.find_element(By.CSS_SELECTOR, "td").text for r in categories][:3] == [
        "Application",
        "Bc Dr",
        "Cluster Multi",
    ]
    application = categories[0]
    assert cell(application, "Items") == "24"
    judged = sum(1 for item in scene.policy_status["items"] if item["id"].startswith("APP-"))
    assert cell(application, "Judged") == str(judged)
    assert int(cell(application, "Failed")) > 0

    row = namespace_row(browser, scene.bad)
    assert row.is_displayed()
    assert cell(row, "Score").split()[0] == str(scene.bad_status["score"])
    assert cell(row, "Failed") == str(scene.bad_status["failed"])
    assert cell(namespace_row(browser, scene.good), "Workloads") == "1"

    liveness = failing_rule(browser, scene, "APP-01/liveness-probe")
    assert liveness.is_displayed()
    assert "Fail" in liveness.text
    assert "Deployment/web" in liveness.text
    fix = liveness.find_element(By.CSS_SELECTOR, ".fix")
    assert fix.is_displayed()
    assert "How to fix" in fix.text
    assert "Containers have a liveness probe" in fix.text

    cluster = scene.policy_status.get("cluster", [])
    listed = browser.find_elements(
        By.CSS_SELECTOR, f"#policy-{scene.policy} table.cluster tbody tr"
    )
    assert len(listed) == len(cluster), "every cluster and Azure result is on the page"
    to_act_on = [r for r in cluster if r["result"] not in ("Pass", "NotApplicable")]
    shown = [r for r in listed if r.is_displayed()]
    assert len(shown) == len(to_act_on), "those to act on are in view, the rest folded away"
    assert shown, "the local API server's version is outside AKS' window: a Warn to show"

    header = browser.find_element(By.CSS_SELECTOR, "header.top")
    assert header.value_of_css_property("background-color") == HEADER_BLUE, "the style applied"
    assert csp_violations(browser) == []
    assert screenshot(browser, "dashboard-1280.png").stat().st_size > 10_000


def test_on_a_phone_the_tables_stack_and_nothing_scrolls_sideways(
    browser: WebDriver, scene: Scene
) -> None:
    show(browser, scene.url, PHONE, mobile=True)
    width = browser.execute_script("return window.innerWidth")
    assert width == PHONE[0]
    assert browser.execute_script("return document.documentElement.scrollWidth") <= width
    overflowing = browser.execute_script(
        """
        return [...document.querySelectorAll('body *')]
          .filter(e => e.getClientRects().length && !e.closest('thead'))
          .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
          .map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 40));
        """
    )
    assert overflowing == []

    row = namespace_row(browser, scene.bad)
    assert row.value_of_css_property("display") == "grid", "rows become cards"
    score = row.find_element(By.CSS_SELECTOR, 'td[data-label="Score"]')
    assert score.is_displayed()
    assert str(scene.bad_status["score"]) in score.text
    liveness = failing_rule(browser, scene, "APP-01/liveness-probe")
    assert "How to fix" in liveness.text
    assert screenshot(browser, "dashboard-390.png").stat().st_size > 10_000


def test_the_operator_can_serve_page_and_metrics_on_one_port(scene: Scene, crds: Cluster) -> None:
    """What the operator mounts on its metrics port: /metrics unchanged, the page beside it."""
    server = serve_metrics_and_dashboard(0, "127.0.0.1", api=api_client(str(crds.kubeconfig)))
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:  # noqa: S310  # http on loopback
            assert "# TYPE aks_checklist_namespace_score gauge" in response.read().decode()
        with urllib.request.urlopen(f"{base}/", timeout=30) as response:  # noqa: S310  # http on loopback
            page = response.read().decode()
            assert response.headers["Content-Type"].startswith("text/html")
        assert f'id="ns-{scene.policy}-{scene.bad}"' in page
    finally:
        server.shutdown()
        server.server_close()


def test_output_writes_the_same_page_once_to_a_file(
    scene: Scene, crds: Cluster, tmp_path: Path
) -> None:
    target = tmp_path / "compliance.html"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "aks_checklist",
            "dashboard",
            "--kubeconfig",
            str(crds.kubeconfig),
            "--output",
            str(target),
        ],
        check=True,
        timeout=60,
    )
    page = target.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert f'id="ns-{scene.policy}-{scene.bad}"' in page
    assert "APP-01/liveness-probe" in page
