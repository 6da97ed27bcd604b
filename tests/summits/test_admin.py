import datetime

from django.test import SimpleTestCase

from cities.models import Confidence
from summits.models import (
    Declaration,
    Event,
    EventKind,
    Presidency,
    Signature,
    WorkingGroup,
)
from tests.admin_forms import (
    AdminConstraintAssertions,
    AdminPagesMixin,
    AdminTestCase,
    add_inline_row,
    app_admin_url,
    form_data,
    shown,
)
from tests.factories import (
    CityFactory,
    CityNameFactory,
    DeclarationFactory,
    EventFactory,
    PersonFactory,
    PresidencyFactory,
    SignatureFactory,
    WorkingGroupFactory,
)

day = datetime.date


def admin_url(model, action, *args):
    return app_admin_url("summits", model, action, *args)


class AdminConstraintCoverageTests(AdminConstraintAssertions, SimpleTestCase):
    def test_every_constraint_has_an_admin_form_test(self):
        self.assertEveryConstraintShownInAdmin("summits", __file__)


class AdminPagesTests(AdminPagesMixin, AdminTestCase):
    app_label = "summits"

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        signature = SignatureFactory(event=EventFactory())
        cls.objects = {
            "workinggroup": WorkingGroupFactory(),
            "event": signature.event,
            "declaration": signature.declaration,
            "signature": signature,
            "presidency": PresidencyFactory(),
        }

    def test_event_page_lists_its_signatures_inline(self):
        event = self.objects["event"]
        response = self.client.get(admin_url("event", "change", event.pk))
        formset = response.context["inline_admin_formsets"][0].formset
        self.assertEqual(formset.model, Signature)
        self.assertEqual(
            [form.instance for form in formset.initial_forms],
            [self.objects["signature"]],
        )


