import datetime

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from b40.queries import Query
from cities.dates import DatePrecision, format_partial_date, precision_condition
from cities.fields import SourcesField
from cities.search import Fold, fold


class Confidence(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed")
    PROBABLE = "probable", _("probable")
    UNVERIFIED = "unverified", _("unverified")


class MembershipKind(models.TextChoices):
    INVITED = "invited", _("invited")
    CANDIDATE = "candidate", _("candidate (applied)")
    JOINED = "joined", _("joined")
    SUSPENDED = "suspended", _("suspended")
    REINSTATED = "reinstated", _("reinstated")
    WITHDRAWN = "withdrawn", _("withdrawn")


class MembershipStatus(models.TextChoices):
    """A city's standing on a date, derived from its latest ledger step."""

    NONE = "none", _("no membership step")
    INVITED = "invited", _("invited")
    CANDIDATE = "candidate", _("candidate")
    MEMBER = "member", _("member")
    SUSPENDED = "suspended", _("suspended")
    WITHDRAWN = "withdrawn", _("withdrawn")


# The kinds after which a city counts as a member; a suspended city does not.
MEMBER_KINDS = (MembershipKind.JOINED, MembershipKind.REINSTATED)
# A city that has joined and not left: a member, or a suspended one.
MEMBERSHIP_HELD = (MembershipStatus.MEMBER, MembershipStatus.SUSPENDED)
STATUS_OF_KIND = {
    MembershipKind.INVITED: MembershipStatus.INVITED,
    MembershipKind.CANDIDATE: MembershipStatus.CANDIDATE,
    MembershipKind.JOINED: MembershipStatus.MEMBER,
    MembershipKind.REINSTATED: MembershipStatus.MEMBER,
    MembershipKind.SUSPENDED: MembershipStatus.SUSPENDED,
    MembershipKind.WITHDRAWN: MembershipStatus.WITHDRAWN,
}


class OfficeRole(models.TextChoices):
    MAYOR = "mayor", _("mayor")
    ACTING_MAYOR = "acting mayor", _("acting mayor")
    DEPUTY_MAYOR = "deputy mayor", _("deputy mayor")


# A mayor and an acting mayor hold the same office: the mayoralty.
MAYORALTY = (OfficeRole.MAYOR, OfficeRole.ACTING_MAYOR)


class Fact(models.Model):
    """Provenance every public fact carries: its sources, confidence and review."""

    confidence = models.CharField(
        _("confidence"),
        max_length=12,
        choices=Confidence.choices,
        default=Confidence.UNVERIFIED,
        help_text=_(
            "Confirmed: an official page or two independent sources. Probable: one "
            "good source or strong indirect evidence. Unverified: one weak source."
        ),
    )
    sources = SourcesField()
    notes = models.TextField(
        _("notes"),
        blank=True,
        default="",
        help_text=_("What the sources say and where they disagree."),
    )
    verified_at = models.DateTimeField(
        _("verified at"),
        null=True,
        blank=True,
        help_text=_("When the secretariat last checked this fact."),
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.confidence == Confidence.CONFIRMED and not self.sources:
            # Not tied to the sources field: forms such as the ledger inline
            # leave it out.
            raise ValidationError(
                _("A confirmed fact needs at least one source."), code="no_source"
            )


def steps_latest_first(as_of: datetime.date, city: str = "pk") -> models.QuerySet:
    """The steps of the city at ``city`` up to a date, latest first: the first is
    the one that gives the city its status on that date (see with_status)."""
    return MembershipStep.objects.filter(city=OuterRef(city), on__lte=as_of).order_by(
        "-on", "-id"
    )


def name_in_language(language: str, city: str = "pk") -> Subquery:
    """The name of the city at ``city`` in ``language``, where the record has one."""
    names = CityName.objects.filter(city=OuterRef(city), language=language)
    return Subquery(names.order_by("name").values("name")[:1])


class CityQuerySet(models.QuerySet):
    def with_status(self, as_of: datetime.date | None = None):
        """Annotate each city's standing on a date from its latest ledger step.

        Adds ``status_kind`` (the latest step's kind, or None), ``status`` (a
        MembershipStatus), ``member_since`` and ``member_since_precision`` (the
        latest join), and ``founding``. One query, whatever the number of cities.
        Lists of cities also get ``country_code``, the country as a plain code:
        reading ``country`` builds a Country object every time.
        """
        as_of = as_of or timezone.localdate()
        steps = MembershipStep.objects.filter(city=OuterRef("pk"), on__lte=as_of)
        latest = steps_latest_first(as_of)
        # A city has at most one join a day (cities_membershipstep_unique_step),
        # so the date alone orders joins, straight from that constraint's index.
        latest_join = steps.filter(kind=MembershipKind.JOINED).order_by("-on")
        # The status is mapped from the step's kind inside its own subquery:
        # a CASE over the status_kind annotation would repeat that subquery
        # once for every WHEN.
        status_of_step = models.Case(
            *(
                models.When(kind=kind, then=Value(str(status)))
                for kind, status in STATUS_OF_KIND.items()
            ),
            output_field=models.CharField(),
        )
        return self.annotate(
            status_kind=Subquery(latest.values("kind")[:1]),
            status=Coalesce(
                Subquery(latest.annotate(status=status_of_step).values("status")[:1]),
                Value(str(MembershipStatus.NONE)),
            ),
            member_since=Subquery(latest_join.values("on")[:1]),
            member_since_precision=Subquery(latest_join.values("precision")[:1]),
            founding=Subquery(latest_join.values("founding")[:1]),
            country_code=F("country"),
        )

    def with_local_name(self, language: str):
        """Annotate ``local_name``: the name in the visitor's language, or None."""
        return self.annotate(local_name=name_in_language(language))

    def members(self, as_of: datetime.date | None = None):
        """Cities that are members on a date (default: today)."""
        return self.with_status(as_of).filter(status_kind__in=MEMBER_KINDS)

    def founders(self):
        return self.filter(
            membership_steps__kind=MembershipKind.JOINED,
            membership_steps__founding=True,
        ).distinct()

    def search(self, term: str):
        """Cities any of whose names contains the term, ignoring case and accents."""
        folded = fold(term)
        if not folded:
            return self
        other_names = CityName.objects.filter(
            city=OuterRef("pk"), search_key__contains=folded
        )
        return self.filter(
            Q(search_key__contains=folded) | Q(models.Exists(other_names))
        )


class City(Fact):
    """A municipality that has been invited to, applied to, or joined the network."""

    slug = models.SlugField(
        _("slug"),
        max_length=80,
        help_text=_("The city's address on the public site, e.g. 'veliko-tarnovo'."),
    )
    name = models.CharField(
        _("name"),
        max_length=120,
        help_text=_("The English name; other names go in the names below."),
    )
    country = CountryField(_("country"))
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        help_text=_("WGS 84 degrees north, -90 to 90 (city centre)."),
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        help_text=_("WGS 84 degrees east, -180 to 180 (city centre)."),
    )
    search_key = models.GeneratedField(
        expression=Fold("name"),
        output_field=models.TextField(),
        db_persist=True,
    )
    history = HistoricalRecords()

    objects = CityQuerySet.as_manager()

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        # The folded name sorts Çanakkale with the Cs and İzmir with the Is.
        ordering = ["search_key", "name"]
        indexes = [
            GinIndex(
                fields=["search_key"],
                opclasses=["gin_trgm_ops"],
                name="cities_city_search",
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="cities_city_unique_slug"),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                | Q(latitude__isnull=True),
                name="cities_city_latitude_in_range",
                violation_error_message=_("Latitude must be between -90 and 90."),
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180)
                | Q(longitude__isnull=True),
                name="cities_city_longitude_in_range",
                violation_error_message=_("Longitude must be between -180 and 180."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="cities_city_coordinates_paired",
                violation_error_message=_(
                    "Give both latitude and longitude, or neither."
                ),
            ),
        ]

    def __str__(self):
        return self.name


