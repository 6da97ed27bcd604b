"""Every public page in every language, at phone and desktop widths: a
screenshot of each is written to var/screenshots/ for people to look at, and
axe-core finds no serious or critical violation in any of them."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import translation

from tests.browser.conftest import AXE_RESULTS, SCREENSHOTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# A phone and a desktop.
WIDTHS = [(390, 844), (1280, 900)]
BLOCKING = {"serious", "critical"}
UNFOLD = "document.querySelectorAll('details').forEach(d => d.open = true)"
# (name, URL name, arguments, query string)
PAGES = [
    ("home", "b40:home", {}, ""),
    ("growth", "b40:growth", {}, ""),
    ("history", "b40:history", {}, ""),
    ("members", "cities:city-list", {}, ""),
    ("members-as-of", "cities:city-list", {}, "?as_of=2022-01-01"),
    ("city", "cities:city-detail", {"slug": "sofia"}, ""),
    ("countries", "cities:country-list", {}, ""),
    ("country", "cities:country-detail", {"code": "BG"}, ""),
    ("events", "summits:event-list", {}, ""),
    ("event", "summits:event-detail", {"slug": "istanbul-summit-2021"}, ""),
    ("declarations", "summits:declaration-list", {}, ""),
    (
        "declaration",
        "summits:declaration-detail",
        {"slug": "istanbul-declaration"},
        "",
    ),
    ("presidency", "summits:presidency-list", {}, ""),
    ("status-search", "certificates:status-search", {}, "?q=sofia"),
    ("status", "certificates:status", {"slug": "sofia"}, ""),
    ("apply", "applications:apply", {}, ""),
    ("office-login", "offices:login", {}, ""),
]


@pytest.mark.parametrize("language", ["en", "tr", "bg", "el"])
def test_public_pages(page, site, language):
    axe = Axe()
    failures = []
    for name, url_name, kwargs, query in PAGES:
        with translation.override(language):
            path = reverse(url_name, kwargs=kwargs) + query
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            response = page.goto(site + path)
            if response.status != 200:
                failures.append(f"{path}: HTTP {response.status}")
                break
            assert page.locator("html").get_attribute("lang") == language
            page.screenshot(
                path=SCREENSHOTS / f"{language}-{name}-{width}.png", full_page=True
            )
            violations = axe.run(page).response["violations"]
            AXE_RESULTS[f"{language} {path} @{width}px"] = [
                (v["id"], v["impact"], len(v["nodes"])) for v in violations
            ]
            failures += [
                f"{path} @{width}px: {v['id']} ({v['impact']}): {v['help']}; "
                + "; ".join(node["target"][0] for node in v["nodes"][:3])
                for v in violations
                if v["impact"] in BLOCKING
            ]
            # Reflow: with everything unfolded, only a table's own region
            # may scroll sideways, never the page.
            page.evaluate(UNFOLD)
            wide = page.evaluate("document.documentElement.scrollWidth")
            if wide > width:
                failures.append(f"{path} @{width}px: the page is {wide}px wide")
    assert not failures, "\n".join(failures)
