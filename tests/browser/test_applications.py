"""A municipality applies to join, by keyboard, and follows its application."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import AXE_RESULTS, SCREENSHOTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE, DESKTOP = (390, 844), (1280, 900)
BLOCKING = {"serious", "critical"}
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)


def check_axe(page, name, failures):
    violations = Axe().run(page).response["violations"]
    AXE_RESULTS[f"applications {name}"] = [
        (v["id"], v["impact"], len(v["nodes"])) for v in violations
    ]
    failures += [
        f"{name}: {v['id']} ({v['impact']}): {v['help']}"
        for v in violations
        if v["impact"] in BLOCKING
    ]


def shoot(page, name):
    for width, height in (PHONE, DESKTOP):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(
            path=SCREENSHOTS / f"applications-{name}-{width}.png", full_page=True
        )


def tab_to(page, field_id, *, presses=1):
    """Press Tab and expect the focus on the field (a date field's parts and
    its calendar button are stops of their own)."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == field_id:
            break
    expect(page.locator(f"#{field_id}")).to_be_focused()


def test_apply_by_keyboard_and_follow(page, site, tmp_path):
    failures = []
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    page.goto(site + "/apply/")
    expect(page.locator("h1")).to_have_text("Apply to join the network")
    shoot(page, "form")
    check_axe(page, "form", failures)

    # Sent empty: every missing field is listed, each linked to its field.
    page.locator("main button[type=submit]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    summary = page.locator("main [role=alert]")
    expect(summary).to_contain_text("The application was not sent")
    expect(summary.locator("a")).to_have_count(6)
    expect(page.locator("#id_municipality")).to_have_attribute(
        "aria-describedby", "id_municipality_helptext id_municipality_error"
    )
    shoot(page, "form-errors")
    check_axe(page, "form with errors", failures)
    summary.locator("a").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#id_municipality")).to_be_focused()

    page.keyboard.type("Ivanjica")
    tab_to(page, "id_country")
    page.keyboard.type("Serbia")
    expect(page.locator("#id_country")).to_have_value("RS")
    tab_to(page, "id_mayor_name")
    page.keyboard.type("Jane Mayor")
    tab_to(page, "id_council_decision_on")
    page.keyboard.type("03152026")
    expect(page.locator("#id_council_decision_on")).to_have_value("2026-03-15")
    tab_to(page, "id_letter", presses=3)
    letter = tmp_path / "odluka.pdf"
    letter.write_bytes(PDF)
    page.locator("#id_letter").set_input_files(letter)
    tab_to(page, "id_contact_name")
    page.keyboard.type("Ana Contact")
    tab_to(page, "id_contact_email")
    page.keyboard.type("ana@ivanjica.example")
    tab_to(page, "id_phone")
    page.keyboard.type("+381 32 664 400")
    tab_to(page, "id_message")
    page.keyboard.type("We look forward to working with the network.")
    # The spam trap is skipped: the next stop is the button.
    page.keyboard.press("Tab")
    expect(page.locator("main button[type=submit]")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.locator("h1")).to_have_text("Application received")
    reference = page.locator(".apply-reference-code").inner_text().strip()
    assert re.fullmatch(r"B40-[2-9A-Z]{4}-[2-9A-Z]{4}", reference)
    shoot(page, "thanks")
    check_axe(page, "thanks", failures)

    follow = page.get_by_role("link", name="Follow the application")
    follow.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/apply/{reference}/$"))
    expect(page.locator("h1")).to_contain_text(reference)
    expect(page.locator("main")).to_contain_text("Ivanjica, Serbia")
    expect(page.locator("main")).to_contain_text("received")
    expect(page.locator("main")).not_to_contain_text("Ana Contact")
    shoot(page, "status")
    check_axe(page, "status", failures)

    # Nothing is on the public record until the secretariat accepts it.
    page.goto(site + "/members/?q=Ivanjica")
    expect(page.locator("main")).not_to_contain_text("Ivanjica")
    assert not failures, "\n".join(failures)


def test_secretariat_admits_and_declines(page, site):
    # After the playwright fixture: see tests/browser/conftest.py.
    from django.contrib.auth.models import Permission

    from applications.services import application_decline
    from tests.applications.factories import submit
    from tests.factories import UserFactory

    admitted = submit(
        municipality="Ivanjica", country="RS", letter=PDF, letter_name="odluka.pdf"
    )
    declined = application_decline(
        application=submit(municipality="Springfield", country="US"),
        reason="The network's members are cities of the Balkan region.",
    )
    # The record restored here has no groups (its snapshot predates the data
    # migrations' rows), so the editor gets the editors' permissions directly.
    editor = UserFactory()
    editor.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="applications",
            codename__in=["view_application", "change_application"],
        )
    )
    failures = []

    page.set_viewport_size({"width": DESKTOP[0], "height": DESKTOP[1]})
    page.goto(site + "/admin/login/")
    page.locator("#id_username").fill(editor.username)
    page.locator("#id_password").fill("correct horse battery staple")
    with page.expect_navigation():
        page.locator("#id_password").press("Enter")
    change = site + f"/admin/applications/application/{admitted.pk}/change/"
    page.goto(change)
    expect(page.locator("#content-main")).to_contain_text("odluka.pdf")
    page.screenshot(path=SCREENSHOTS / "applications-admin-change.png", full_page=True)
    with page.expect_navigation():
        page.get_by_role("link", name="Accept as candidate").click()
    page.screenshot(path=SCREENSHOTS / "applications-admin-accept.png", full_page=True)
    with page.expect_navigation():
        page.locator("input[type=submit].default").click()
    expect(page.locator(".messagelist")).to_contain_text("recorded as a candidate")

    # Accepted, the city is on the public record as a candidate.
    page.goto(site + "/members/?q=Ivanjica")
    expect(page.locator("main .directory-cards")).to_contain_text("Ivanjica")
    page.goto(site + admitted.get_absolute_url())
    expect(page.locator("main")).to_contain_text("candidate, under review")
    shoot(page, "status-candidate")
    check_axe(page, "status candidate", failures)

    page.goto(change)
    expect(page.get_by_role("link", name="Accept as candidate")).to_have_count(0)
    with page.expect_navigation():
        page.get_by_role("link", name="Admit").click()
    page.screenshot(path=SCREENSHOTS / "applications-admin-admit.png", full_page=True)
    with page.expect_navigation():
        page.locator("input[type=submit].default").click()
    expect(page.locator(".messagelist")).to_contain_text("is admitted")

    page.goto(site + admitted.get_absolute_url())
    expect(page.locator("main")).to_contain_text("The network admitted Ivanjica")
    shoot(page, "status-admitted")
    check_axe(page, "status admitted", failures)
    page.goto(site + declined.get_absolute_url())
    expect(page.locator("main blockquote")).to_contain_text("Balkan region")
    shoot(page, "status-declined")
    check_axe(page, "status declined", failures)
    assert not failures, "\n".join(failures)