class CityName(models.Model):
    """Another name of a city: a local name, a transliteration or an exonym."""

    city = models.ForeignKey(
        City, verbose_name=_("city"), on_delete=models.CASCADE, related_name="names"
    )
    language = models.CharField(
        _("language"),
        max_length=35,
        help_text=_(
            "BCP 47 tag: 'bg', 'el', 'tr', 'sr' (Serbian Cyrillic), 'sr-Latn', ..."
        ),
    )
    name = models.CharField(_("name"), max_length=120)
    search_key = models.GeneratedField(
        expression=Fold("name"),
        output_field=models.TextField(),
        db_persist=True,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("other name")
        verbose_name_plural = _("other names")
        ordering = ["language", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "language", "name"],
                name="cities_cityname_unique_name",
                violation_error_message=_("This city already has this name."),
            ),
            models.CheckConstraint(
                condition=~Q(name=""),
                name="cities_cityname_name_not_empty",
            ),
        ]
        indexes = [
            # Trigrams serve both the substring match and the typo-tolerant one.
            GinIndex(
                fields=["search_key"],
                opclasses=["gin_trgm_ops"],
                name="cities_cityname_search",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.language})"


class Person(models.Model):
    """A person who has held an office in a member city or signed for it."""

    slug = models.SlugField(_("slug"), max_length=120)
    name = models.CharField(_("name"), max_length=160)
    sources = SourcesField()
    notes = models.TextField(_("notes"), blank=True, default="")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="cities_person_unique_slug"),
        ]

    def __str__(self):
        return self.name


