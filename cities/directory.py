"""The public members directory: its search and filter form and its query shapes.

The form parses the query string (every filter lives in the URL); the functions
below build each public page's queryset so the views stay thin. Every page's
query count is fixed, whatever the number of cities.
"""

import datetime
import functools
from dataclasses import dataclass, field
from html import escape

from django import forms
from django.contrib.postgres.search import TrigramWordSimilarity
from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import Country

from b40.memo import per_language
from b40.queries import Query, precompiled, together
from cities.dates import format_partial_date
from cities.models import (
    MEMBER_KINDS,
    City,
    CityName,
    Confidence,
    MembershipKind,
    MembershipStatus,
    MembershipStep,
    Office,
    steps_latest_first,
)
from cities.search import fold
from cities.widgets import DateInput, HiddenInput, SearchInput, Select
from summits.models import Event, Presidency

PAGE_SIZE = 24
# The columns a list of cities shows (a card, a map's dot, a table row): not the
# sources and notes, which only the city's own page shows.
LISTED_FIELDS = ("slug", "name", "country", "latitude", "longitude")
# The same, with the standing, for lists read as records (Query.as_records).
LISTED_COLUMNS = (
    *(field for field in LISTED_FIELDS if field != "country"),
    "country_code",
    "local_name",
    "status",
    "founding",
)
# The network was founded at Istanbul on 30 November 2021: no step is older.
FIRST_YEAR = 2021
# word_similarity() of a term and a name at or above which a typo still finds
# it: "sarjevo" scores 0.55 against Sarajevo, "thesaloniki" 0.79.
SIMILARITY_THRESHOLD = 0.5


# The addresses and names below depend only on the URLconf, the translations
# and the settings, fixed for the life of the process, so each is worked out
# once per language: a page that lists every city would otherwise reverse and
# translate for each of them on every request.
@per_language(maxsize=4096)
def city_url(slug: str) -> str:
    """A city page's address in the active language (or in ``language=``)."""
    return reverse("cities:city-detail", args=[slug])


@per_language(maxsize=1024)
def event_url(slug: str) -> str:
    """An event page's address in the active language (or in ``language=``)."""
    return reverse("summits:event-detail", args=[slug])


@per_language(maxsize=1024)
def country_url(code: str) -> str:
    """A country page's address in the active language (or in ``language=``)."""
    return reverse("cities:country-detail", args=[code.lower()])


@per_language(maxsize=1024)
def country_name(code: str) -> str:
    """A country's name in the active language (or in ``language=``)."""
    return str(countries.name(code))


@functools.lru_cache(maxsize=1024)
def flag_url(code: str) -> str:
    """The address of a country's flag (the settings decide it alone)."""
    return Country(code).flag


