"""A mayor's office proving its city's membership, in Chromium on the live site:
the status check from search to QR code, and a certificate's verification page.
axe-core finds no serious or critical violation on any page of the journey."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import expect

from certificates import services
from cities.models import City
from tests.browser.conftest import AXE_RESULTS, SCREENSHOTS
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# A phone and a desktop.
WIDTHS = [(390, 844), (1280, 900)]
BLOCKING = {"serious", "critical"}


def axe_failures(page, name: str) -> list[str]:
    violations = Axe().run(page).response["violations"]
    AXE_RESULTS[name] = [(v["id"], v["impact"], len(v["nodes"])) for v in violations]
    return [
        f"{name}: {v['id']} ({v['impact']}): {v['help']}"
        for v in violations
        if v["impact"] in BLOCKING
    ]


def test_status_check_from_search_to_qr_code(page, site):
    failures = []
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(site + "/status/")
        failures += axe_failures(page, f"/status/ @{width}px")
        field = page.get_by_label("City name")
        field.fill("СОФИЯ")
        with page.expect_navigation():
            field.press("Enter")
        result = page.locator("main .status-results a", has_text="Sofia")
        expect(result).to_be_visible()
        page.screenshot(path=SCREENSHOTS / f"status-search-{width}.png", full_page=True)
        failures += axe_failures(page, f"/status/?q= @{width}px")

        with page.expect_navigation():
            result.click()
        expect(page.locator("main .status-verdict")).to_contain_text(
            "Sofia is a member of the B40 Balkan Cities Network today"
        )
        qr = page.get_by_role("img", name="QR code of this page's address")
        expect(qr).to_be_visible()
        box = qr.bounding_box()
        assert box["width"] >= 120, "the QR code is too small to scan from a screen"
        # The public address, not the test server's: the code is for printing.
        expect(page.locator("main .status-qr figcaption")).to_contain_text(
            settings.B40_SITE_URL + "/status/sofia/"
        )
        page.screenshot(path=SCREENSHOTS / f"status-sofia-{width}.png", full_page=True)
        failures += axe_failures(page, f"/status/sofia/ @{width}px")

    # An empty search is answered with a message, not an error page.
    page.goto(site + "/status/?q=")
    expect(page.locator("main .error-box")).to_contain_text("Type the name of a city")
    assert not failures, "\n".join(failures)


def test_verification_page_valid_then_altered(page, site):
    city = City.objects.get(slug="sofia")
    certificate = services.certificate_issue(
        city=city, user=UserFactory(is_superuser=True)
    )
    failures = []
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site + certificate.get_absolute_url())
    expect(page.locator("main .verdict-label")).to_have_text("Valid")
    expect(page.locator("main .facts")).to_contain_text(certificate.serial)
    page.screenshot(path=SCREENSHOTS / "verify-valid-390.png", full_page=True)
    failures += axe_failures(page, "verify valid @390px")

    token = certificate.token
    altered = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    page.goto(site + f"/certificates/verify/{altered}/")
    expect(page.locator("main .verdict-label")).to_have_text("Altered")
    expect(page.locator("main")).not_to_contain_text("Sofia")
    page.screenshot(path=SCREENSHOTS / "verify-altered-390.png", full_page=True)
    failures += axe_failures(page, "verify altered @390px")
    assert not failures, "\n".join(failures)
