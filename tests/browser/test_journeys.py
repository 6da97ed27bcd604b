"""The journeys public visitors take, in Chromium on the live site."""

import re

import pytest
from playwright.sync_api import expect

# Each test on a live server with the real record, restored for it: see conftest.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SEARCH_FIELD = "main input[type=search]"
RESULT_LINK = "main .directory-cards a[href*='/members/']"


def city_link(slug: str) -> str:
    return f"main a[href$='/members/{slug}/']"


def search(page, term: str) -> None:
    """Type into the directory's search field, key by key, and press Enter."""
    field = page.locator(SEARCH_FIELD).first
    field.press_sequentially(term)
    with page.expect_navigation():
        field.press("Enter")


def results_count(page) -> int:
    """The number of cities the directory says it found (all pages)."""
    heading = page.locator("main h2#results").inner_text()
    return int(re.match(r"\d+", heading.strip()).group())


def test_home_shows_headline_figures(page, site):
    response = page.goto(site + "/")
    assert response.status == 200
    expect(page.locator("h1")).to_be_visible()
    figures = page.locator("main .figures li strong")
    assert figures.count() >= 3
    values = [int(text) for text in figures.all_inner_texts()]
    members_today, countries = values[0], values[1]
    assert members_today >= 23
    assert 0 < countries <= members_today


def test_cyrillic_search_finds_sofia(page, site):
    page.goto(site + "/members/")
    search(page, "София")
    assert "q=" in page.url
    expect(page.locator(city_link("sofia")).first).to_be_visible()
    expect(page.locator(city_link("sarajevo"))).to_have_count(0)


def test_turkish_exonym_finds_sarajevo(page, site):
    page.goto(site + "/members/")
    search(page, "Saraybosna")
    expect(page.locator(city_link("sarajevo")).first).to_be_visible()
    expect(page.locator(city_link("sofia"))).to_have_count(0)


def test_as_of_shows_banner_and_fewer_cities(page, site):
    page.goto(site + "/members/")
    today = results_count(page)
    expect(page.locator("main [role=status]")).to_have_count(0)
    page.goto(site + "/members/?as_of=2022-01-01")
    banner = page.locator("main [role=status]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("2022")
    assert 0 < results_count(page) < today


def test_opens_a_city_page_from_the_directory(page, site):
    page.goto(site + "/members/")
    link = page.locator(RESULT_LINK).first
    name = link.inner_text().strip()
    link.click()
    expect(page).to_have_url(re.compile(r"/members/[\w-]+/$"))
    expect(page.locator("h1")).to_contain_text(name)


def test_directory_by_keyboard_only(page, site):
    """Tab to the search field, type, Enter; Tab to a result, Enter opens it;
    the focused element is visibly outlined all the way."""
    page.goto(site + "/members/")
    field = page.locator(SEARCH_FIELD).first
    tab_until(page, field)
    assert_focus_visible(page)
    page.keyboard.type("Sofia")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    result = page.locator(city_link("sofia")).first
    tab_until(page, result)
    assert_focus_visible(page)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/members/sofia/$"))


def test_switch_to_turkish(page, site):
    page.goto(site + "/members/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("nav.languages").get_by_role("link", name="Türkçe").click()
    expect(page).to_have_url(re.compile(r"/tr/members/$"))
    expect(page.locator("html")).to_have_attribute("lang", "tr")
    english = page.locator("nav.languages").get_by_role("link", name="English")
    english.click()
    expect(page).to_have_url(re.compile(r"\d/members/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")


def tab_until(page, target, limit: int = 60) -> None:
    """Press Tab until the target has the focus, failing after limit presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} not reached in {limit} presses of Tab")


def assert_focus_visible(page) -> None:
    """The focused element shows an outline or a box shadow."""
    style = page.evaluate(
        """() => {
            const s = getComputedStyle(document.activeElement);
            return {outline: s.outlineStyle, width: s.outlineWidth,
                    shadow: s.boxShadow};
        }"""
    )
    outlined = style["outline"] != "none" and style["width"] != "0px"
    assert outlined or style["shadow"] != "none", style
