from django.conf import settings
from django.db import models
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
