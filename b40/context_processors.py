import functools
from types import MappingProxyType

from django.conf import settings
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext_lazy as _

# The public site's main navigation: URL name and label.
NAVIGATION = (
    ("cities:city-list", _("Members")),
    ("cities:country-list", _("Countries")),
    ("b40:growth", _("Growth")),
    ("b40:history", _("History")),
    ("summits:event-list", _("Events")),
    ("summits:declaration-list", _("Declarations")),
    ("summits:presidency-list", _("Presidency")),
    ("certificates:status-search", _("Status check")),
    ("applications:apply", _("Apply to join")),
)


def chrome(request):
    """What every page shares: the header (brand, language switcher, main
    navigation), the footer, the head's hreflang links (``chrome``), and the
    addresses pages link to (``site_urls``)."""
    language = get_language()
    alternates = tuple(
        (code, name, request.build_absolute_uri(path))
        for code, name, path in _alternates(
            request.path, settings.ROOT_URLCONF, tuple(dict(settings.LANGUAGES))
        )
    )
    return {
        "chrome": _chrome(language, request.path, alternates),
        "site_urls": _navigation(language)[1],
    }


# The chrome depends only on the language, this page's address and its
# addresses in the other languages (with the URLconf and the translations,
# fixed for the life of the process), never on the records. Its loops and tags
# cost more than a small page's own content, so it is rendered once per
# process for each language and address rather than on every request.
@functools.lru_cache(maxsize=2048)
def _chrome(language: str, path: str, alternates: tuple) -> MappingProxyType:
    links, site_urls = _navigation(language)
    context = {
        "LANGUAGE_CODE": language,
        "language_alternates": [
            {"code": code, "name": name, "url": url} for code, name, url in alternates
        ],
        "navigation": [
            {"url": url, "label": label, "current": url == path} for url, label in links
        ],
        "site_urls": site_urls,
    }
    with translation.override(language):
        return MappingProxyType(
            {
                part: mark_safe(
                    render_to_string(f"includes/site_{part}.html", context).strip()
                )
                for part in ("hreflang", "header", "footer")
            }
        )


# translate_url() resolves the path and reverses it in each language: on every
# page, for every language. Its answer depends only on the path and the
# URLconf, fixed for the life of the process, so it is worked out once a path.
@functools.lru_cache(maxsize=2048)
def _alternates(path: str, urlconf: str, codes: tuple[str, ...]):
    return [
        (code, get_language_info(code)["name_local"], translate_url(path, code))
        for code in codes
    ]


# Reversing a URL costs more than rendering its link; the addresses and labels
# depend only on the URLconf, the static files' manifest and the translations,
# fixed for the life of the process, so they are worked out once a language.
@functools.lru_cache(maxsize=16)
def _navigation(language: str) -> tuple[tuple[tuple[str, str], ...], MappingProxyType]:
    with translation.override(language):
        links = tuple((reverse(name), str(label)) for name, label in NAVIGATION)
        site_urls = MappingProxyType(
            {
                "home": reverse("b40:home"),
                "offices": reverse("offices:dashboard"),
                "stylesheet": static("css/site.css"),
            }
        )
    return links, site_urls
