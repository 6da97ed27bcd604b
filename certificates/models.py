from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from certificates.tokens import certificate_token
from cities.dates import DatePrecision, format_partial_date
from cities.models import City, MembershipStatus, steps_latest_first


class CertificateState(models.TextChoices):
    """Whether a certificate still says what the registry says today."""

    VALID = "valid", _("valid")
    SUPERSEDED = "superseded", _("superseded")
    REVOKED = "revoked", _("revoked")


def current_city_fact(name: str) -> Subquery:
    """A fact of the certificate's city as the ledger has it today (with_status)."""
    cities = City.objects.with_status().filter(pk=OuterRef("city"))
    return Subquery(cities.values(name)[:1])


def current_status_step(name: str) -> Subquery:
    """A field of the step that gives the certificate's city its status today."""
    steps = steps_latest_first(timezone.localdate(), city="city")
    return Subquery(steps.values(name)[:1])


def same(field: str, other: str) -> Q:
    """``field IS NOT DISTINCT FROM other``: equal, or both unknown."""
    return Q(**{field: F(other)}) | Q(
        **{f"{field}__isnull": True, f"{other}__isnull": True}
    )


class CertificateQuerySet(models.QuerySet):
    def with_state(self):
        """Annotate each certificate's ``state`` against the ledger today.

        Also adds ``current_status``, ``current_since`` / ``current_since_precision``
        (the date of the step that gives the status), ``current_member_since`` /
        ``current_member_since_precision`` and ``current_founding``, so a page can
        say what changed. One query, whatever the number of certificates.
        """
        annotated = self.annotate(
            current_status=current_city_fact("status"),
            current_member_since=current_city_fact("member_since"),
            current_member_since_precision=current_city_fact("member_since_precision"),
            current_founding=current_city_fact("founding"),
            current_since=current_status_step("on"),
            current_since_precision=current_status_step("precision"),
        )
        unchanged = (
            Q(current_status=MembershipStatus.MEMBER)
            & Q(current_member_since=F("member_since"))
            & Q(current_member_since_precision=F("member_since_precision"))
            & same("current_founding", "founding")
        )
        return annotated.annotate(
            state=models.Case(
                models.When(
                    revoked_at__isnull=False, then=Value(CertificateState.REVOKED)
                ),
                models.When(unchanged, then=Value(CertificateState.VALID)),
                default=Value(CertificateState.SUPERSEDED),
                output_field=models.CharField(),
            )
        )


class Certificate(models.Model):
    """A membership certificate issued to a member city, with what it certified.

    The snapshot fields hold the facts as the ledger had them at issue; they are
    never edited. Whether the certificate still holds is derived (with_state).
    """

    serial = models.CharField(
        _("serial number"),
        max_length=20,
        editable=False,
        help_text=_(
            "B40, the year of issue and the number within that year, e.g. "
            "B40-2026-000017."
        ),
    )
    year = models.PositiveSmallIntegerField(_("year of issue"), editable=False)
    number = models.PositiveIntegerField(_("number in the year"), editable=False)
    city = models.ForeignKey(
        City,
        verbose_name=_("city"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    issued_at = models.DateTimeField(_("issued at"), editable=False)
    issued_on = models.DateField(
        _("date of issue"),
        editable=False,
        help_text=_(
            "The date printed on the certificate and signed into its verification "
            "address: the registry's date at issue. It never changes, even if the "
            "registry's time zone does."
        ),
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    city_name = models.CharField(
        _("city name (as certified)"), max_length=120, editable=False
    )
    local_name = models.CharField(
        _("local name (as certified)"),
        max_length=120,
        blank=True,
        default="",
        editable=False,
        help_text=_(
            "The city's name in its country's language, if the record has one."
        ),
    )
    country = CountryField(_("country (as certified)"))
    member_since = models.DateField(_("member since (as certified)"), editable=False)
    member_since_precision = models.CharField(
        _("precision of member since"),
        max_length=6,
        choices=DatePrecision.choices,
        editable=False,
    )
    founding = models.BooleanField(
        _("founding member (as certified)"),
        null=True,
        editable=False,
        help_text=_("Unknown when the ledger did not say at issue."),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revocation_reason = models.TextField(
        _("reason for revocation"),
        blank=True,
        default="",
        help_text=_("Shown to anyone who verifies the certificate."),
    )
    history = HistoricalRecords()

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["serial"], name="certificates_certificate_unique_serial"
            ),
            models.UniqueConstraint(
                fields=["year", "number"],
                name="certificates_certificate_unique_number",
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="certificates_certificate_number_positive",
            ),
            models.CheckConstraint(
                condition=Q(year=ExtractYear("issued_on")),
                name="certificates_certificate_year_of_issue",
                violation_error_message=_(
                    "The year in the serial number is the year of issue."
                ),
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revocation_reason="")
                | (Q(revoked_at__isnull=False) & ~Q(revocation_reason="")),
                name="certificates_certificate_revocation_has_reason",
                violation_error_message=_(
                    "A revocation needs a date and a reason, and only a revocation "
                    "has them."
                ),
            ),
        ]

    def __str__(self):
        return self.serial

    def get_absolute_url(self):
        return reverse("certificates:verify", kwargs={"token": self.token})

    @property
    def token(self) -> str:
        return certificate_token(self)

    @property
    def member_since_display(self) -> str:
        return format_partial_date(self.member_since, self.member_since_precision)
