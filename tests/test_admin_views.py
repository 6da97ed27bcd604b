import datetime

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cities import services
from cities.models import City, Confidence, MembershipKind
from tests.admin_forms import AdminTestCase
from tests.applications.factories import submit
from tests.factories import (
    CityFactory,
    DeclarationFactory,
    EventFactory,
    MembershipStepFactory,
    OfficeFactory,
    PresidencyFactory,
    ReportedCountFactory,
    SignatureFactory,
)
from tests.offices.factories import OfficeAccountFactory
from tests.offices.test_admin import submit as request_submit

day = datetime.date
TO_VERIFY = reverse("admin:to-verify")
RECONCILIATION = reverse("admin:reconciliation")


def change_url(obj):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def key(obj):
    return f"{obj._meta.label_lower}:{obj.pk}"


class AdminIndexTests(AdminTestCase):
    def test_index_links_to_the_secretariat_pages(self):
        response = self.client.get(reverse("admin:index"))
        self.assertContains(response, f'href="{TO_VERIFY}"')
        self.assertContains(response, f'href="{RECONCILIATION}"')

    def test_index_counts_what_waits_for_a_decision(self):
        account = OfficeAccountFactory(city=CityFactory(latitude=None, longitude=None))
        request_submit(
            account.city,
            account.user,
            coordinates={"latitude": "44.5", "longitude": "18.7"},
        )
        submit(municipality="Gabrovo")
        submit(municipality="Ruse")
        response = self.client.get(reverse("admin:index"))
        requests = reverse("admin:offices_changerequest_changelist")
        applications = reverse("admin:applications_application_changelist")
        self.assertContains(
            response,
            f'<a href="{requests}?status__in=pending">Change requests to decide</a>'
            " <strong>(1)</strong>",
            html=True,
        )
        self.assertContains(
            response,
            f'<a href="{applications}?state__in=received,candidate">'
            "Applications to decide</a> <strong>(2)</strong>",
            html=True,
        )
        for link in (
            f"{requests}?status__in=pending",
            f"{applications}?state__in=received,candidate",
        ):
            with self.subTest(link=link):
                self.assertEqual(self.client.get(link).status_code, 200)


