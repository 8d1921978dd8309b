"""The web page in Debian's chromium (headless, driven by Playwright) against the real service.

Runs a named query in the YASGUI editor and sees rows; opens naltrexone's graph view, finds its
receptors and alternatives as nodes, clicks one and sees its card; clicks a contraindication and
sees its explanation. Screenshots go to tests/artifacts/. Every request must stay on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from live import service

pytestmark = [pytest.mark.browser, pytest.mark.live, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "web" / "node_modules"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The real service under gunicorn (2 workers) with the project's ontology."""
    for package in ("@zazuko/yasgui", "cytoscape"):
        if not (NODE_MODULES / package).is_dir():
            pytest.fail(f"web/node_modules/{package} is missing: run `npm ci --prefix web` "
                        "(the setup script does) to install the page's npm assets")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (the setup script does)")
    with service({}, workers=2) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              headless=True)
        yield chromium
        chromium.close()


@dataclass
class Tab:
    """A page plus what went wrong on it: requests that tried to leave, script errors."""

    page: Any
    outbound: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def check_clean(self) -> None:
        assert self.outbound == [], f"the page tried to reach {self.outbound}"
        assert self.errors == [], f"script errors: {self.errors}"


@pytest.fixture
def tab(browser: Any, base_url: str) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    opened = Tab(page)

    def guard(route: Any) -> None:
        if route.request.url.startswith(base_url + "/"):
            route.continue_()
        else:
            opened.outbound.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page.on("pageerror", lambda error: opened.errors.append(str(error)))
    page.set_default_timeout(WAIT_MS)
    yield opened
    context.close()


def _screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=False)
    return path


def test_named_query_runs_and_shows_rows(tab: Tab, base_url: str) -> None:
    page = tab.page
    page.goto(f"{base_url}/#query")
    page.click("button.example[data-query=contraindications]")
    rows = page.locator(".yasr table tbody tr")
    rows.first.wait_for(state="visible")
    assert rows.count() >= 5
    table_text = page.locator(".yasr table").inner_text()
    assert "naltrexone" in table_text
    assert "contraindicated" in table_text
    _screenshot(page, "query-contraindications.png")
    tab.check_clean()


def _node_labels(page: Any) -> list[str]:
    labels: list[str] = page.evaluate("window.dikg.cy.nodes().map(n => n.data('label'))")
    return labels


def _click_element(page: Any, selector: str) -> None:
    """Click a node (by Cytoscape selector) where it is drawn on the canvas, as a person would."""
    box = page.locator("#cy").bounding_box()
    point = page.evaluate(
        """(sel) => { const e = window.dikg.cy.$(sel)[0];
                      const p = e.isNode() ? e.renderedPosition() : e.renderedMidpoint();
                      return {x: p.x, y: p.y}; }""", selector)
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def _click_edge(page: Any, selector: str) -> None:
    """Click an edge where it is drawn: along its line, away from nodes that may cover a point."""
    box = page.locator("#cy").bounding_box()
    for share in (0.5, 0.35, 0.65, 0.25, 0.75):
        point = page.evaluate(
            """([sel, t]) => { const e = window.dikg.cy.$(sel)[0];
                 const a = e.renderedSourceEndpoint(), b = e.renderedTargetEndpoint();
                 return {x: a.x + t * (b.x - a.x), y: a.y + t * (b.y - a.y)}; }""",
            [selector, share])
        page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            page.wait_for_selector("#card [data-card=edge]", timeout=2000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"no point along {selector} opened the edge card")


def test_graph_view_of_naltrexone(tab: Tab, base_url: str) -> None:
    page = tab.page
    response = page.goto(f"{base_url}/id/naltrexone")
    assert response.status == 200 and "text/html" in response.headers["content-type"]
    page.wait_for_function("window.dikg && window.dikg.cy && window.dikg.cy.nodes().length > 10")
    labels = _node_labels(page)
    for gene in ("OPRM1", "OPRK1", "OPRD1"):
        assert any(gene in label and "opioid receptor" in label for label in labels), gene
    assert {"acamprosate", "disulfiram"} <= set(labels)
    page.wait_for_selector("#card [data-card=drug] h2")  # the focus's own card
    _click_element(page, "node[local = 'acamprosate']")
    card = page.locator("#card [data-card=drug]")
    page.wait_for_function(
        "document.querySelector('#card [data-card=drug] h2')?.textContent === 'acamprosate'")
    assert "Indications" in card.inner_text()
    _screenshot(page, "graph-naltrexone-acamprosate.png")
    _click_element(page, "node[local = 'oprm1']")
    page.wait_for_function(
        "document.querySelector('#card [data-card=node] h2')?.textContent.includes('OPRM1')")
    assert "antagonist of" in page.locator("#card").inner_text()
    tab.check_clean()


def test_contraindication_edge_shows_its_explanation(tab: Tab, base_url: str) -> None:
    page = tab.page
    page.goto(f"{base_url}/#graph/fentanyl")
    page.wait_for_function("window.dikg && window.dikg.cy && window.dikg.cy.nodes().length > 1")
    page.check("#inferred")
    page.click("#graph-form button[type=submit]")
    naltrexone = "https://w3id.org/dikg/id/naltrexone"
    reached = f"edge[?inferred][severity = 'contraindicated'][source = '{naltrexone}']"
    page.wait_for_function(f"window.dikg.cy.$(\"{reached}\").length > 0")
    page.wait_for_selector("#card [data-card=drug] h2")  # the focus's own card has arrived
    _click_edge(page, reached)
    text = page.locator("#card").inner_text()
    assert text.startswith("naltrexone — contraindicated with → fentanyl"), text
    assert "inferred" in text and "is a member of" in text and "stated:" in text
    assert "Sources" in text
    _screenshot(page, "graph-fentanyl-inferred-contraindication.png")
    tab.check_clean()
