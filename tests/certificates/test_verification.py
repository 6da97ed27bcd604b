import datetime
import string

from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from certificates import services
from certificates.models import Certificate
from certificates.verification import Verdict, token_verify
from cities import services as ledger
from cities.models import MembershipKind
from tests.certificates.factories import editor, member_city

TOKEN_ALPHABET = string.ascii_letters + string.digits + "-_:."


def one_character_changed(token: str, index: int) -> str:
    replacement = next(c for c in TOKEN_ALPHABET if c != token[index])
    return token[:index] + replacement + token[index + 1 :]


class VerificationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = editor()
        cls.city = member_city(name="Veliko Tarnovo", country="BG")

    def setUp(self):
        self.certificate = services.certificate_issue(city=self.city, user=self.editor)
        self.token = self.certificate.token

    def verify_page(self, token):
        return self.client.get(reverse("certificates:verify", args=[token]))

    def test_genuine_certificate_is_valid(self):
        verification = token_verify(self.token)
        self.assertEqual(verification.verdict, Verdict.VALID)
        self.assertEqual(verification.certificate, self.certificate)
        response = self.verify_page(self.token)
        self.assertContains(response, "Valid")
        self.assertContains(response, self.certificate.serial)
        self.assertContains(response, "Veliko Tarnovo")

    def test_same_certificate_same_address(self):
        """A certificate printed twice carries one verification address."""
        reloaded = Certificate.objects.get(pk=self.certificate.pk)
        self.assertEqual(reloaded.token, self.token)

    def test_any_character_changed_is_altered(self):
        for index in range(len(self.token)):
            with self.subTest(index=index):
                altered = one_character_changed(self.token, index)
                self.assertEqual(token_verify(altered).verdict, Verdict.ALTERED)

    def test_altered_page_shows_nothing_from_the_token(self):
        response = self.verify_page(one_character_changed(self.token, 5))
        self.assertContains(response, "Altered")
        self.assertNotContains(response, "Veliko Tarnovo")
        self.assertNotContains(response, self.certificate.serial)

    def test_garbage_is_altered_not_an_error(self):
        for token in ("x", "a:b", ".:", "%C3%A9", "0" * 500, "a\x00b", "\x00:\x00"):
            with self.subTest(token=token):
                self.assertEqual(self.verify_page(token).status_code, 200)
                self.assertEqual(token_verify(token).verdict, Verdict.ALTERED)

    def test_altered_page_says_the_signature_failed(self):
        response = self.verify_page(one_character_changed(self.token, 5))
        self.assertContains(response, "at least one character differs")
        self.assertNotContains(response, "signed by the registry")

    def test_signed_but_not_the_record_is_altered_and_says_so(self):
        """A genuine signature over facts the record no longer holds is not
        called a forgery: the secretariat has to explain it."""
        Certificate.objects.filter(pk=self.certificate.pk).update(
            city_name="Veliko Turnovo"
        )
        verification = token_verify(self.token)
        self.assertEqual(verification.verdict, Verdict.ALTERED)
        self.assertIsNone(verification.certificate)
        response = self.verify_page(self.token)
        self.assertContains(response, "Altered")
        self.assertContains(
            response,
            "This address was signed by the registry, but it does not match the "
            f"registry's record of certificate {self.certificate.serial}.",
        )
        self.assertContains(response, "contact the secretariat of the network")
        self.assertNotContains(response, "at least one character differs")
        self.assertNotContains(response, "Veliko")

    def test_a_new_time_zone_does_not_alter_printed_certificates(self):
        """Issued at 00:30 in Istanbul, which is the evening before in UTC."""
        issued_on = self.certificate.issued_on
        just_after_midnight = datetime.datetime.combine(
            issued_on, datetime.time(0, 30), tzinfo=timezone.get_current_timezone()
        )
        Certificate.objects.filter(pk=self.certificate.pk).update(
            issued_at=just_after_midnight
        )
        printed = Certificate.objects.get(pk=self.certificate.pk).token
        for zone in ("UTC", "America/New_York", "Asia/Tokyo"):
            with self.subTest(zone=zone), override_settings(TIME_ZONE=zone):
                self.assertEqual(token_verify(printed).verdict, Verdict.VALID)
                response = self.verify_page(printed)
                self.assertContains(response, "Valid")
                certificate = Certificate.objects.get(pk=self.certificate.pk)
                self.assertEqual(certificate.issued_on, issued_on)

    def test_suspension_after_issue_supersedes_and_says_what_changed(self):
        ledger.membership_step_record(
            city=self.city, kind=MembershipKind.SUSPENDED, on=datetime.date(2025, 3, 5)
        )
        verification = token_verify(self.token)
        self.assertEqual(verification.verdict, Verdict.SUPERSEDED)
        self.assertEqual(len(verification.changes), 1)
        self.assertIn("suspended", verification.changes[0])
        self.assertIn("2025", verification.changes[0])
        self.assertContains(self.verify_page(self.token), "Superseded")

    def test_corrected_member_since_supersedes(self):
        step = self.city.membership_steps.get()
        ledger.membership_step_change(
            step=step, on=datetime.date(2022, 1, 1), precision="year"
        )
        verification = token_verify(self.token)
        self.assertEqual(verification.verdict, Verdict.SUPERSEDED)
        self.assertIn("2022", verification.changes[0])

    def test_revoked_shows_date_and_reason(self):
        services.certificate_revoke(
            certificate=self.certificate, user=self.editor, reason="Issued in error."
        )
        self.assertEqual(token_verify(self.token).verdict, Verdict.REVOKED)
        response = self.verify_page(self.token)
        self.assertContains(response, "Revoked")
        self.assertContains(response, "Issued in error.")

    def test_unknown_serial(self):
        Certificate.objects.filter(pk=self.certificate.pk).delete()
        verification = token_verify(self.token)
        self.assertEqual(verification.verdict, Verdict.UNKNOWN)
        self.assertContains(self.verify_page(self.token), "Unknown certificate")

    def test_page_query_count(self):
        with self.assertNumQueries(1):
            self.verify_page(self.token)
        with self.assertNumQueries(0):
            self.verify_page(one_character_changed(self.token, 3))
