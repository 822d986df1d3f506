"""Browser journeys through the one address: the services each served by werkzeug in a thread behind the
dev gateway (shared/gateway.py), the 浙政钉 stand-in for 免登, messages pumped between the services as the
broker would carry them, and Debian's chromium driven by Playwright — one browser per test module.

Journeys use only what a person sees: labels, button texts, headings. Every page visited is saved as a
screenshot under ``test-artifacts/<module>/`` (kept by CI), at the viewport of the journey (390×844 phone,
1280×800 浙政钉 PC client), and checked for horizontal scrolling and tap-target size.

The browser runs as a Chinese user's does: its interface language zh-CN and every context's locale zh-CN in
Asia/Shanghai, so a date field reads 年/月/日 as in 浙政钉 on a Chinese desktop, not mm/dd/yyyy. Chromium on
Linux takes its interface language from ``LANGUAGE`` (``--lang`` alone is not enough there) and needs that
language's resources (Debian's ``chromium-l10n``: ``/usr/lib/chromium/locales/zh-CN.pak``); without them
it falls back to en-US.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from shared import demo
from shared.config import REPO_ROOT
from shared.embedded_redis import free_port
from shared.gateway import Gateway
from shared.runtime import ServiceRuntime

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=zh-CN",
]
#: what chromium on Linux reads its interface language from
CHROMIUM_ENV = {"LANGUAGE": "zh_CN:zh"}
ZH_CN_RESOURCES = Path("/usr/lib/chromium/locales/zh-CN.pak")
#: every context of every journey: a user in Ningbo
CHINESE_USER = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
ARTIFACTS = REPO_ROOT / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 800}
VIEWPORTS = {"phone": PHONE, "desk": DESK}
DEAD = "http://127.0.0.1:9"  # a service not started for a journey


def require_chromium() -> None:
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")


def require_chinese_resources() -> None:
    """Chromium's zh-CN resources, without which it draws a date field mm/dd/yyyy whatever the locale."""
    require_chromium()
    if not ZH_CN_RESOURCES.exists():
        _missing(f"{ZH_CN_RESOURCES} is missing: install Debian's chromium-l10n (apt-get install it)")


def _missing(reason: str) -> None:
    if os.environ.get("DM_REQUIRE_BROWSER") == "1":
        pytest.fail(reason + " — DM_REQUIRE_BROWSER=1 says the browser tests must run")
    pytest.skip(reason + " to run browser tests")


def serve(app: Any, port: int = 0) -> tuple[str, Callable[[], None]]:
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join(timeout=5)

    return f"http://127.0.0.1:{server.server_port}", stop


@dataclass
class Suite:
    """The services of a journey behind one address, and the messages between them."""

    runtimes: dict[str, ServiceRuntime]
    address: str = ""
    stops: list[Callable[[], None]] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)
    elsewhere: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def pump(self) -> None:
        """Deliver what every service has published to the services of this journey, until quiet."""
        moved = True
        while moved:
            moved = False
            for name, runtime in self.runtimes.items():
                sent = runtime.sender.sent  # type: ignore[attr-defined]
                while self.seen.get(name, 0) < len(sent):
                    destination, envelope = sent[self.seen.get(name, 0)]
                    self.seen[name] = self.seen.get(name, 0) + 1
                    moved = True
                    target = self.runtimes.get(destination)
                    if target is not None and envelope["type"] in target.bus.handlers:
                        target.bus.handle(envelope)
                    else:
                        self.elsewhere.append((destination, envelope))

    def stop(self) -> None:
        for stop in reversed(self.stops):
            stop()


