from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class OfficeAccount(models.Model):
    """A login of a mayor's office: it acts for exactly one city."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="office_account",
    )
    city = models.ForeignKey(
        "cities.City",
        verbose_name=_("city"),
        on_delete=models.PROTECT,
        related_name="office_accounts",
    )
    language = models.CharField(
        _("language of emails"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("The language of the invitation and of every notice sent."),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    invited_at = models.DateTimeField(_("invited at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("office account")
        verbose_name_plural = _("office accounts")
        ordering = ["city__name", "user__email"]

    def __str__(self):
        return f"{self.user.get_username()} ({self.city})"


class CityContact(models.Model):
    """A city's private contact details, seen only by its office and the secretariat."""

    city = models.OneToOneField(
        "cities.City",
        verbose_name=_("city"),
        on_delete=models.PROTECT,
        related_name="contact",
    )
    email = models.EmailField(
        _("general email"),
        blank=True,
        default="",
        help_text=_("The municipality's general address."),
    )
    phone = models.CharField(
        _("phone"),
        max_length=40,
        blank=True,
        default="",
        help_text=_("With the country code, e.g. +359 2 987 4321."),
    )
    postal_address = models.TextField(_("postal address"), blank=True, default="")
    website = models.URLField(_("website"), blank=True, default="")
    contact_person = models.CharField(
        _("contact person"),
        max_length=160,
        blank=True,
        default="",
        help_text=_("Who in the mayor's office deals with the network."),
    )
    contact_person_email = models.EmailField(
        _("contact person's email"), blank=True, default=""
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("city contact details")
        verbose_name_plural = _("city contact details")
        ordering = ["city__name"]

    def __str__(self):
        return str(_("Contact details"))


class ChangeRequestStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    APPROVED = "approved", _("approved")
    DECLINED = "declined", _("declined")


class ChangeRequest(models.Model):
    """A correction to a city's record proposed by its office, with its outcome.

    ``before`` holds the record as the office saw it and ``after`` what it
    proposes, both by section (see offices.changes); approval applies ``after``
    only while the record still matches ``before``.
    """

    city = models.ForeignKey(
        "cities.City",
        verbose_name=_("city"),
        on_delete=models.PROTECT,
        related_name="change_requests",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    before = models.JSONField(_("record before"), encoder=DjangoJSONEncoder)
    after = models.JSONField(_("proposed"), encoder=DjangoJSONEncoder)
    comment = models.TextField(
        _("explanation"),
        blank=True,
        default="",
        help_text=_("The office's explanation and sources."),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ChangeRequestStatus.choices,
        default=ChangeRequestStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decline_reason = models.TextField(
        _("reason for declining"),
        blank=True,
        default="",
        help_text=_("Sent to the office; say what it should do instead."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-submitted_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(before=F("after")),
                name="offices_changerequest_changes_something",
                violation_error_message=_("The proposal is identical to the record."),
            ),
            models.CheckConstraint(
                condition=Q(status=ChangeRequestStatus.PENDING, decided_at__isnull=True)
                | Q(
                    ~Q(status=ChangeRequestStatus.PENDING),
                    decided_at__isnull=False,
                ),
                name="offices_changerequest_decided_when_not_pending",
                violation_error_message=_(
                    "A decided request has a decision date; a pending one has none."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status=ChangeRequestStatus.DECLINED, decline_reason__gt="")
                | Q(~Q(status=ChangeRequestStatus.DECLINED), decline_reason=""),
                name="offices_changerequest_reason_iff_declined",
                violation_error_message=_(
                    "A declined request needs a reason; only a declined one has one."
                ),
            ),
        ]
        indexes = [
            models.Index(
                fields=["city", "-submitted_at"], name="offices_request_city_date"
            ),
        ]

    def __str__(self):
        return _("Change request #%(number)s") % {"number": self.pk}

    def get_absolute_url(self):
        return reverse("offices:change-request-detail", kwargs={"pk": self.pk})

    @property
    def reference(self) -> str:
        """How history records and emails name the request."""
        return f"change request #{self.pk}"
