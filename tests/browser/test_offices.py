"""A mayor's office signs in, checks its city's status and proposes a correction,
in Chromium on the live site, at phone and desktop widths."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from cities.models import City
from offices.changes import Record
from offices.models import ChangeRequest, ChangeRequestStatus
from offices.services import change_request_submit
from tests.browser.conftest import AXE_RESULTS, SCREENSHOTS
from tests.factories import UserFactory
from tests.offices.factories import PASSWORD, OfficeAccountFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = [(390, 844), (1280, 900)]
BLOCKING = {"serious", "critical"}


def check_page(page, name, failures):
    """Screenshot the page at both widths; axe-core must find nothing serious."""
    axe = Axe()
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(
            path=SCREENSHOTS / f"offices-{name}-{width}.png", full_page=True
        )
        violations = axe.run(page).response["violations"]
        AXE_RESULTS[f"office {name} @{width}px"] = [
            (v["id"], v["impact"], len(v["nodes"])) for v in violations
        ]
        failures += [
            f"{name} @{width}px: {v['id']} ({v['impact']}): {v['help']}"
            for v in violations
            if v["impact"] in BLOCKING
        ]


def test_office_signs_in_sees_status_and_proposes_a_change(page, site):
    failures = []
    sofia = City.objects.get(slug="sofia")
    account = OfficeAccountFactory(city=sofia)

    page.goto(site + "/office/")
    expect(page).to_have_url(site + "/office/login/?next=/office/")
    check_page(page, "login", failures)
    page.get_by_label("Email address").fill(account.user.email.upper())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(site + "/office/")
    expect(page.locator("h1")).to_contain_text("Sofia")
    expect(page.locator("#status-heading + dl .status")).to_have_text("member")
    check_page(page, "dashboard", failures)

    page.get_by_role("link", name="Propose a correction to your city's record").click()
    expect(page.locator("h1")).to_have_text("Propose a correction")
    check_page(page, "change-form", failures)
    # A blank latitude alone is refused, tied to its field, and nothing is sent.
    page.get_by_label("Latitude").fill("")
    page.get_by_role("button", name="Send the proposal").click()
    longitude_error = page.locator("#id_latitude_error")
    expect(longitude_error).to_contain_text("Give both latitude and longitude")
    expect(page.get_by_label("Latitude")).to_have_attribute("aria-invalid", "true")
    check_page(page, "change-form-error", failures)
    page.get_by_label("Latitude").fill("42.69751")
    first_blank = page.locator("input[name='names-INITIAL_FORMS']").input_value()
    page.locator(f"#id_names-{first_blank}-language").fill("sq")
    page.locator(f"#id_names-{first_blank}-name").fill("Sofje")
    page.get_by_label("Explanation for the secretariat").fill("The Albanian name.")
    page.get_by_role("button", name="Send the proposal").click()

    change_request = ChangeRequest.objects.get(city=sofia)
    expect(page).to_have_url(site + change_request.get_absolute_url())
    expect(page.locator("[role=status]")).to_contain_text("sent to the secretariat")
    expect(page.locator(".request-status")).to_have_text("pending")
    expect(page.locator(".change-table")).to_contain_text("Sofje")
    expect(page.locator(".change-table")).to_contain_text("42.69751")
    check_page(page, "change-request", failures)
    assert change_request.status == ChangeRequestStatus.PENDING

    page.get_by_role("link", name="Dashboard").first.click()
    row = page.locator("#requests-heading ~ table tbody tr").first
    expect(row).to_contain_text(f"Request #{change_request.pk}")
    expect(row).to_contain_text("pending")
    check_page(page, "dashboard-pending", failures)
    assert not failures, "\n".join(failures)


def test_secretariat_reviews_a_change_request_in_the_admin(page, site):
    sofia = City.objects.get(slug="sofia")
    account = OfficeAccountFactory(city=sofia)
    proposed = Record.of(sofia).sections()
    proposed["coordinates"] = {"latitude": "42.69751", "longitude": "23.32415"}
    change_request = change_request_submit(
        city=sofia, user=account.user, proposed=proposed
    )
    # The restored record has no groups (its snapshot predates the data
    # migrations' rows): the editor gets the permissions directly.
    editor = UserFactory()
    editor.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="offices",
            codename__in=["view_changerequest", "change_changerequest"],
        )
    )

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(site + "/admin/login/")
    page.locator("#id_username").fill(editor.username)
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("#id_password").press("Enter")
    page.goto(site + f"/admin/offices/changerequest/{change_request.pk}/change/")
    approve = page.get_by_role("button", name="Approve and apply to the record")
    decline = page.get_by_role("button", name="Decline with a reason…")
    expect(approve).to_be_visible()
    page.screenshot(
        path=SCREENSHOTS / "offices-admin-changerequest.png", full_page=True
    )
    # The two choices are buttons of one row, alike: same top, same height,
    # same lettering (a link styled as a button had its text at the top, in
    # another size); only the default one is in capitals, as in every admin
    # form.
    approve_box, decline_box = approve.bounding_box(), decline.bounding_box()
    assert abs(approve_box["y"] - decline_box["y"]) <= 1, (approve_box, decline_box)
    assert abs(approve_box["height"] - decline_box["height"]) <= 1, (
        approve_box,
        decline_box,
    )
    font = "element => getComputedStyle(element).font"
    assert approve.evaluate(font) == decline.evaluate(font)
    with page.expect_navigation():
        decline.click()
    expect(page).to_have_url(
        site + f"/admin/offices/changerequest/{change_request.pk}/decline/?"
    )
    page.go_back()
    with page.expect_navigation():
        approve.click()
    expect(page.locator(".messagelist")).to_contain_text("the record is updated")
