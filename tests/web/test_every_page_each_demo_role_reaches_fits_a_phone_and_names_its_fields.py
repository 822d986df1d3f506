"""Every page each demo role reaches from the menu, at 390 px and in the 1280 px PC client: one heading,
no sideways scrolling, controls of at least 44 px, every field with a label, every button with text saying
what it does — pages usable with nothing but the browser (a screenshot of each kept)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

#: one demo person per role: office clerk, division head, leader, admin, organisation department, department
ROLES = ["张敏", "李强", "王建国", "赵磊", "孙丽", "周婷", "吴刚"]

UNNAMED = """() => {
  const shown = e => e.offsetParent !== null;
  const fields = [...document.querySelectorAll('main input:not([type=hidden]), main select, main textarea')]
    .filter(shown).filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                                && !e.getAttribute('aria-labelledby'));
  const buttons = [...document.querySelectorAll('main button')].filter(shown)
    .filter(b => !(b.textContent.trim() || b.getAttribute('aria-label')));
  return [...fields, ...buttons].map(e => e.outerHTML.slice(0, 100));
}"""


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_every_page_of_every_role_fits_390_px_and_1280_px_and_names_each_field_and_button(  # type: ignore[no-untyped-def]
    suite_of, person, viewport
) -> None:
    suite = suite_of("intake", "deadlines", "devolution")
    visited: list[str] = []
    for name in ROLES:
        window: Any = person(viewport)
        window.login(suite.address, name)
        page = window.page
        links = page.locator("nav.site-nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        for href in ["/", *[h for h in links if h != "/"]]:
            page.goto(suite.address + href)
            window.check(f"{name}-{href.strip('/').replace('/', '-') or 'home'}")
            assert not page.evaluate(UNNAMED), f"{name} {href}: unnamed fields or buttons"
            visited.append(f"{name} {href}")
        window.close()
    assert len(visited) >= 2 * len(ROLES)