class DateSpan(Func):
    """daterange(start, end, '[]') over the known span of an office.

    Empty when the end is before the start. Check constraints refuse such a
    row; validating one must then report that, not fail in daterange() or
    report an overlap with another term.
    """

    function = "daterange"
    bounds = "[]"
    output_field = DateRangeField()

    def __init__(self, start, end):
        super().__init__(start, end, Value(self.bounds))

    def as_sql(self, compiler, connection, **extra_context):
        (start, start_params), (end, end_params), (bounds, bounds_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        # Typed, so an unknown end validates as an open range rather than
        # failing as an untyped NULL.
        start, end = f"({start})::date", f"({end})::date"
        sql = (
            f"CASE WHEN {end} < {start} THEN 'empty'::daterange "
            f"ELSE daterange({start}, {end}, {bounds}) END"
        )
        return sql, (
            *end_params,
            *start_params,
            *start_params,
            *end_params,
            *bounds_params,
        )


def known_within_term(field: str) -> Q:
    """The date in ``field``, when given, is not before start_on nor after end_on."""
    return (
        Q(**{f"{field}__isnull": True})
        | Q(start_on__isnull=True)
        | Q(**{f"{field}__gte": F("start_on")})
    ) & (
        Q(**{f"{field}__isnull": True})
        | Q(end_on__isnull=True)
        | Q(**{f"{field}__lte": F("end_on")})
    )


class Office(Fact):
    """A person holding an office in a city over a period, as far as it is known.

    Sources often say only that someone was in office on a date; those dates
    bound the span in ``known_from`` / ``known_until`` until the term's start
    and end are known.
    """

    city = models.ForeignKey(
        City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="offices"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="offices",
    )
    role = models.CharField(
        _("role"), max_length=20, choices=OfficeRole.choices, default=OfficeRole.MAYOR
    )
    start_on = models.DateField(
        _("term start"), null=True, blank=True, help_text=_("Leave empty if unknown.")
    )
    end_on = models.DateField(
        _("term end"), null=True, blank=True, help_text=_("Leave empty if unknown.")
    )
    known_from = models.DateField(
        _("in office on (earliest)"),
        null=True,
        blank=True,
        help_text=_("The earliest date a source shows this person in office."),
    )
    known_until = models.DateField(
        _("in office on (latest)"),
        null=True,
        blank=True,
        help_text=_("The latest date a source shows this person in office."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["city__name", "-known_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_on__isnull=False) | Q(known_from__isnull=False),
                name="cities_office_has_a_date",
                violation_error_message=_(
                    "Give the term start or a date the person was known in office."
                ),
            ),
            models.CheckConstraint(
                condition=Q(end_on__gte=F("start_on"))
                | Q(end_on__isnull=True)
                | Q(start_on__isnull=True),
                name="cities_office_end_after_start",
                violation_error_message=_("The term cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(known_until__gte=F("known_from"))
                | Q(known_until__isnull=True)
                | Q(known_from__isnull=True),
                name="cities_office_known_dates_ordered",
                violation_error_message=_(
                    "The latest date in office cannot be before the earliest."
                ),
            ),
            models.CheckConstraint(
                condition=known_within_term("known_from")
                & known_within_term("known_until"),
                name="cities_office_known_within_term",
                violation_error_message=_(
                    "The dates known in office must fall within the term."
                ),
            ),
            ExclusionConstraint(
                name="cities_office_no_overlapping_mayors",
                expressions=[
                    ("city", RangeOperators.EQUAL),
                    (
                        DateSpan(
                            Coalesce("start_on", "known_from"),
                            Coalesce("end_on", "known_until", "known_from"),
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                condition=Q(role__in=MAYORALTY),
                violation_error_message=_(
                    "Another mayor of this city is in office during this period."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()}, {self.tenure_display}"

    @property
    def tenure_display(self) -> str:
        """The term where known, else the dates a source shows the person in office."""
        if self.start_on or self.end_on:
            return gettext("term %(start)s – %(end)s") % {
                "start": format_partial_date(self.start_on, DatePrecision.DAY) or "?",
                "end": format_partial_date(self.end_on, DatePrecision.DAY) or "…",
            }
        if self.known_until and self.known_until != self.known_from:
            return gettext(
                "known in office from %(start)s to %(end)s; term not yet known"
            ) % {
                "start": format_partial_date(self.known_from, DatePrecision.DAY),
                "end": format_partial_date(self.known_until, DatePrecision.DAY),
            }
        return gettext("known in office on %(date)s; term not yet known") % {
            "date": format_partial_date(self.known_from, DatePrecision.DAY)
        }


class MembershipStepQuerySet(models.QuerySet):
    def growth_series(self) -> list[tuple[datetime.date, int]]:
        """The member count after every date on which it changed, in one query."""
        return growth_series_query().rows


def growth_series_query() -> Query:
    """The query behind growth_series(), to send together() with others.

    Each step's effect is whether the city is a member after it minus whether
    it was before (the previous step, by date then entry order).
    """
    table = MembershipStep._meta.db_table
    sql = f"""
        WITH flagged AS (
            SELECT "on", (kind = ANY(%s))::int AS member,
                   lag((kind = ANY(%s))::int, 1, 0) OVER (
                       PARTITION BY city_id ORDER BY "on", id
                   ) AS member_before
            FROM {table}
        )
        SELECT "on", sum(sum(member - member_before)) OVER (ORDER BY "on")
        FROM flagged
        GROUP BY "on"
        HAVING sum(member - member_before) <> 0
        ORDER BY "on"
    """
    kinds = [str(kind) for kind in MEMBER_KINDS]
    return Query(sql, [kinds, kinds], _dated_counts)


def _dated_counts(query: Query) -> list[tuple[datetime.date, int]]:
    return [(on, int(count)) for on, count in query.fetchall()]


class MembershipStep(Fact):
    """One dated step in a city's membership."""

    city = models.ForeignKey(
        City,
        verbose_name=_("city"),
        on_delete=models.PROTECT,
        related_name="membership_steps",
    )
    kind = models.CharField(_("step"), max_length=12, choices=MembershipKind.choices)
    on = models.DateField(
        _("date"),
        help_text=_(
            "For a month or year give the 1st (of January); for 'on or before' "
            "give the earliest date a source shows the step had happened."
        ),
    )
    precision = models.CharField(
        _("date precision"),
        max_length=6,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    event = models.ForeignKey(
        "summits.Event",
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="membership_steps",
        help_text=_("The summit or meeting at which the step happened, if any."),
    )
    founding = models.BooleanField(
        _("founding"),
        null=True,
        blank=True,
        help_text=_(
            "For a join: did the city sign the Istanbul Declaration as a founder? "
            "Leave unknown when the sources do not say."
        ),
    )
    signature = models.OneToOneField(
        "summits.Signature",
        verbose_name=_("signature"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="membership_step",
        help_text=_("The declaration signed to join, and who signed it."),
    )
    history = HistoricalRecords()

    objects = MembershipStepQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership step")
        verbose_name_plural = _("membership ledger")
        ordering = ["city__name", "on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "kind", "on"],
                name="cities_membershipstep_unique_step",
                violation_error_message=_(
                    "This city already has a step of this kind on this date."
                ),
            ),
            models.CheckConstraint(
                condition=precision_condition("on", "precision"),
                name="cities_membershipstep_date_matches_precision",
                violation_error_message=_(
                    "A month-precision date must be the 1st; a year-precision date "
                    "must be 1 January."
                ),
            ),
            models.CheckConstraint(
                condition=Q(founding__isnull=True) | Q(kind=MembershipKind.JOINED),
                name="cities_membershipstep_founding_only_on_join",
                violation_error_message=_("Only a join can be marked founding."),
            ),
            models.CheckConstraint(
                condition=Q(signature__isnull=True)
                | Q(kind__in=[MembershipKind.JOINED, MembershipKind.REINSTATED]),
                name="cities_membershipstep_signature_only_on_join",
                violation_error_message=_(
                    "Only a join or reinstatement comes with a signature."
                ),
            ),
        ]
        indexes = [
            # Covers the latest step's kind, so status and the growth series
            # read the index alone.
            models.Index(
                fields=["city", "on", "id"],
                include=["kind"],
                name="cities_step_city_on",
            ),
        ]

    def __str__(self):
        return (
            f"{self.get_kind_display()} {format_partial_date(self.on, self.precision)}"
        )

    @property
    def date_display(self) -> str:
        return format_partial_date(self.on, self.precision)


class ReportedCount(Fact):
    """A member count as published by the network or the press on a date."""

    on = models.DateField(_("date"))
    precision = models.CharField(
        _("date precision"),
        max_length=6,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    members = models.PositiveIntegerField(_("members reported"))
    countries = models.PositiveIntegerField(
        _("countries reported"), null=True, blank=True
    )
    reported_by = models.CharField(_("reported by"), max_length=160)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reported count")
        verbose_name_plural = _("reported counts")
        ordering = ["on"]
        constraints = [
            models.UniqueConstraint(
                fields=["on", "reported_by"],
                name="cities_reportedcount_unique_report",
                violation_error_message=_(
                    "This source already has a count reported on this date."
                ),
            ),
            models.CheckConstraint(
                condition=precision_condition("on", "precision"),
                name="cities_reportedcount_date_matches_precision",
                violation_error_message=_(
                    "A month-precision date must be the 1st; a year-precision date "
                    "must be 1 January."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.members} ({format_partial_date(self.on, self.precision)})"

    @property
    def date_display(self) -> str:
        return format_partial_date(self.on, self.precision)