class ToVerifyTests(AdminTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.confirmed = CityFactory(confidence=Confidence.CONFIRMED)
        cls.city = CityFactory(
            confidence=Confidence.PROBABLE,
            sources=["https://b40network.org/who-we-are/", "https://example.org/b40"],
        )
        cls.facts = [
            cls.city,
            OfficeFactory(city=cls.confirmed),
            MembershipStepFactory(confidence=Confidence.UNVERIFIED),
            EventFactory(),
            DeclarationFactory(),
            SignatureFactory(),
            PresidencyFactory(),
            ReportedCountFactory(on=day(2022, 6, 1), precision="month"),
        ]

    def test_lists_every_unconfirmed_fact_with_its_sources(self):
        response = self.client.get(TO_VERIFY)
        for fact in self.facts:
            with self.subTest(fact=fact._meta.model_name):
                self.assertContains(response, f'href="{change_url(fact)}"')
                self.assertContains(response, f'value="{key(fact)}"')
        self.assertNotContains(response, f'href="{change_url(self.confirmed)}"')
        self.assertContains(
            response,
            '<a href="https://b40network.org/who-we-are/" '
            'title="https://b40network.org/who-we-are/" '
            'rel="noopener noreferrer">b40network.org</a>',
            html=True,
        )
        self.assertContains(response, "June 2022")
        self.assertNotContains(response, "June 1, 2022")

    def test_editor_confirms_the_selected_facts(self):
        chosen = self.facts[1:4]
        before = timezone.now()
        response = self.client.post(TO_VERIFY, {"fact": [key(fact) for fact in chosen]})
        self.assertRedirects(response, TO_VERIFY)
        for fact in self.facts:
            fact.refresh_from_db()
            with self.subTest(fact=fact._meta.model_name):
                if fact in chosen:
                    self.assertEqual(fact.confidence, Confidence.CONFIRMED)
                    self.assertEqual(fact.verified_by, self.editor)
                    self.assertGreaterEqual(fact.verified_at, before)
                    self.assertEqual(fact.history.latest().history_user, self.editor)
                else:
                    self.assertNotEqual(fact.confidence, Confidence.CONFIRMED)
                    self.assertIsNone(fact.verified_by)
        listed = self.client.get(TO_VERIFY)
        for fact in chosen:
            self.assertNotContains(listed, f'href="{change_url(fact)}"')

    def test_viewer_sees_the_facts_but_cannot_confirm_them(self):
        self.client.force_login(self.viewer)
        response = self.client.get(TO_VERIFY)
        self.assertContains(response, f'href="{change_url(self.city)}"')
        self.assertNotContains(response, 'name="fact"')
        response = self.client.post(TO_VERIFY, {"fact": [key(self.city)]})
        self.assertEqual(response.status_code, 403)
        self.city.refresh_from_db()
        self.assertEqual(self.city.confidence, Confidence.PROBABLE)

    def test_confirming_needs_the_csrf_token(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.editor)
        response = client.post(TO_VERIFY, {"fact": [key(self.city)]})
        self.assertEqual(response.status_code, 403)
        self.city.refresh_from_db()
        self.assertEqual(self.city.confidence, Confidence.PROBABLE)

    def test_anonymous_visitors_are_sent_to_the_login(self):
        self.client.logout()
        response = self.client.get(TO_VERIFY)
        self.assertRedirects(response, f"{reverse('admin:login')}?next={TO_VERIFY}")


class ToVerifyQueryTests(AdminTestCase):
    def test_query_count_does_not_grow_with_the_facts(self):
        def make(n):
            CityFactory.create_batch(n, confidence=Confidence.PROBABLE)
            OfficeFactory.create_batch(n)
            SignatureFactory.create_batch(n, event=EventFactory())

        self.assertSameQueriesFor10And100(TO_VERIFY, make, 12)


class ReconciliationTests(AdminTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        founders = [MembershipStepFactory().city for _ in range(3)]
        services.membership_step_record(
            city=CityFactory(), kind=MembershipKind.JOINED, on=day(2022, 6, 28)
        )
        services.membership_step_record(
            city=founders[0], kind=MembershipKind.WITHDRAWN, on=day(2023, 1, 1)
        )
        for on, precision, members in (
            (day(2021, 11, 30), "day", 23),
            (day(2022, 6, 1), "month", 25),
            (day(2022, 6, 28), "day", 40),
            (day(2023, 1, 1), "year", 3),
        ):
            ReportedCountFactory(on=on, precision=precision, members=members)

    def test_each_report_beside_the_members_on_record_then(self):
        response = self.client.get(RECONCILIATION)
        self.assertEqual(
            [
                (
                    row["report"].date_display,
                    row["report"].members,
                    row["recorded"],
                    row["difference"],
                    row["agrees"],
                )
                for row in response.context["rows"]
            ],
            [
                ("Nov. 30, 2021", 23, "3", "+20", False),
                ("June 2022", 25, "3 to 4", "+21 to +22", False),
                ("June 28, 2022", 40, "4", "+36", False),
                ("2023", 3, "3", "0", True),
            ],
        )
        self.assertContains(response, "+21 to +22")
        self.assertContains(response, "The ledger counts 3 members today.")

    def test_viewer_may_read_it(self):
        self.client.force_login(self.viewer)
        self.assertEqual(self.client.get(RECONCILIATION).status_code, 200)


class ReconciliationQueryTests(AdminTestCase):
    def test_query_count_does_not_grow_with_reports_or_cities(self):
        def make(n):
            ReportedCountFactory.create_batch(n)
            MembershipStepFactory.create_batch(n)

        self.assertSameQueriesFor10And100(RECONCILIATION, make, 6)
        self.assertEqual(City.objects.count(), 100)