class DirectoryForm(forms.Form):
    """The directory's query string: search, filters, sort, date and page."""

    FOUNDING_CHOICES = [
        ("", _("Any")),
        ("founding", _("Founding member")),
        ("later", _("Joined later")),
        ("unknown", _("Not known")),
    ]
    STATUS_CHOICES = [
        ("", _("Any status")),
        *(
            (status.value, status.label)
            for status in MembershipStatus
            if status != MembershipStatus.NONE
        ),
    ]
    SORT_CHOICES = [
        ("", _("Best match")),
        ("name", _("Name")),
        ("joined", _("Date joined, earliest first")),
        ("-joined", _("Date joined, latest first")),
    ]

    q = forms.CharField(
        label=_("Name"), required=False, max_length=100, widget=SearchInput
    )
    country = forms.ChoiceField(label=_("Country"), required=False, widget=Select)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=STATUS_CHOICES, widget=Select
    )
    founding = forms.ChoiceField(
        label=_("Founding"), required=False, choices=FOUNDING_CHOICES, widget=Select
    )
    year = forms.TypedChoiceField(
        label=_("Year joined"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=Select,
    )
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=SORT_CHOICES, widget=Select
    )
    as_of = forms.DateField(
        label=_("As it was on"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=DateInput(attrs={"type": "date"}),
        help_text=_("YYYY-MM-DD"),
        error_messages={
            "invalid": _("Enter a date as YYYY-MM-DD, for example 2022-06-28.")
        },
    )
    page = forms.IntegerField(
        label=_("Page"), required=False, min_value=1, widget=HiddenInput
    )

    def __init__(self, data=None, **kwargs):
        if data is not None and data.get("country"):
            data = data.copy()
            data["country"] = data["country"].upper()
        super().__init__(data, **kwargs)
        # The countries on record, read when the choices are first needed: to
        # check a country asked for, or else with the page of cities
        # (results() sends both queries together).
        self.countries = _countries()
        self.fields["country"].choices = self._country_choices
        today = timezone.localdate()
        self.fields["year"].choices = [
            ("", _("Any year")),
            *((year, str(year)) for year in range(FIRST_YEAR, today.year + 1)),
        ]
        self.fields["as_of"].widget.attrs["max"] = today.isoformat()

    def _country_choices(self) -> list[tuple[str, str]]:
        return [("", _("Any country")), *country_choices(self.countries)]

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        if as_of and as_of > timezone.localdate():
            raise forms.ValidationError(
                _("The registry cannot show the future: choose today or earlier.")
            )
        return as_of

    def value(self, name):
        """A field's value, or None when it was left empty or was not valid."""
        self.is_valid()
        return self.cleaned_data.get(name) or None

    def error_messages(self) -> list[str]:
        return [
            gettext("%(field)s: %(message)s")
            % {"field": self.fields[name].label, "message": message}
            if name in self.fields
            else message
            for name, messages in self.errors.items()
            for message in messages
        ]

    def results(self, *, language: str) -> "Directory":
        """The page of cities these (valid) parameters select."""
        self.is_valid()
        as_of = self.value("as_of")
        term = self.value("q") or ""
        selection = (
            as_of or timezone.localdate(),
            language,
            term,
            self.value("country"),
            self.value("status"),
            self.value("founding"),
            self.value("year"),
            self.value("sort"),
        )
        number = self.value("page") or 1
        page_query = directory_page(*selection, number=number)
        together(page_query, self.countries)
        rows = list(page_query)
        # Each row carries the number of cities selected; past the last page
        # there is no row to carry it.
        if rows:
            total = rows[0].selected
        else:
            total = directory_count(*selection) if number > 1 else 0
        paginator = Paginator(range(total), PAGE_SIZE)
        messages = self.error_messages()
        if number > paginator.num_pages:
            messages.append(
                gettext("There is no page %(number)s; this is the last page.")
                % {"number": number}
            )
            number = paginator.num_pages
            rows = list(directory_page(*selection, number=number))
        page = Page(decorate(rows), number, paginator)
        return Directory(page=page, as_of=as_of, term=term, errors=messages)


@dataclass
class Directory:
    page: Page
    as_of: datetime.date | None
    term: str
    errors: list[str] = field(default_factory=list)

    @property
    def as_of_display(self) -> str:
        return format_partial_date(self.as_of, "day") if self.as_of else ""


def country_choices(countries: Query) -> list[tuple[str, str]]:
    """The countries that have a city on record (read by ``countries``, a
    _countries() query), by name in the current language."""
    language = get_language()
    codes = [row["country"] for row in countries]
    return sorted(
        ((code, country_name(code, language=language)) for code in codes),
        key=lambda c: fold(c[1]),
    )


@precompiled
def _countries() -> QuerySet:
    return City.objects.order_by().values("country").distinct()


def _selection(as_of, language, term, country, status, founding, year, sort):
    cities = listing(City.objects.only(*LISTED_FIELDS), as_of=as_of, language=language)
    cities = directory_filter(
        cities,
        term=term,
        country=country,
        status=status,
        founding=founding,
        year=year,
    )
    return directory_sort(cities, sort=sort, searching=bool(term))


def directory_page(*selection, number: int) -> Query:
    """One page of the directory's selection, as records, each with
    ``selected``, the number of cities selected in all (COUNT(*) OVER ()), so
    that one query gives both the page and the paginator's count."""
    return _directory_page(*selection, number=number).as_records()


# What a card shows (see city_cards and decorate).
CARD_COLUMNS = (
    *LISTED_COLUMNS,
    "member_since",
    "member_since_precision",
    "status_confidence",
)


@precompiled
def _directory_page(*selection, number: int) -> QuerySet:
    start = (number - 1) * PAGE_SIZE
    cities = _selection(*selection).annotate(selected=Window(Count("pk")))
    return cities.values(*CARD_COLUMNS, "selected")[start : start + PAGE_SIZE]


def directory_count(*selection) -> int:
    """The number of cities selected; for a page past the last, rare enough
    to count without precompiling."""
    return _selection(*selection).count()


def listing(cities: QuerySet, *, as_of=None, language: str) -> QuerySet:
    """Cities with their standing on a date, ready to list: no query per row.

    Adds to with_status() ``local_name`` (the name in ``language``, if the
    record has one) and ``status_confidence`` (the confidence of the step that
    gives the status).
    """
    as_of = as_of or timezone.localdate()
    latest_step = steps_latest_first(as_of)
    return (
        cities.with_status(as_of)
        .filter(status_kind__isnull=False)
        .with_local_name(language)
        .annotate(status_confidence=Subquery(latest_step.values("confidence")[:1]))
    )


def directory_filter(
    cities: QuerySet, *, term="", country=None, status=None, founding=None, year=None
) -> QuerySet:
    if term:
        cities = search(cities, term)
    if country:
        cities = cities.filter(country=country)
    if status:
        cities = cities.filter(status=status)
    if founding == "founding":
        cities = cities.filter(founding=True)
    elif founding == "later":
        cities = cities.filter(founding=False)
    elif founding == "unknown":
        cities = cities.filter(member_since__isnull=False, founding__isnull=True)
    if year:
        cities = cities.filter(member_since__year=year)
    return cities


def search(cities: QuerySet, term: str) -> QuerySet:
    """Cities any of whose names contains the term or nearly matches a word of it.

    Exact (folded) matches come from City.objects.search; trigram word
    similarity on the folded names forgives a small typo ("Thesaloniki").
    Adds ``exact`` and ``similarity`` for ordering by relevance.
    """
    folded = fold(term)
    if not folded:
        return cities
    exact = City.objects.search(term).filter(pk=OuterRef("pk"))
    name_similarity = (
        CityName.objects.filter(city=OuterRef("pk"))
        .annotate(similarity=TrigramWordSimilarity(Value(folded), "search_key"))
        .order_by("-similarity")
        .values("similarity")[:1]
    )
    return cities.annotate(
        exact=Exists(exact),
        similarity=Greatest(
            TrigramWordSimilarity(Value(folded), "search_key"),
            Coalesce(Subquery(name_similarity), Value(0.0), output_field=FloatField()),
        ),
    ).filter(Q(exact=True) | Q(similarity__gte=SIMILARITY_THRESHOLD))


def directory_sort(cities: QuerySet, *, sort=None, searching=False) -> QuerySet:
    if sort == "joined":
        return cities.order_by(F("member_since").asc(nulls_last=True), "search_key")
    if sort == "-joined":
        return cities.order_by(F("member_since").desc(nulls_last=True), "search_key")
    if not sort and searching:
        return cities.order_by("-exact", "-similarity", "search_key", "name")
    return cities.order_by("search_key", "name")


def decorate(cities) -> list:
    """Evaluate the cities (instances or records with LISTED_COLUMNS and the
    standing) and attach what pages show but cannot compute: addresses,
    names, labels and dates in the visitor's language."""
    cities = list(cities)
    language = get_language()
    for city in cities:
        # The map (cities.maps) labels a city with its display_name.
        city.display_name = city.local_name or city.name
        # The name in the visitor's language, shown beside the English one.
        city.other_name = city.local_name if city.local_name != city.name else ""
        city.url = city_url(city.slug, language=language)
        code = city.country_code
        city.country_name = country_name(code, language=language)
        city.country_url = country_url(code, language=language)
        city.flag_url = flag_url(code)
        city.status_label = str(MembershipStatus(city.status).label)
        city.since_display = format_partial_date(
            city.member_since, city.member_since_precision
        )
        city.status_unconfirmed = (
            city.status_confidence and city.status_confidence != Confidence.CONFIRMED
        )
        city.status_confidence_label = (
            Confidence(city.status_confidence).label if city.status_confidence else ""
        )
    return cities


def city_cards(cities: list) -> SafeString:
    """The directory's cards for decorated cities (see decorate), as the items
    of its list.

    Written here rather than by a template loop, like the map's list of cities
    (cities.maps): a card is a dozen template nodes, and two dozen cards cost
    the template engine more than the rest of the page.
    """
    texts = {
        "language": escape(get_language()),
        "founding": escape(gettext("Founding member")),
        "founding_unknown": escape(gettext("Founding member: not known")),
        "joined": gettext("joined %(date)s"),
        "confidence": gettext("Confidence: %(confidence)s"),
    }
    return mark_safe("\n  ".join(_city_card(city, texts) for city in cities))


def _city_card(city, texts: dict) -> str:
    lines = [
        '<li class="card city-card">',
        '    <h3 class="city-card-name">'
        f'<a href="{escape(city.url)}"><span lang="en">{escape(city.name)}</span></a>'
        + (
            f' <span class="city-local-name" lang="{texts["language"]}">'
            f"{escape(city.other_name)}</span>"
            if city.other_name
            else ""
        )
        + "</h3>",
        f'    <p class="city-country"><img class="flag" src="{escape(city.flag_url)}" '
        f'alt="" width="16" height="11"> {escape(city.country_name)}</p>',
        f'    <p><span class="status status-{escape(city.status)}">'
        f"{escape(city.status_label)}</span>"
        + (
            ' <span class="city-since">'
            f"{escape(texts['joined'] % {'date': city.since_display})}</span>"
            if city.since_display
            else ""
        )
        + "</p>",
    ]
    if city.founding:
        lines.append(
            '    <p class="city-founding"><span aria-hidden="true">★ </span>'
            f"{texts['founding']}</p>"
        )
    elif city.founding is None and city.member_since:
        lines.append(
            f'    <p class="city-founding-unknown">{texts["founding_unknown"]}</p>'
        )
    if city.status_unconfirmed:
        label = texts["confidence"] % {"confidence": city.status_confidence_label}
        lines.append(f'    <p class="confidence">{escape(label)}</p>')
    lines.append("  </li>")
    return "\n".join(lines)


def cities_on(as_of: datetime.date, language: str) -> Query:
    """Every city on record, member or not, with its standing on a date, its
    name in ``language`` and ``is_founder`` (one of City.objects.founders()):
    what the home page counts and the region map places, as records."""
    return _cities_on(as_of, language).as_records()


@precompiled
def _cities_on(as_of: datetime.date, language: str) -> QuerySet:
    founding_join = MembershipStep.objects.filter(
        city=OuterRef("pk"), kind=MembershipKind.JOINED, founding=True
    )
    return (
        City.objects.with_status(as_of)
        .with_local_name(language)
        .annotate(is_founder=Exists(founding_join))
        .values(*LISTED_COLUMNS, "is_founder")
    )


LEDGER_COLUMNS = (
    "city",
    "kind",
    "on",
    "precision",
    "founding",
    "confidence",
    "sources",
    "event__slug",
    "event__name",
    "signature__signatory_role",
    "signature__on",
    "signature__precision",
    "signature__declaration__slug",
    "signature__declaration__title",
    "signature__signatory__name",
    "signature__event__slug",
    "signature__event__name",
)


def city_page(slug: str, *, language: str) -> City | None:
    """One city with everything its page shows, in a fixed number of queries,
    sent together: each selects by the slug, so none waits for another."""
    row = _city_row(timezone.localdate(), language, SLUG).bind(SLUG, slug)
    parts = {
        "name_list": _names_of(SLUG),
        "ledger": _ledger_of(SLUG),
        "office_list": _offices_of(SLUG),
        "presidency_list": _presidencies_of(SLUG),
        "event_list": _events_hosted_by(SLUG),
    }
    parts = {name: query.bind(SLUG, slug) for name, query in parts.items()}
    together(row, *parts.values())
    rows = {name: query.rows for name, query in parts.items()}
    if not row.rows:
        return None
    (city,) = row.rows
    for name, part in rows.items():
        setattr(city, name, part)
    return city


# Stands for the slug in the city page's compiled SQL (Query.bind puts the
# real one in): one compilation serves every city, and an address with an
# unknown slug adds nothing to the caches. A NUL, which PostgreSQL refuses
# in text, so that a query sent unbound fails loudly.
SLUG = "\x00slug\x00"


@precompiled
def _names_of(slug: str) -> QuerySet:
    return CityName.objects.filter(city__slug=slug).order_by("language", "name")


@precompiled
def _ledger_of(slug: str) -> QuerySet:
    # Only the columns the page shows: the ledger joins four tables.
    return (
        MembershipStep.objects.filter(city__slug=slug)
        .select_related(
            "event",
            "signature__declaration",
            "signature__signatory",
            "signature__event",
        )
        .only(*LEDGER_COLUMNS)
        .order_by("on", "id")
    )


@precompiled
def _offices_of(slug: str) -> QuerySet:
    return (
        Office.objects.filter(city__slug=slug)
        .annotate(person_name=F("person__name"))
        .order_by(
            F("start_on").desc(nulls_last=True), F("known_from").desc(nulls_last=True)
        )
    )


@precompiled
def _presidencies_of(slug: str) -> QuerySet:
    return (
        Presidency.objects.filter(city__slug=slug)
        .annotate(president_name=F("president__name"))
        .order_by("number")
    )


@precompiled
def _events_hosted_by(slug: str) -> QuerySet:
    return Event.objects.filter(city__slug=slug).order_by("start_on")


@precompiled
def _city_row(as_of: datetime.date, language: str, slug: str) -> QuerySet:
    return listing(City.objects.filter(slug=slug), as_of=as_of, language=language)


def joins_of(city: City) -> list[MembershipStep]:
    """The city's joins and reinstatements from its prefetched ledger."""
    return [
        step
        for step in city.ledger
        if step.kind in (MembershipKind.JOINED, MembershipKind.REINSTATED)
    ]


def country_counts() -> list[dict]:
    """Every country with a city on record: members today and cities on record.

    One query, grouped in SQL; ordered by the country's name in the current
    language.
    """
    rows = (
        City.objects.with_status()
        .filter(status_kind__isnull=False)
        .order_by()
        .values("country")
        .annotate(
            members=Count("pk", filter=Q(status_kind__in=MEMBER_KINDS)),
            on_record=Count("pk"),
        )
    )
    countries = [
        {
            "country": Country(row["country"]),
            "members": row["members"],
            "on_record": row["on_record"],
        }
        for row in rows
    ]
    return sorted(countries, key=lambda row: fold(row["country"].name))
