from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from cities.search import Fold

# A letter larger than this is refused: a council decision is a few pages.
LETTER_MAX_BYTES = 5 * 1024 * 1024
PDF_SIGNATURE = b"%PDF-"


class ApplicationState(models.TextChoices):
    """Where an application stands. Only a candidate or an admitted one is on
    the public record (the city and its ledger steps)."""

    RECEIVED = "received", _("received")
    CANDIDATE = "candidate", _("candidate, under review")
    ADMITTED = "admitted", _("admitted")
    DECLINED = "declined", _("declined")


# Awaiting the secretariat: received, or accepted as a candidate.
PENDING = (ApplicationState.RECEIVED, ApplicationState.CANDIDATE)
ACCEPTED = (ApplicationState.CANDIDATE, ApplicationState.ADMITTED)


class OctetLength(Func):
    function = "octet_length"
    output_field = models.PositiveIntegerField()


class Application(models.Model):
    """A municipality's application to join the network, as its office sent it."""

    reference = models.CharField(
        _("reference"),
        max_length=20,
        editable=False,
        help_text=_("The random reference the applicant follows the application by."),
    )
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=ApplicationState.choices,
        default=ApplicationState.RECEIVED,
    )
    city = models.ForeignKey(
        "cities.City",
        verbose_name=_("city"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        help_text=_(
            "The city on record that applied, set when the application is accepted "
            "as a candidate; empty before, and once a declined application's city, "
            "added for it alone, has been removed."
        ),
    )
    city_created = models.BooleanField(
        _("city added by this application"),
        default=False,
        help_text=_(
            "The city was not on record when the application was accepted as a "
            "candidate."
        ),
    )
    municipality = models.CharField(_("municipality"), max_length=120)
    # How duplicate applications are found: the name ignoring case and accents.
    municipality_key = models.GeneratedField(
        expression=Fold("municipality"),
        output_field=models.TextField(),
        db_persist=True,
    )
    country = CountryField(_("country"))
    mayor_name = models.CharField(_("mayor's name"), max_length=160)
    contact_name = models.CharField(_("contact person"), max_length=160)
    contact_email = models.EmailField(_("contact email"))
    phone = models.CharField(_("phone"), max_length=40, blank=True, default="")
    council_decision_on = models.DateField(_("date of the council decision"))
    message = models.TextField(_("message"), blank=True, default="")
    letter = models.BinaryField(
        _("letter"),
        blank=True,
        default=b"",
        help_text=_("The council's letter or decision, as a PDF."),
    )
    letter_name = models.CharField(
        _("letter file name"), max_length=200, blank=True, default=""
    )
    letter_size = models.PositiveIntegerField(_("letter size (bytes)"), default=0)
    language = models.CharField(
        _("language"),
        max_length=8,
        default="en",
        help_text=_("The language the applicant used; notices are sent in it."),
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    accepted_at = models.DateTimeField(
        _("accepted as a candidate"),
        null=True,
        blank=True,
        help_text=_(
            "When the secretariat accepted the application and recorded the city "
            "as a candidate on the public record."
        ),
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    candidate_step = models.OneToOneField(
        "cities.MembershipStep",
        verbose_name=_("candidate step"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "The ledger step recording that the city applied, dated the day the "
            "application was received."
        ),
    )
    joined_step = models.OneToOneField(
        "cities.MembershipStep",
        verbose_name=_("joined step"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The ledger step recording the admission."),
    )
    admitted_on = models.DateField(_("admitted on"), null=True, blank=True)
    admitted_at_event = models.ForeignKey(
        "summits.Event",
        verbose_name=_("admitted at"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="admissions",
    )
    decline_reason = models.TextField(
        _("reason for declining"),
        blank=True,
        default="",
        help_text=_("Shown to the applicant on the follow page and in the email."),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The letter is never changed: a copy of it in every version would only
    # multiply its megabytes.
    history = HistoricalRecords(excluded_fields=["letter"])

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"], name="applications_application_unique_reference"
            ),
            models.UniqueConstraint(
                fields=["city"],
                condition=Q(state__in=PENDING),
                name="applications_application_one_pending_per_city",
                violation_error_message=_(
                    "This city already has an application awaiting a decision."
                ),
            ),
            models.UniqueConstraint(
                fields=["country", "municipality_key"],
                condition=Q(state__in=PENDING),
                name="applications_application_one_pending_per_name",
                violation_error_message=_(
                    "This municipality already has an application awaiting a decision."
                ),
            ),
            models.CheckConstraint(
                condition=Q(state=ApplicationState.RECEIVED, city__isnull=True)
                | Q(state__in=ACCEPTED, city__isnull=False)
                | Q(state=ApplicationState.DECLINED),
                name="applications_application_city_when_accepted",
                violation_error_message=_(
                    "A city is on record for an application once it is accepted as "
                    "a candidate, and not before."
                ),
            ),
            models.CheckConstraint(
                condition=Q(state=ApplicationState.RECEIVED, accepted_at__isnull=True)
                | Q(state__in=ACCEPTED, accepted_at__isnull=False)
                | Q(state=ApplicationState.DECLINED),
                name="applications_application_acceptance_dated",
                violation_error_message=_(
                    "An application accepted as a candidate needs the time it was "
                    "accepted, and a received one has none."
                ),
            ),
            models.CheckConstraint(
                condition=Q(state__in=PENDING, decided_at__isnull=True)
                | (~Q(state__in=PENDING) & Q(decided_at__isnull=False)),
                name="applications_application_decision_dated",
                violation_error_message=_(
                    "A decided application needs the time of the decision."
                ),
            ),
            models.CheckConstraint(
                condition=Q(state=ApplicationState.ADMITTED, admitted_on__isnull=False)
                | (
                    ~Q(state=ApplicationState.ADMITTED)
                    & Q(admitted_on__isnull=True, admitted_at_event__isnull=True)
                ),
                name="applications_application_admission_dated",
                violation_error_message=_(
                    "An admitted application needs its date of admission, and only "
                    "an admitted one has it."
                ),
            ),
            models.CheckConstraint(
                condition=(Q(state=ApplicationState.DECLINED) & ~Q(decline_reason=""))
                | (~Q(state=ApplicationState.DECLINED) & Q(decline_reason="")),
                name="applications_application_reason_when_declined",
                violation_error_message=_(
                    "A declined application needs a reason, and only a declined "
                    "one has it."
                ),
            ),
            models.CheckConstraint(
                condition=Q(letter_size=OctetLength(F("letter")))
                & Q(letter_size__lte=LETTER_MAX_BYTES),
                name="applications_application_letter_size",
                violation_error_message=_("The letter can be at most 5 MB."),
            ),
            models.CheckConstraint(
                condition=Q(letter_size=0, letter_name="")
                | (Q(letter_size__gt=0) & ~Q(letter_name="")),
                name="applications_application_letter_named",
                violation_error_message=_("A letter needs its file name."),
            ),
        ]
        indexes = [
            models.Index(fields=["state", "-submitted_at"], name="applications_state"),
        ]

    def __str__(self):
        return f"{self.reference}: {self.municipality}"

    def get_absolute_url(self):
        return reverse("applications:status", kwargs={"reference": self.reference})

    def clean(self):
        super().clean()
        if self.letter and not bytes(self.letter).startswith(PDF_SIGNATURE):
            raise ValidationError(
                {"letter": _("The letter is not a PDF file.")}, code="not_pdf"
            )


class RateLimitHit(models.Model):
    """One counted attempt by a client, under a named limit (see ratelimit.py).

    Holds a keyed hash of the client's address, never the address itself.
    """

    scope = models.CharField(_("limit"), max_length=40)
    key = models.CharField(_("client (hashed)"), max_length=64)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("rate-limit hit")
        verbose_name_plural = _("rate-limit hits")
        indexes = [
            models.Index(fields=["scope", "key", "-at"], name="applications_hit_key"),
            models.Index(fields=["scope", "at"], name="applications_hit_age"),
        ]

    def __str__(self):
        return f"{self.scope} {self.at:%Y-%m-%d %H:%M}"
