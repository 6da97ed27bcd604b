import datetime

from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import translation

from certificates import services
from certificates.models import Certificate
from cities import services as ledger
from cities.models import MembershipKind
from tests.certificates.factories import editor, member_city, office_user, viewer
from tests.factories import (
    CityFactory,
    CityNameFactory,
    DeclarationFactory,
    PersonFactory,
    SignatureFactory,
    UserFactory,
)

SITE_URL = "https://registry.b40.example"

STATUS_KEYS = {
    "version",
    "as_of",
    "city",
    "member",
    "status",
    "status_since",
    "member_since",
    "founding",
    "signature",
    "url",
}


class StatusSearchTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.istanbul = member_city(slug="istanbul", name="Istanbul", country="TR")
        CityNameFactory(city=cls.istanbul, language="tr", name="İstanbul")
        cls.sofia = member_city(slug="sofia", name="Sofia")
        CityNameFactory(city=cls.sofia, language="bg", name="София")
        CityNameFactory(city=cls.sofia, language="tr", name="Sofya")

    def search(self, term):
        return self.client.get(reverse("certificates:status-search"), {"q": term})

    def test_finds_a_city_by_any_name_ignoring_case_and_accents(self):
        for term in ("sofia", "СОФИЯ", "sofya", "İSTANBUL", "istanbul"):
            with self.subTest(term=term):
                response = self.search(term)
                self.assertEqual(response.status_code, 200)
                expected = self.istanbul if "stanbul" in term.lower() else self.sofia
                self.assertContains(
                    response, reverse("certificates:status", args=[expected.slug])
                )

    def test_no_match_says_so(self):
        response = self.search("Atlantis")
        self.assertContains(response, "No city on record has a name like this")

    def test_bad_input_gets_a_clear_message(self):
        cases = {
            "": "Type the name of a city",
            "   ": "Type the name of a city",
            "!!!": "has letters in it",
            "a\x00b": "Null characters are not allowed",
            "x" * 101: "shorter than 100 characters",
        }
        for term, message in cases.items():
            with self.subTest(term=term[:10]):
                response = self.search(term)
                self.assertContains(response, message, status_code=400)

    def test_query_count_does_not_grow_with_matches(self):
        with self.assertNumQueries(1):
            self.search("sofia")
        for _ in range(10):
            member_city(name="Sofia Nova")
        with self.assertNumQueries(1):
            self.search("sofia")


class StatusPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city = member_city(slug="sofia", name="Sofia", country="BG")
        CityNameFactory(city=cls.city, language="bg", name="София")
        declaration = DeclarationFactory(
            slug="istanbul-declaration", title="Istanbul Declaration"
        )
        cls.signature = SignatureFactory(
            declaration=declaration,
            city=cls.city,
            signatory=PersonFactory(name="Yordanka Fandakova"),
        )
        step = cls.city.membership_steps.get()
        step.signature = cls.signature
        step.save()

    def test_says_plainly_whether_a_member_since_when_and_who_signed(self):
        response = self.client.get(reverse("certificates:status", args=["sofia"]))
        self.assertContains(
            response, "Sofia is a member of the B40 Balkan Cities Network today"
        )
        self.assertContains(response, "София")
        self.assertContains(response, "Nov. 30, 2021")
        self.assertContains(response, "yes, signed the Istanbul Declaration in 2021")
        self.assertContains(response, "Istanbul Declaration")
        self.assertContains(response, "Yordanka Fandakova")

    def test_suspended_city_is_not_a_member(self):
        ledger.membership_step_record(
            city=self.city, kind=MembershipKind.SUSPENDED, on=datetime.date(2025, 3, 5)
        )
        response = self.client.get(reverse("certificates:status", args=["sofia"]))
        self.assertContains(response, "Sofia is not a member")
        self.assertContains(response, "since March 5, 2025")
        document = self.client.get(
            reverse("certificates:status-json", args=["sofia"])
        ).json()
        self.assertIs(document["member"], False)
        self.assertEqual(document["status"], "suspended")
        self.assertEqual(
            document["status_since"], {"date": "2025-03-05", "precision": "day"}
        )

    def test_issue_button_only_for_those_who_may_issue(self):
        url = reverse("certificates:status", args=["sofia"])
        issue = reverse("certificates:issue", args=["sofia"])
        self.assertNotContains(self.client.get(url), issue)
        self.client.force_login(office_user(member_city()))
        self.assertNotContains(self.client.get(url), issue)
        self.client.force_login(office_user(self.city))
        self.assertContains(self.client.get(url), issue)

    @override_settings(B40_SITE_URL=SITE_URL)
    def test_qr_code_inline_with_text_alternative(self):
        """The code and its caption carry the public address, whatever host
        the page was opened through, in the page's language."""
        for language, path in (("en", "/status/sofia/"), ("tr", "/tr/status/sofia/")):
            with self.subTest(language=language), translation.override(language):
                response = self.client.get(
                    reverse("certificates:status", args=["sofia"])
                )
                content = response.content.decode()
                self.assertIn('<svg role="img"', content)
                self.assertIn(f"{SITE_URL}{path}</title>", content)
                self.assertIn(f'<span class="status-qr-url">{SITE_URL}{path}<', content)
                self.assertNotIn("address: http://testserver", content)

    @override_settings(B40_SITE_URL=SITE_URL)
    def test_qr_download(self):
        response = self.client.get(reverse("certificates:status-qr", args=["sofia"]))
        self.assertEqual(response["Content-Type"], "image/svg+xml")
        self.assertIn("attachment", response["Content-Disposition"])
        self.assertIn(b"<svg", response.content)
        self.assertIn(f"{SITE_URL}/status/sofia/".encode(), response.content)
        self.assertNotIn(b"testserver", response.content)

    def test_signatory_role_in_the_page_language(self):
        cases = {
            "en": "(mayor)",
            "tr": "(belediye başkanı)",
            "bg": "(кмет)",
            "el": "(δήμαρχος)",
        }
        for language, role in cases.items():
            with self.subTest(language=language), translation.override(language):
                response = self.client.get(
                    reverse("certificates:status", args=["sofia"])
                )
                self.assertContains(response, role)
                if language != "en":
                    self.assertNotContains(response, "(mayor)")
                document = self.client.get(
                    reverse("certificates:status-json", args=["sofia"])
                ).json()
                self.assertEqual(document["signature"]["role"], "mayor")

    def test_signatory_without_a_role_gets_no_empty_brackets(self):
        self.signature.signatory_role = ""
        self.signature.save()
        response = self.client.get(reverse("certificates:status", args=["sofia"]))
        self.assertContains(response, "signed by Yordanka Fandakova on")
        self.assertNotContains(response, "()")

    def test_messages_shown_by_their_level(self):
        """A success is not announced in the red error box; a refusal is."""
        self.client.force_login(editor())
        self.client.post(reverse("certificates:issue", args=["sofia"]))
        response = self.client.get(reverse("certificates:status", args=["sofia"]))
        serial = Certificate.objects.get().serial
        self.assertContains(
            response,
            f'<p class="message-box message-success" role="status">Certificate '
            f"{serial} of Sofia issued.</p>",
            html=True,
        )
        self.assertNotContains(response, "error-box")
        ledger.membership_step_record(
            city=self.city, kind=MembershipKind.SUSPENDED, on=datetime.date(2025, 3, 5)
        )
        response = self.client.post(
            reverse("certificates:issue", args=["sofia"]), follow=True
        )
        self.assertContains(response, '<p class="error-box" role="alert">')
        self.assertContains(response, "Sofia is not a member of the network today")
        self.assertNotContains(response, "message-success")

    def test_unknown_slug_is_404(self):
        for name in ("certificates:status", "certificates:status-json"):
            with self.subTest(name=name):
                response = self.client.get(reverse(name, args=["atlantis"]))
                self.assertEqual(response.status_code, 404)
        url = reverse("certificates:status-qr", args=["atlantis"])
        self.assertEqual(self.client.get(url).status_code, 404)

    @override_settings(B40_SITE_URL=SITE_URL)
    def test_json_shape_version_1(self):
        document = self.client.get(
            reverse("certificates:status-json", args=["sofia"])
        ).json()
        self.assertEqual(set(document), STATUS_KEYS)
        self.assertEqual(
            document["city"],
            {"slug": "sofia", "name": "Sofia", "local_name": "София", "country": "BG"},
        )
        self.assertEqual(document["version"], 1)
        self.assertIs(document["member"], True)
        self.assertEqual(document["status"], "member")
        self.assertEqual(
            document["member_since"], {"date": "2021-11-30", "precision": "day"}
        )
        self.assertIs(document["founding"], True)
        self.assertEqual(
            document["signature"],
            {
                "declaration": "Istanbul Declaration",
                "declaration_url": f"{SITE_URL}/declarations/istanbul-declaration/",
                "signatory": "Yordanka Fandakova",
                "role": "mayor",
                "date": {"date": "2021-11-30", "precision": "day"},
            },
        )
        self.assertEqual(document["url"], f"{SITE_URL}/status/sofia/")

    def test_json_of_a_city_with_no_step(self):
        CityFactory(slug="atlantis")
        document = self.client.get(
            reverse("certificates:status-json", args=["atlantis"])
        ).json()
        self.assertEqual(set(document), STATUS_KEYS)
        self.assertEqual(document["status"], "none")
        self.assertIsNone(document["member_since"])
        self.assertIsNone(document["signature"])

    def test_query_counts(self):
        for name in ("certificates:status", "certificates:status-json"):
            with self.subTest(name=name), self.assertNumQueries(3):
                self.client.get(reverse(name, args=["sofia"]))


class IssueViewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city = member_city(slug="sofia")
        cls.url = reverse("certificates:issue", args=["sofia"])

    def test_who_may_issue(self):
        cases = [
            ("anonymous", None, 403),
            ("office of the city", office_user(self.city), 302),
            ("office of another city", office_user(member_city()), 403),
            ("secretariat viewer", viewer(), 403),
            ("secretariat editor", editor(), 302),
        ]
        for label, user, status in cases:
            with self.subTest(label):
                self.client.logout()
                if user:
                    self.client.force_login(user)
                response = self.client.post(self.url)
                self.assertEqual(response.status_code, status)
                if status == 302:
                    serial = Certificate.objects.latest("issued_at").serial
                    self.assertEqual(
                        response["Location"],
                        reverse("certificates:pdf", args=[serial]),
                    )

    def test_get_is_not_allowed(self):
        self.client.force_login(editor())
        self.assertEqual(self.client.get(self.url).status_code, 405)
        self.assertFalse(Certificate.objects.exists())

    def test_non_member_sent_back_with_the_reason(self):
        CityFactory(slug="atlantis", name="Atlantis")
        self.client.force_login(editor())
        response = self.client.post(
            reverse("certificates:issue", args=["atlantis"]), follow=True
        )
        self.assertRedirects(
            response, reverse("certificates:status", args=["atlantis"])
        )
        self.assertContains(response, "Atlantis is not a member of the network today")
        self.assertFalse(Certificate.objects.exists())

    def test_back_goes_only_to_this_site(self):
        CityFactory(slug="atlantis")
        self.client.force_login(editor())
        url = reverse("certificates:issue", args=["atlantis"])
        response = self.client.post(url, {"next": "/office/"})
        self.assertEqual(response["Location"], "/office/")
        for unsafe in ("https://evil.example/", "/office/\x00", "/office/\r\nX: y"):
            with self.subTest(next=unsafe):
                response = self.client.post(url, {"next": unsafe})
                self.assertEqual(response["Location"], "/status/atlantis/")

    def test_office_refused_comes_back_to_its_dashboard_with_the_reason(self):
        city = CityFactory(slug="atlantis", name="Atlantis")
        self.client.force_login(office_user(city))
        response = self.client.post(
            reverse("certificates:issue", args=["atlantis"]), follow=True
        )
        self.assertRedirects(response, reverse("offices:dashboard"))
        self.assertContains(
            response,
            "Atlantis is not a member of the network today (status: no membership "
            "step); only a member city can be issued a certificate.",
        )
        self.assertFalse(Certificate.objects.exists())

    def test_office_gets_the_pdf_then_a_message_on_its_dashboard(self):
        self.client.force_login(office_user(self.city))
        response = self.client.post(self.url)
        serial = Certificate.objects.get().serial
        self.assertRedirects(
            response, reverse("certificates:pdf", args=[serial]), target_status_code=200
        )
        dashboard = self.client.get(reverse("offices:dashboard"))
        self.assertContains(
            dashboard, f"Certificate {serial} of {self.city.name} issued."
        )
        # Said once, not on every later visit.
        again = self.client.get(reverse("offices:dashboard"))
        self.assertNotContains(
            again, f"Certificate {serial} of {self.city.name} issued."
        )


class PdfViewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city = member_city()
        cls.certificate = services.certificate_issue(city=cls.city, user=editor())
        cls.url = reverse("certificates:pdf", args=[cls.certificate.serial])

    def test_who_may_download(self):
        cases = [
            ("office of the city", office_user(self.city), 200),
            ("office of another city", office_user(member_city()), 403),
            ("logged in, neither office nor staff", UserFactory(is_staff=False), 403),
            ("staff without view permission", UserFactory(), 403),
            ("secretariat viewer", viewer(), 200),
            ("secretariat editor", editor(), 200),
        ]
        for label, user, status in cases:
            with self.subTest(label):
                self.client.force_login(user)
                response = self.client.get(self.url)
                self.assertEqual(response.status_code, status)
                if status == 200:
                    self.assertEqual(response["Content-Type"], "application/pdf")
                    self.assertTrue(response.content.startswith(b"%PDF"))

    def test_anonymous_is_asked_to_log_in(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("offices:login")))

    def test_unknown_serial_is_404(self):
        self.client.force_login(editor())
        url = reverse("certificates:pdf", args=["B40-1999-000001"])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_malformed_serial_is_404(self):
        """Not a server error, and never a query: PostgreSQL refuses a NUL byte."""
        self.client.force_login(editor())
        for path in ("a%00b", "B40-2026-00%001", "abc", "B40-2026-1", "%E2%80%AE"):
            with self.subTest(path=path), self.assertNumQueries(0):
                response = self.client.get(f"/certificates/{path}.pdf")
                self.assertEqual(response.status_code, 404)


class AdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = editor()
        cls.city = member_city()
        cls.certificate = services.certificate_issue(city=cls.city, user=cls.editor)
        cls.revoke_url = reverse(
            "admin:certificates_certificate_revoke", args=[cls.certificate.pk]
        )

    def test_editor_revokes_with_a_reason(self):
        self.client.force_login(self.editor)
        response = self.client.post(self.revoke_url, {"reason": ""})
        self.assertContains(response, "This field is required")
        self.certificate.refresh_from_db()
        self.assertIsNone(self.certificate.revoked_at)
        response = self.client.post(self.revoke_url, {"reason": "Issued in error."})
        self.assertEqual(response.status_code, 302)
        self.certificate.refresh_from_db()
        self.assertEqual(self.certificate.revocation_reason, "Issued in error.")

    def test_others_may_not_revoke(self):
        for user in (viewer(), office_user(self.city)):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                response = self.client.post(self.revoke_url, {"reason": "No."})
                self.assertIn(response.status_code, (302, 403))
                if response.status_code == 302:
                    self.assertIn("/admin/login/", response["Location"])
        self.certificate.refresh_from_db()
        self.assertIsNone(self.certificate.revoked_at)

    def test_malformed_ids_are_404(self):
        self.client.force_login(self.editor)
        base = "/admin/certificates/certificate/"
        pk = self.certificate.pk
        for path in (
            "abc/revoke/",
            "a%00b/revoke/",
            "999999/revoke/",
            "abc/history/",
            "abc/history/1/",
            f"{pk}/history/abc/",
        ):
            with self.subTest(path=path):
                self.assertEqual(self.client.get(base + path).status_code, 404)

    def test_changelist_survives_nul_in_search_and_filters(self):
        self.client.force_login(self.editor)
        url = reverse("admin:certificates_certificate_changelist")
        for query in ("q=a%00b", "state=%00", "country=%00", "issued_at__gte=%00"):
            with self.subTest(query=query):
                response = self.client.get(f"{url}?{query}")
                self.assertIn(response.status_code, (200, 302))
                if response.status_code == 302:
                    self.assertEqual(response["Location"], f"{url}?e=1")
        response = self.client.get(url, {"country": self.city.country.code})
        self.assertContains(response, self.certificate.serial)

    def test_admin_forms_refuse_nul(self):
        self.client.force_login(self.editor)
        add = reverse("admin:certificates_certificate_add")
        for url, field in ((add, "city"), (self.revoke_url, "reason")):
            with self.subTest(field=field):
                response = self.client.post(url, {field: "1\x00"})
                self.assertContains(response, "Null characters are not allowed")
        self.certificate.refresh_from_db()
        self.assertIsNone(self.certificate.revoked_at)

    def test_editor_issues_from_the_admin(self):
        other = member_city()
        self.client.force_login(self.editor)
        response = self.client.post(
            reverse("admin:certificates_certificate_add"), {"city": other.pk}
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Certificate.objects.filter(city=other).exists())

    def test_snapshot_is_read_only_and_nothing_is_deleted(self):
        self.client.force_login(self.editor)
        change = reverse(
            "admin:certificates_certificate_change", args=[self.certificate.pk]
        )
        response = self.client.post(change, {"city_name": "Forged"})
        self.assertEqual(response.status_code, 403)
        delete = reverse(
            "admin:certificates_certificate_delete", args=[self.certificate.pk]
        )
        self.assertEqual(self.client.post(delete, {"post": "yes"}).status_code, 403)
        self.certificate.refresh_from_db()
        self.assertNotEqual(self.certificate.city_name, "Forged")

    def test_changelist_query_count_does_not_grow(self):
        superuser = UserFactory(is_superuser=True)
        self.client.force_login(superuser)
        url = reverse("admin:certificates_certificate_changelist")
        self.client.get(url)  # warm the session and content types

        def count():
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(url).status_code, 200)
            return len(queries)

        few = count()
        for _ in range(10):
            services.certificate_issue(city=member_city(), user=self.editor)
        self.assertEqual(count(), few)

    def test_changelist_filters_by_state(self):
        services.certificate_revoke(
            certificate=self.certificate, user=self.editor, reason="Test."
        )
        valid = services.certificate_issue(city=member_city(), user=self.editor)
        self.client.force_login(self.editor)
        url = reverse("admin:certificates_certificate_changelist")
        response = self.client.get(url, {"state": "revoked"})
        self.assertContains(response, self.certificate.serial)
        self.assertNotContains(response, valid.serial)
