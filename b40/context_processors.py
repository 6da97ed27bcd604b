import functools
from html import escape
from types import MappingProxyType

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse, translate_url
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext_lazy as _

from b40.memo import per_language

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
    """The links every page's header carries (``chrome``) and the addresses
    pages link to (``site_urls``)."""
    return {"chrome": Chrome(request), "site_urls": _navigation()[1]}


class Chrome:
    """This page's hreflang links, language switcher and main navigation,
    worked out when a template first asks (admin pages never do).

    Written here rather than by template loops: they are on every page, and
    their loops cost more than a small page's own content. Their items are
    written with the same escaping as the template's.
    """

    def __init__(self, request):
        self.request = request

    @functools.cached_property
    def _alternates(self) -> list[tuple[str, str, str]]:
        """This page's absolute address in every shipped language."""
        return [
            (code, name, self.request.build_absolute_uri(path))
            for code, name, path in _alternates(
                self.request.path,
                settings.ROOT_URLCONF,
                tuple(dict(settings.LANGUAGES)),
            )
        ]

    @functools.cached_property
    def hreflang(self) -> SafeString:
        links = []
        for code, _name, url in self._alternates:
            href = escape(url)
            links.append(f'<link rel="alternate" hreflang="{code}" href="{href}">')
            if code == settings.LANGUAGE_CODE:
                links.append(
                    f'<link rel="alternate" hreflang="x-default" href="{href}">'
                )
        return mark_safe("\n  ".join(links))

    @functools.cached_property
    def languages(self) -> SafeString:
        current = get_language()
        return mark_safe(
            "\n          ".join(
                f'<li><a href="{escape(url)}" hreflang="{code}" lang="{code}"'
                + (' aria-current="true"' if code == current else "")
                + f">{escape(name)}</a></li>"
                for code, name, url in self._alternates
            )
        )

    @functools.cached_property
    def navigation(self) -> SafeString:
        path = self.request.path
        links, _site_urls = _navigation()
        current = path if any(url == path for url, _label in links) else ""
        return _navigation_html(current)


# The main navigation depends only on the language and which of its links, if
# any, is this page: at most ten variants a language, each written once per
# process (whatever address a visitor asks for).
@per_language(maxsize=64)
def _navigation_html(current: str) -> SafeString:
    links, _site_urls = _navigation()
    return mark_safe(
        "\n        ".join(
            f'<li><a href="{escape(url)}"'
            + (' aria-current="page"' if url == current else "")
            + f">{escape(label)}</a></li>"
            for url, label in links
        )
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
@per_language(maxsize=16)
def _navigation() -> tuple[tuple[tuple[str, str], ...], MappingProxyType]:
    links = tuple((reverse(name), str(label)) for name, label in NAVIGATION)
    site_urls = MappingProxyType(
        {
            "home": reverse("b40:home"),
            "growth": reverse("b40:growth"),
            "events": reverse("summits:event-list"),
            "presidency": reverse("summits:presidency-list"),
            "offices": reverse("offices:dashboard"),
            "stylesheet": static("css/site.css"),
        }
    )
    return links, site_urls