class EventAdminTests(AdminConstraintAssertions, AdminTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.event = EventFactory(
            slug="sofia-2022", start_on=day(2022, 6, 28), end_on=day(2022, 6, 28)
        )
        cls.group = WorkingGroupFactory()

    def add(self, **fields):
        data = {
            "name": "Athens summit",
            "slug": "athens-summit-2023",
            "kind": EventKind.SUMMIT,
            "start_on": "2023-01-23",
            "end_on": "2023-01-24",
            "precision": "day",
            "confidence": Confidence.PROBABLE,
            "signatures-TOTAL_FORMS": "0",
            "signatures-INITIAL_FORMS": "0",
            **fields,
        }
        return admin_url("event", "add"), data

    def test_valid_event_is_added(self):
        url, data = self.add(working_groups=[self.group.pk])
        self.assertEqual(self.client.post(url, data).status_code, 302)
        event = Event.objects.get(slug="athens-summit-2023")
        self.assertEqual(list(event.working_groups.all()), [self.group])

    def test_duplicate_slug(self):
        self.assertAdminRefuses(
            "summits_event_unique_slug",
            *self.add(slug="sofia-2022"),
            message="Event with this Slug already exists.",
        )

    def test_end_before_start(self):
        self.assertAdminRefuses(
            "summits_event_end_after_start", *self.add(end_on="2023-01-22")
        )

    def test_month_precision_date_not_on_the_first(self):
        self.assertAdminRefuses(
            "summits_event_date_matches_precision",
            *self.add(start_on="2022-06-15", end_on="2022-06-15", precision="month"),
        )

    def test_list_shows_dates_at_their_precision(self):
        EventFactory(
            start_on=day(2022, 6, 1), end_on=day(2022, 6, 1), precision="month"
        )
        response = self.client.get(admin_url("event", "changelist"))
        self.assertContains(
            response, '<td class="field-dates">June 2022</td>', html=True
        )
        self.assertContains(
            response, '<td class="field-dates">June 28, 2022</td>', html=True
        )
        self.assertNotContains(response, "June 1, 2022")

    def test_search_by_any_name_of_the_host_city(self):
        CityNameFactory(city=self.event.city, language="bg", name="София")
        response = self.client.get(admin_url("event", "changelist"), {"q": "СОФИЯ"})
        self.assertEqual(shown(response), {self.event})


class DeclarationAdminTests(AdminConstraintAssertions, AdminTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.declaration = DeclarationFactory(slug="istanbul-declaration")

    def add(self, **fields):
        data = {
            "title": "Zagreb Declaration",
            "slug": "zagreb-declaration-2026",
            "kind": "statement",
            "adopted_on": "2026-01-01",
            "precision": "month",
            "confidence": Confidence.PROBABLE,
            "signatures-TOTAL_FORMS": "0",
            "signatures-INITIAL_FORMS": "0",
            **fields,
        }
        return admin_url("declaration", "add"), data

    def test_valid_declaration_is_added(self):
        self.assertEqual(self.client.post(*self.add()).status_code, 302)
        self.assertTrue(Declaration.objects.filter(slug="zagreb-declaration-2026"))

    def test_duplicate_slug(self):
        self.assertAdminRefuses(
            "summits_declaration_unique_slug",
            *self.add(slug="istanbul-declaration"),
            message="Declaration with this Slug already exists.",
        )

    def test_month_precision_date_not_on_the_first(self):
        self.assertAdminRefuses(
            "summits_declaration_date_matches_precision",
            *self.add(adopted_on="2026-01-26"),
        )

    def test_valid_working_group_is_added(self):
        url = admin_url("workinggroup", "add")
        data = {"name": "Local Climate Action", "slug": "local-climate-action"}
        self.assertEqual(self.client.post(url, data).status_code, 302)
        self.assertTrue(WorkingGroup.objects.filter(slug="local-climate-action"))

    def test_working_group_duplicate_slug(self):
        group = WorkingGroupFactory()
        self.assertAdminRefuses(
            "summits_workinggroup_unique_slug",
            admin_url("workinggroup", "add"),
            {"name": "Local Climate Action", "slug": group.slug},
            message="Working group with this Slug already exists.",
        )


class SignatureAdminTests(AdminConstraintAssertions, AdminTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.signature = SignatureFactory(event=EventFactory())
        cls.declaration = cls.signature.declaration
        cls.city = cls.signature.city

    def add(self, **fields):
        data = {
            "declaration": self.declaration.pk,
            "city": CityFactory().pk,
            "signatory": PersonFactory().pk,
            "signatory_role": "mayor",
            "on": "2022-06-28",
            "precision": "day",
            "confidence": Confidence.PROBABLE,
            **fields,
        }
        return admin_url("signature", "add"), data

    def test_valid_signature_is_added(self):
        self.assertEqual(self.client.post(*self.add()).status_code, 302)
        self.assertEqual(self.declaration.signatures.count(), 2)

    def test_second_signature_by_a_city(self):
        self.assertAdminRefuses(
            "summits_signature_one_per_city", *self.add(city=self.city.pk)
        )

    def test_second_signature_by_a_city_in_the_event_inline(self):
        url = admin_url("event", "change", self.signature.event.pk)
        data = form_data(self.client.get(url))
        add_inline_row(
            data,
            "signatures",
            declaration=self.declaration.pk,
            city=self.city.pk,
            on="2021-11-30",
            precision="day",
            confidence=Confidence.UNVERIFIED,
        )
        self.assertAdminRefuses("summits_signature_one_per_city", url, data)

    def test_month_precision_date_not_on_the_first(self):
        self.assertAdminRefuses(
            "summits_signature_date_matches_precision",
            *self.add(on="2022-06-28", precision="month"),
        )

    def test_search_by_any_name_of_the_city(self):
        CityNameFactory(city=self.city, language="tr", name="Saraybosna")
        response = self.client.get(admin_url("signature", "changelist"), {"q": "SARAY"})
        self.assertEqual(shown(response), {self.signature})


class PresidencyAdminTests(AdminConstraintAssertions, AdminTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.first = PresidencyFactory(
            number=1, start_on=day(2021, 11, 30), end_on=day(2023, 1, 23)
        )
        cls.second = PresidencyFactory(
            number=2, start_on=day(2023, 1, 23), end_on=day(2024, 1, 30)
        )

    def add(self, **fields):
        data = {
            "number": "3",
            "city": CityFactory().pk,
            "start_on": "2024-01-30",
            "confidence": Confidence.PROBABLE,
            **fields,
        }
        return admin_url("presidency", "add"), data

    def test_a_current_term_starting_on_the_handover_day_is_added(self):
        self.assertEqual(self.client.post(*self.add()).status_code, 302)
        self.assertIsNone(Presidency.objects.get(number=3).end_on)

    def test_a_city_may_preside_again_after_a_break(self):
        url, data = self.add(city=self.first.city.pk)
        self.assertEqual(self.client.post(url, data).status_code, 302)

    def test_overlapping_presidencies(self):
        self.assertAdminRefuses(
            "summits_presidency_no_overlap", *self.add(start_on="2024-01-29")
        )

    def test_consecutive_presidencies_of_one_city(self):
        self.assertAdminRefuses(
            "summits_presidency_no_consecutive_terms",
            *self.add(city=self.second.city.pk),
        )

    def test_duplicate_number(self):
        self.assertAdminRefuses(
            "summits_presidency_unique_number",
            *self.add(number="2", start_on="2030-01-01"),
        )

    def test_end_before_start(self):
        self.assertAdminRefuses(
            "summits_presidency_end_after_start",
            *self.add(start_on="2025-02-24", end_on="2025-02-23"),
        )

    def test_search_by_president_ignoring_accents(self):
        president = self.first.president
        president.name = "Ekrem İmamoğlu"
        president.save()
        response = self.client.get(
            admin_url("presidency", "changelist"), {"q": "imamoglu"}
        )
        self.assertEqual(shown(response), {self.first})


class ChangelistQueryTests(AdminTestCase):
    """Each changelist runs the same number of queries for 10 and 100 rows."""

    def test_working_groups(self):
        self.assertSameQueriesFor10And100(
            admin_url("workinggroup", "changelist"), WorkingGroupFactory.create_batch, 7
        )

    def test_events(self):
        self.assertSameQueriesFor10And100(
            admin_url("event", "changelist"), EventFactory.create_batch, 10
        )

    def test_declarations(self):
        def make(n):
            for declaration in DeclarationFactory.create_batch(n, event=EventFactory()):
                SignatureFactory.create_batch(2, declaration=declaration)

        self.assertSameQueriesFor10And100(
            admin_url("declaration", "changelist"), make, 10
        )

    def test_signatures(self):
        self.assertSameQueriesFor10And100(
            admin_url("signature", "changelist"), SignatureFactory.create_batch, 11
        )

    def test_presidencies(self):
        self.assertSameQueriesFor10And100(
            admin_url("presidency", "changelist"), PresidencyFactory.create_batch, 10
        )
