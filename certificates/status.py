"""A city's membership status today, for people and for programs.

The status page and its JSON variant show the same facts, read from the
membership ledger in a fixed number of queries (City.objects.with_status).

JSON at ``/status/<slug>.json``, version 1. The shape is stable: fields are
only ever added; a change to an existing field's meaning or type gets a new
``version``. Dates are ISO 8601 (``YYYY-MM-DD``) with a precision, because the
ledger knows some dates only to a month, a year, or as an upper bound.

    {
      "version": 1,
      "as_of": "2026-11-27",              # the registry's date (Europe/Istanbul)
      "city": {
        "slug": "sofia",
        "name": "Sofia",                  # English name
        "local_name": "София",            # in the country's language, or null
        "country": "BG"                   # ISO 3166-1 alpha-2 (Kosovo: "XK")
      },
      "member": true,                     # a member today (not suspended)
      "status": "member",                 # none|invited|candidate|member|
                                          # suspended|withdrawn
      "status_since": {"date": "2022-06-28", "precision": "day"},   # or null
      "member_since": {"date": "2022-06-28", "precision": "day"},   # or null
      "founding": false,                  # signed at Istanbul in 2021; null: unknown
      "signature": {                      # the join's signature, or null
        "declaration": "Istanbul Declaration",
        "declaration_url": "https://…/declarations/istanbul-declaration/",
        "signatory": "Name Surname",      # or null when the sources do not say
        "role": "mayor",                  # a code, not translated: mayor|acting
                                          # mayor|deputy mayor as the sources
                                          # give it, or ""
        "date": {"date": "2022-06-28", "precision": "day"}
      },
      "url": "https://…/status/sofia/"    # the human-readable status page
    }

``precision`` is one of ``day``, ``month`` (the date is the 1st), ``year``
(1 January) or ``before`` (on or before the date). ``member_since`` is null
unless the city is a member or suspended member today.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Subquery
from django.utils import timezone

from cities.dates import format_partial_date
from cities.models import (
    MEMBERSHIP_HELD,
    City,
    MembershipKind,
    MembershipStatus,
    MembershipStep,
    steps_latest_first,
)
from summits.models import Signature

VERSION = 1

# A suspended city still holds its membership; a withdrawn one does not.

# The languages of a country's local names, in order of preference.
COUNTRY_LANGUAGES = {
    "AL": ["sq"],
    "BA": ["bs", "sr", "hr"],
    "BG": ["bg"],
    "CY": ["el", "tr"],
    "GR": ["el"],
    "HR": ["hr"],
    "HU": ["hu"],
    "ME": ["cnr", "sr", "sr-Latn"],
    "MD": ["ro"],
    "MK": ["mk"],
    "RO": ["ro"],
    "RS": ["sr", "sr-Latn"],
    "SI": ["sl"],
    "TR": ["tr"],
    "XK": ["sq", "sr"],
}


def local_name_of(city: City) -> str:
    """The city's name in its country's language, if the record has another one.

    Reads ``city.names.all()``, which callers prefetch.
    """
    languages = COUNTRY_LANGUAGES.get(str(city.country.code), [])
    names = {}
    for name in city.names.all():
        if name.name != city.name:
            names.setdefault(name.language, name.name)
    return next((names[language] for language in languages if language in names), "")


def status_queryset(as_of: datetime.date):
    """Cities with what the status page shows, in three queries."""
    latest = steps_latest_first(as_of)
    joins = (
        MembershipStep.objects.filter(kind=MembershipKind.JOINED, on__lte=as_of)
        .select_related("signature__declaration", "signature__signatory")
        .order_by("-on")
    )
    return (
        City.objects.with_status(as_of)
        .annotate(
            status_on=Subquery(latest.values("on")[:1]),
            status_precision=Subquery(latest.values("precision")[:1]),
        )
        .prefetch_related(
            "names", Prefetch("membership_steps", queryset=joins, to_attr="joins")
        )
    )


@dataclass
class CityStatus:
    """What the registry says of one city's membership on a date."""

    city: City
    as_of: datetime.date
    local_name: str
    signature: Signature | None

    @classmethod
    def of(cls, slug: str) -> "CityStatus":
        """The status of the city with this slug today; City.DoesNotExist if none."""
        as_of = timezone.localdate()
        city = status_queryset(as_of).get(slug=slug)
        join = city.joins[0] if city.joins and city.member_since else None
        return cls(
            city=city,
            as_of=as_of,
            local_name=local_name_of(city),
            signature=join.signature if join else None,
        )

    @property
    def status(self) -> MembershipStatus:
        return MembershipStatus(self.city.status)

    @property
    def is_member(self) -> bool:
        return self.status == MembershipStatus.MEMBER

    @property
    def holds_membership(self) -> bool:
        return self.status in MEMBERSHIP_HELD

    @property
    def status_since_display(self) -> str:
        """When the status began; empty when "member since" says it already."""
        city = self.city
        if self.is_member and (city.status_on, city.status_precision) == (
            city.member_since,
            city.member_since_precision,
        ):
            return ""
        return format_partial_date(city.status_on, city.status_precision)

    @property
    def member_since_display(self) -> str:
        if not self.holds_membership:
            return ""
        return format_partial_date(
            self.city.member_since, self.city.member_since_precision
        )

    @property
    def signatory_role_label(self) -> str:
        """The signatory's role in the visitor's language; a role outside the
        registry's vocabulary is shown as the sources give it."""
        return self.signature.role_label if self.signature else ""

    @property
    def founding(self) -> bool | None:
        return self.city.founding if self.holds_membership else None

    def document(self, *, url: str, declaration_url: str | None) -> dict:
        """The JSON document, version 1 (see the module docstring)."""
        city = self.city
        signature = self.signature
        return {
            "version": VERSION,
            "as_of": self.as_of.isoformat(),
            "city": {
                "slug": city.slug,
                "name": city.name,
                "local_name": self.local_name or None,
                "country": str(city.country.code),
            },
            "member": self.is_member,
            "status": str(self.status),
            "status_since": partial_date(city.status_on, city.status_precision),
            "member_since": partial_date(city.member_since, city.member_since_precision)
            if self.holds_membership
            else None,
            "founding": self.founding,
            "signature": {
                "declaration": signature.declaration.title,
                "declaration_url": declaration_url,
                "signatory": signature.signatory.name if signature.signatory else None,
                "role": signature.signatory_role,
                "date": partial_date(signature.on, signature.precision),
            }
            if signature
            else None,
            "url": url,
        }


def partial_date(value: datetime.date | None, precision: str | None) -> dict | None:
    if value is None:
        return None
    return {"date": value.isoformat(), "precision": precision}
