from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import IntegerRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cities.dates import (
    DatePrecision,
    format_partial_date,
    format_partial_span,
    precision_condition,
)
from cities.fields import SourcesField
from cities.models import City, DateSpan, Fact, OfficeRole, Person

PRECISION_ERROR = _(
    "A month-precision date must be the 1st; a year-precision date must be 1 January."
)


class EventKind(models.TextChoices):
    SUMMIT = "summit", _("summit")
    MEETING = "meeting", _("meeting")
    SIGNING = "signing", _("signing ceremony")
    WORKING_GROUP = "working_group", _("working-group meeting")


class DeclarationKind(models.TextChoices):
    FOUNDING = "founding", _("founding declaration")
    RULES = "rules", _("rules")
    STATEMENT = "statement", _("summit declaration")


class WorkingGroup(models.Model):
    """A standing working group of the network."""

    slug = models.SlugField(_("slug"), max_length=80)
    name = models.CharField(_("name"), max_length=160)
    sources = SourcesField()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"], name="summits_workinggroup_unique_slug"
            ),
        ]

    def __str__(self):
        return self.name


class Event(Fact):
    """A summit, meeting, signing ceremony or working-group meeting."""

    slug = models.SlugField(_("slug"), max_length=80)
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    name = models.CharField(_("name"), max_length=240)
    city = models.ForeignKey(
        City,
        verbose_name=_("host city"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events_hosted",
        help_text=_("Empty for an online meeting."),
    )
    start_on = models.DateField(_("start"))
    end_on = models.DateField(_("end"))
    precision = models.CharField(
        _("date precision"),
        max_length=6,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    venue = models.CharField(_("venue"), max_length=240, blank=True, default="")
    host = models.CharField(
        _("host"),
        max_length=240,
        blank=True,
        default="",
        help_text=_("Who hosted or chaired it, as the sources say."),
    )
    working_groups = models.ManyToManyField(
        WorkingGroup,
        verbose_name=_("working groups"),
        blank=True,
        related_name="events",
    )
    history = HistoricalRecords(m2m_fields=[working_groups])

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["start_on"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="summits_event_unique_slug"),
            models.CheckConstraint(
                condition=Q(end_on__gte=F("start_on")),
                name="summits_event_end_after_start",
                violation_error_message=_("An event cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=precision_condition("start_on", "precision"),
                name="summits_event_date_matches_precision",
                violation_error_message=PRECISION_ERROR,
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def date_display(self) -> str:
        return format_partial_span(self.start_on, self.end_on, self.precision)


class Declaration(Fact):
    """A declaration or rules document of the network."""

    slug = models.SlugField(_("slug"), max_length=80)
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=12, choices=DeclarationKind.choices)
    adopted_on = models.DateField(_("adopted on"))
    precision = models.CharField(
        _("date precision"),
        max_length=6,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    event = models.ForeignKey(
        Event,
        verbose_name=_("adopted at"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="declarations",
    )
    summary = models.TextField(_("summary"), blank=True, default="")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        ordering = ["adopted_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"], name="summits_declaration_unique_slug"
            ),
            models.CheckConstraint(
                condition=precision_condition("adopted_on", "precision"),
                name="summits_declaration_date_matches_precision",
                violation_error_message=PRECISION_ERROR,
            ),
        ]

    def __str__(self):
        return self.title


class Signature(Fact):
    """A city's signature of a declaration: who signed, in what role, when."""

    declaration = models.ForeignKey(
        Declaration,
        verbose_name=_("declaration"),
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    city = models.ForeignKey(
        City,
        verbose_name=_("city"),
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    signatory = models.ForeignKey(
        Person,
        verbose_name=_("signatory"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signatures",
        help_text=_("Leave empty when the sources do not name who signed."),
    )
    signatory_role = models.CharField(
        _("signatory's role"), max_length=40, blank=True, default=""
    )
    on = models.DateField(_("signed on"))
    precision = models.CharField(
        _("date precision"),
        max_length=6,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    event = models.ForeignKey(
        Event,
        verbose_name=_("signed at"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "city"],
                name="summits_signature_one_per_city",
                violation_error_message=_("This city has already signed it."),
            ),
            models.CheckConstraint(
                condition=precision_condition("on", "precision"),
                name="summits_signature_date_matches_precision",
                violation_error_message=PRECISION_ERROR,
            ),
        ]

    def __str__(self):
        return f"{self.signatory_role or _('signature')}, {self.date_display}"

    @property
    def date_display(self) -> str:
        return format_partial_date(self.on, self.precision)

    @property
    def role_label(self) -> str:
        """The signatory's role in the visitor's language; a role outside the
        registry's vocabulary (OfficeRole) is shown as the sources give it."""
        role = self.signatory_role
        return str(OfficeRole(role).label) if role in OfficeRole.values else role


class NumberSpan(Func):
    """int4range(number, number + 1, '[]'): a term and the one after it overlap."""

    function = "int4range"

    def __init__(self, expression):
        super().__init__(
            expression,
            F(expression) + 1,
            Value("[]"),
            output_field=IntegerRangeField(),
        )


class PresidencySpan(DateSpan):
    """daterange(start, end, '[)'): a handover day belongs to the incoming term."""

    bounds = "[)"


class Presidency(Fact):
    """One term of the network's rotating presidency."""

    number = models.PositiveSmallIntegerField(
        _("term number"), help_text=_("1 for the founding presidency, and so on.")
    )
    city = models.ForeignKey(
        City,
        verbose_name=_("presiding city"),
        on_delete=models.PROTECT,
        related_name="presidencies",
    )
    president = models.ForeignKey(
        Person,
        verbose_name=_("president"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="presidencies",
    )
    start_on = models.DateField(_("start"))
    end_on = models.DateField(
        _("end"), null=True, blank=True, help_text=_("Empty for the current term.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("presidency")
        verbose_name_plural = _("presidencies")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["number"],
                name="summits_presidency_unique_number",
                violation_error_message=_("A presidency with this number exists."),
            ),
            models.CheckConstraint(
                condition=Q(end_on__gt=F("start_on")) | Q(end_on__isnull=True),
                name="summits_presidency_end_after_start",
                violation_error_message=_("A term must end after the day it starts."),
            ),
            ExclusionConstraint(
                name="summits_presidency_no_overlap",
                expressions=[
                    (PresidencySpan("start_on", "end_on"), RangeOperators.OVERLAPS),
                ],
                violation_error_message=_("This term overlaps another presidency."),
            ),
            ExclusionConstraint(
                name="summits_presidency_no_consecutive_terms",
                expressions=[
                    ("city", RangeOperators.EQUAL),
                    (NumberSpan("number"), RangeOperators.OVERLAPS),
                ],
                violation_error_message=_(
                    "A city cannot hold the presidency for two consecutive terms."
                ),
            ),
        ]

    def __str__(self):
        return f"{self._meta.verbose_name} {self.number}"
