import datetime
import importlib

from django.apps import apps
from django.test import TestCase
from django.utils import timezone

from certificates import services
from certificates.models import Certificate
from tests.certificates.factories import editor, member_city

issued_on_migration = importlib.import_module(
    "certificates.migrations.0003_certificate_issued_on"
)


class IssuedOnMigrationTests(TestCase):
    def test_existing_certificates_keep_the_date_their_token_signed(self):
        """Issued at 00:30 in the registry's zone, the evening before in UTC:
        the date filled in is the registry's, the one the token has signed."""
        certificate = services.certificate_issue(city=member_city(), user=editor())
        day = datetime.date(2026, 3, 1)
        issued_at = datetime.datetime.combine(
            day, datetime.time(0, 30), tzinfo=timezone.get_current_timezone()
        )
        self.assertEqual(issued_at.astimezone(datetime.UTC).date().day, 28)
        rows = Certificate.objects.filter(pk=certificate.pk)
        rows.update(issued_at=issued_at, issued_on=day, year=2026)
        token = rows.get().token
        # As the rows stood before the migration: only issued_at to go by.
        rows.update(issued_on=datetime.date(2026, 12, 31))
        certificate.history.update(
            issued_at=issued_at, issued_on=datetime.date(2026, 12, 31)
        )

        issued_on_migration.issued_on_fill(apps, None)

        self.assertEqual(rows.get().issued_on, day)
        self.assertEqual(rows.get().token, token)
        self.assertEqual(
            set(certificate.history.values_list("issued_on", flat=True)), {day}
        )
