import functools
from types import MappingProxyType

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse, translate_url
from django.utils import translation
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


def languages(request):
    """This page's address in every shipped language, for hreflang and the switcher."""
    alternates = [
        {"code": code, "name": name, "url": request.build_absolute_uri(path)}
        for code, name, path in _alternates(
            request.path, settings.ROOT_URLCONF, tuple(dict(settings.LANGUAGES))
        )
    ]
    return {"language_alternates": alternates}


# translate_url() resolves the path and reverses it in each language: on every
# page, for every language. Its answer depends only on the path and the
# URLconf, fixed for the life of the process, so it is worked out once a path.
@functools.lru_cache(maxsize=2048)
def _alternates(path: str, urlconf: str, codes: tuple[str, ...]):
    return [
        (code, get_language_info(code)["name_local"], translate_url(path, code))
        for code in codes
    ]


def navigation(request):
    """The main navigation, each link marked when it is this page, and the
    other addresses every page links to (``site_urls``)."""
    links, site_urls = _navigation(get_language())
    return {
        "navigation": [
            {"url": url, "label": label, "current": url == request.path}
            for url, label in links
        ],
        "site_urls": site_urls,
    }


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