@pytest.fixture
def suite_of(make_runtime, tmp_path) -> Iterator[Callable[..., Suite]]:  # type: ignore[no-untyped-def]
    """``suite_of("intake", "deadlines", …)``: those services (and the stand-in) behind one gateway."""
    require_chromium()
    made: list[Suite] = []

    def build(*services: str, configure: Callable[[str, Any], None] | None = None) -> Suite:
        from services.notify.standin.app import create_app as create_standin

        people = demo.demo_directory().people
        accounts = {
            str(p["zwd_account_id"]): {"name": p["name"], "employeeCode": f"GE_{p['id']}"} for p in people
        }
        standin_url, stop_standin = serve(create_standin({"ENV": "test", "ACCOUNTS": accounts}))
        gateway_port = free_port()
        address = f"http://127.0.0.1:{gateway_port}"
        runtimes: dict[str, ServiceRuntime] = {}
        suite = Suite(runtimes, address, [stop_standin])
        upstreams = {name: DEAD for name in ("intake", "deadlines", "devolution", "notify")}
        for name in services:
            runtime = make_runtime(name)
            runtime.settings = runtime.settings.with_overrides(
                public_base_url=address, platform_base_url=standin_url
            )
            runtimes[name] = runtime
        if "intake" in runtimes:
            from services.intake.usecases import directory

            directory.load_directory(runtimes["intake"], demo.demo_directory())
        for name, runtime in runtimes.items():
            module = __import__(f"services.{name}.app", fromlist=["create_app"])
            app = module.create_app(runtime=runtime)
            if configure:
                configure(name, app)
            upstreams[name], stop = serve(app)
            suite.stops.append(stop)
        _url, stop_gateway = serve(Gateway(upstreams=upstreams), gateway_port)
        suite.stops.append(stop_gateway)
        suite.pump()
        made.append(suite)
        return suite

    yield build
    for suite in made:
        suite.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One chromium for the whole module (journeys open their own contexts)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, env={**os.environ, **CHROMIUM_ENV}
        )
        try:
            yield launched
        finally:
            launched.close()


class Person:
    """One person's browser window at one viewport, saving a screenshot of every page it checks."""

    def __init__(self, browser: Any, viewport: str, folder: Path) -> None:
        phone = viewport == "phone"
        self.context = browser.new_context(
            viewport=VIEWPORTS[viewport], is_mobile=phone, has_touch=phone, **CHINESE_USER
        )
        self.page = self.context.new_page()
        self.viewport = viewport
        self.folder = folder
        self.shots = 0

    def login(self, address: str, name: str, then: str = "/") -> None:
        """Open the one address and log in by picking the demo person (浙政钉 免登 through the stand-in)."""
        self.page.goto(address + then)
        self.page.get_by_role("button", name=f"登录：{name}", exact=True).click()
        self.page.wait_for_load_state()

    def check(self, name: str) -> None:
        """What every page must be: one heading, no horizontal scrolling, tappable controls; then a shot."""
        page = self.page
        page.wait_for_load_state()
        assert page.locator("h1").count() == 1, f"{name}: one heading per page"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
            f"{name}: scrolls sideways"
        )
        small = page.evaluate(
            """() => [...document.querySelectorAll('main button, main input:not([type=hidden]), main select')]
                 .filter(e => e.offsetParent !== null)
                 .filter(e => { const r = e.getBoundingClientRect();
                                return e.type === 'radio' || e.type === 'checkbox' ? false : r.height < 44; })
                 .map(e => e.outerHTML.slice(0, 80))"""
        )
        assert not small, f"{name}: controls under 44 px: {small}"
        self.shots += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(self.folder / f"{self.shots:02d}-{name}-{self.viewport}.png"), full_page=True
        )

    def date_field_text(self, selector: str) -> str:
        """What a date field shows, as chromium draws it: ``年/月/日`` empty, ``2026/12/04`` filled (its
        parts are in a user-agent shadow tree no selector reaches: read through the DevTools protocol)."""
        cdp = self.context.new_cdp_session(self.page)
        try:
            root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
            node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
            tree = cdp.send("DOM.describeNode", {"nodeId": node, "depth": -1, "pierce": True})["node"]
        finally:
            cdp.detach()
        return "".join(_drawn_text(tree, inside=False)).replace(" ", "")

    def close(self) -> None:
        self.context.close()


def _drawn_text(node: dict[str, Any], *, inside: bool) -> list[str]:
    """The text nodes under a date field's ``-webkit-datetime-edit`` part (not the picker's button)."""
    attributes = node.get("attributes", [])
    inside = inside or "-webkit-datetime-edit" in attributes
    texts = [node.get("nodeValue", "")] if inside and node.get("nodeType") == 3 else []
    for child in [*node.get("shadowRoots", []), *node.get("children", [])]:
        texts += _drawn_text(child, inside=inside)
    return texts


@pytest.fixture
def person(browser: Any, request: pytest.FixtureRequest) -> Iterator[Callable[[str], Person]]:
    module = Path(str(request.node.fspath)).stem
    opened: list[Person] = []

    def open_window(viewport: str) -> Person:
        window = Person(browser, viewport, ARTIFACTS / module)
        opened.append(window)
        return window

    yield open_window
    for window in opened:
        window.close()
