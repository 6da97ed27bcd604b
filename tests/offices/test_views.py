import datetime
from decimal import Decimal

from django.core import mail
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone, translation

from certificates.services import certificate_issue
from cities.dates import format_partial_date
from cities.models import MembershipKind, Office
from cities.services import membership_step_record
from offices import services
from offices.changes import Record
from offices.models import ChangeRequest, ChangeRequestStatus
from tests.factories import (
    CityFactory,
    CityNameFactory,
    EventFactory,
    MembershipStepFactory,
    OfficeFactory,
    UserFactory,
)
from tests.offices.factories import CityContactFactory, OfficeAccountFactory

DASHBOARD = reverse("offices:dashboard")
NEW_REQUEST = reverse("offices:change-request-create")


def form_data(city, **changes):
    """What the proposal form posts when nothing is touched, then ``changes``."""
    record = Record.of(city).sections()
    data = {
        "names-TOTAL_FORMS": str(len(record["names"]) + 2),
        "names-INITIAL_FORMS": str(len(record["names"])),
        "names-MIN_NUM_FORMS": "0",
        "names-MAX_NUM_FORMS": "50",
        "latitude": record["coordinates"]["latitude"] or "",
        "longitude": record["coordinates"]["longitude"] or "",
        "mayor_name": record["mayor"]["name"],
        "mayor_since": record["mayor"]["start_on"] or "",
        "comment": "",
        **record["contact"],
    }
    for index, (language, name) in enumerate(record["names"]):
        data[f"names-{index}-language"] = language
        data[f"names-{index}-name"] = name
    data.update(changes)
    return data


class OfficeTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city = CityFactory(
            name="Sofia", latitude=Decimal("42.69770"), longitude=Decimal("23.32190")
        )
        cls.other_city = CityFactory(name="Zenica")
        cls.account = OfficeAccountFactory(city=cls.city)
        cls.other_account = OfficeAccountFactory(city=cls.other_city)
        MembershipStepFactory(city=cls.city, on=datetime.date(2021, 11, 30))
        CityNameFactory(city=cls.city, language="bg", name="София")
        cls.contact = CityContactFactory(city=cls.city, email="info@sofia.example")
        CityContactFactory(city=cls.other_city, email="secret@zenica.example")
        OfficeFactory(
            city=cls.city,
            person__name="Vasil Terziev",
            start_on=datetime.date(2023, 11, 13),
            known_from=None,
            known_until=None,
        )

    def setUp(self):
        self.client.force_login(self.account.user)

    def request_for(self, city, user, **sections):
        proposed = Record.of(city).sections()
        proposed.update(sections)
        return services.change_request_submit(city=city, user=user, proposed=proposed)


class DashboardTests(OfficeTestCase):
    def test_anonymous_visitor_is_sent_to_sign_in(self):
        self.client.logout()
        response = self.client.get(DASHBOARD)
        self.assertRedirects(response, f"{reverse('offices:login')}?next={DASHBOARD}")

    def test_staff_without_an_office_account_is_told_why(self):
        self.client.force_login(UserFactory(groups=["Secretariat editors"]))
        response = self.client.get(DASHBOARD)
        self.assertEqual(response.status_code, 403)
        self.assertContains(response, "This area is for mayors", status_code=403)
        self.assertContains(response, reverse("admin:index"), status_code=403)

    def test_shows_its_own_city_only(self):
        response = self.client.get(DASHBOARD)
        self.assertContains(response, "<h1>Sofia")
        self.assertContains(response, "info@sofia.example")
        self.assertNotContains(response, "Zenica")
        self.assertNotContains(response, "secret@zenica.example")

    def test_shows_status_since_history_events_and_mayor(self):
        EventFactory(
            name="Zagreb Summit",
            start_on=timezone.localdate() + datetime.timedelta(30),
            end_on=timezone.localdate() + datetime.timedelta(31),
        )
        EventFactory(name="Past meeting", start_on=datetime.date(2022, 4, 25))
        response = self.client.get(DASHBOARD)
        self.assertContains(response, 'class="status status-member"')
        joined = format_partial_date(datetime.date(2021, 11, 30), "day")
        self.assertContains(response, f"since {joined}")
        self.assertContains(response, "yes, signed the Istanbul Declaration")
        self.assertContains(response, "Zagreb Summit")
        self.assertNotContains(response, "Past meeting")
        self.assertContains(response, "Vasil Terziev")

    def test_status_since_is_shown_at_its_precision(self):
        membership_step_record(
            city=self.city,
            kind=MembershipKind.SUSPENDED,
            on=datetime.date(2024, 5, 17),
            precision="month",
        )
        response = self.client.get(DASHBOARD)
        self.assertContains(
            response, f"since {format_partial_date(datetime.date(2024, 5, 1), 'month')}"
        )
        self.assertNotContains(
            response, format_partial_date(datetime.date(2024, 5, 17), "day")
        )

    def test_shows_each_request_outcome_with_the_reason(self):
        pending = self.request_for(
            self.city,
            self.account.user,
            coordinates={"latitude": None, "longitude": None},
        )
        declined = self.request_for(
            self.city,
            self.account.user,
            contact={**Record.of(self.city).sections()["contact"], "phone": "1"},
        )
        services.change_request_decline(
            change_request=declined, user=UserFactory(), reason="Give the full number."
        )
        response = self.client.get(DASHBOARD)
        self.assertContains(response, pending.get_absolute_url())
        self.assertContains(response, "pending")
        self.assertContains(response, "declined</span>: Give the full number.")

    def test_lists_certificates_with_their_state(self):
        certificate = certificate_issue(city=self.city, user=self.account.user)
        response = self.client.get(DASHBOARD)
        self.assertContains(response, certificate.serial)
        self.assertContains(
            response, reverse("certificates:pdf", args=[certificate.serial])
        )
        self.assertContains(
            response, reverse("certificates:issue", args=[self.city.slug])
        )

    def test_query_count_does_not_grow_with_requests_steps_and_events(self):
        self.client.get(DASHBOARD)
        contact = Record.of(self.city).sections()["contact"]
        for count in (1, 5):
            for index in range(count):
                EventFactory(start_on=timezone.localdate(), end_on=timezone.localdate())
                self.request_for(
                    self.city,
                    self.account.user,
                    contact={**contact, "phone": f"{count}-{index}"},
                )
            with self.subTest(more=count), self.assertNumQueries(11):
                response = self.client.get(DASHBOARD)
            self.assertEqual(response.status_code, 200)

    def test_contact_details_are_never_on_public_pages(self):
        self.client.logout()
        response = self.client.get(reverse("cities:city-detail", args=[self.city.slug]))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "info@sofia.example")
        self.assertNotContains(response, self.contact.phone)


class ChangeRequestCreateTests(OfficeTestCase):
    def test_form_holds_the_record(self):
        response = self.client.get(NEW_REQUEST)
        self.assertContains(response, 'value="София"')
        self.assertContains(response, 'value="42.69770"')
        self.assertContains(response, 'value="Vasil Terziev"')
        self.assertContains(response, 'value="2023-11-13"')
        self.assertContains(response, 'value="info@sofia.example"')

    def test_proposal_becomes_a_pending_request(self):
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                NEW_REQUEST,
                form_data(
                    self.city,
                    **{
                        "names-1-language": "tr",
                        "names-1-name": "Sofya",
                        "comment": "Our Turkish name",
                    },
                ),
            )
        change_request = ChangeRequest.objects.get()
        self.assertRedirects(response, change_request.get_absolute_url())
        self.assertEqual(change_request.city, self.city)
        self.assertEqual(change_request.submitted_by, self.account.user)
        self.assertEqual(
            change_request.after, {"names": [["bg", "София"], ["tr", "Sofya"]]}
        )
        self.assertEqual(change_request.comment, "Our Turkish name")
        self.assertEqual(len(mail.outbox), 2)

    def test_removing_a_name(self):
        self.client.post(NEW_REQUEST, form_data(self.city, **{"names-0-DELETE": "on"}))
        self.assertEqual(ChangeRequest.objects.get().after, {"names": []})

    def test_new_mayor(self):
        self.client.post(
            NEW_REQUEST,
            form_data(
                self.city,
                mayor_change="new",
                mayor_name="Elena Petrova",
                mayor_since="2025-01-15",
            ),
        )
        self.assertEqual(
            ChangeRequest.objects.get().after,
            {
                "mayor": {
                    "office": None,
                    "name": "Elena Petrova",
                    "start_on": "2025-01-15",
                    "change": "new",
                }
            },
        )

    def test_identical_proposal_says_so_and_saves_nothing(self):
        response = self.client.post(NEW_REQUEST, form_data(self.city))
        self.assertContains(response, "identical to the record", status_code=400)
        self.assertFalse(ChangeRequest.objects.exists())

    def assertFieldError(self, response, field, message):
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, f'aria-describedby="id_{field}_', status_code=400)
        self.assertContains(response, f'id="id_{field}_error"', status_code=400)
        self.assertContains(response, message, status_code=400)
        self.assertFalse(ChangeRequest.objects.exists())

    def test_latitude_out_of_range(self):
        response = self.client.post(NEW_REQUEST, form_data(self.city, latitude="95"))
        self.assertFieldError(response, "latitude", "less than or equal to 90")

    def test_coordinates_both_or_neither(self):
        response = self.client.post(NEW_REQUEST, form_data(self.city, longitude=""))
        self.assertFieldError(
            response, "longitude", "Give both latitude and longitude, or neither."
        )

    def test_new_mayor_needs_the_date(self):
        response = self.client.post(
            NEW_REQUEST,
            form_data(
                self.city,
                mayor_change="new",
                mayor_name="Elena Petrova",
                mayor_since="",
            ),
        )
        self.assertFieldError(
            response, "mayor_since", "Give the day the mayor took office."
        )

    def test_mayor_date_cannot_be_ahead(self):
        ahead = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
        response = self.client.post(
            NEW_REQUEST,
            form_data(self.city, mayor_name="Elena Petrova", mayor_since=ahead),
        )
        self.assertFieldError(response, "mayor_since", "cannot be ahead")

    def test_bad_contact_email(self):
        response = self.client.post(
            NEW_REQUEST, form_data(self.city, email="not an address")
        )
        self.assertFieldError(response, "email", "Enter a valid email address.")

    def test_bad_language_tag(self):
        response = self.client.post(
            NEW_REQUEST,
            form_data(
                self.city, **{"names-1-language": "Turkish", "names-1-name": "Sofya"}
            ),
        )
        self.assertFieldError(response, "names-1-language", "Use a language tag")

    def test_form_query_count(self):
        self.client.get(NEW_REQUEST)
        with self.assertNumQueries(6):
            self.client.get(NEW_REQUEST)


class ChangeRequestDetailTests(OfficeTestCase):
    def test_shows_before_and_after(self):
        change_request = self.request_for(
            self.city,
            self.account.user,
            coordinates={"latitude": "42.70000", "longitude": "23.32190"},
        )
        response = self.client.get(change_request.get_absolute_url())
        self.assertContains(response, "42.69770")
        self.assertContains(response, "<ins>42.70000</ins>", html=False)
        self.assertNotContains(response, "Longitude")
        self.assertContains(response, "pending")

    def test_another_citys_request_is_not_found(self):
        theirs = self.request_for(
            self.other_city,
            self.other_account.user,
            coordinates={"latitude": None, "longitude": None},
        )
        self.assertEqual(self.client.get(theirs.get_absolute_url()).status_code, 404)

    def test_office_cannot_propose_for_another_city(self):
        """The form writes only to the signed-in office's city, whatever is posted."""
        self.client.post(
            NEW_REQUEST,
            {**form_data(self.city, latitude="42.00000"), "city": self.other_city.pk},
        )
        self.assertEqual(ChangeRequest.objects.get().city, self.city)

    def test_query_count(self):
        change_request = self.request_for(
            self.city,
            self.account.user,
            coordinates={"latitude": None, "longitude": None},
        )
        self.client.get(change_request.get_absolute_url())
        with self.assertNumQueries(4):
            self.client.get(change_request.get_absolute_url())


class DeclinedRequestOnDashboardTests(OfficeTestCase):
    def test_approved_request_shows_approved(self):
        change_request = self.request_for(
            self.city,
            self.account.user,
            coordinates={"latitude": None, "longitude": None},
        )
        services.change_request_approve(
            change_request=change_request, user=UserFactory()
        )
        self.assertEqual(
            ChangeRequest.objects.get().status, ChangeRequestStatus.APPROVED
        )
        self.assertContains(self.client.get(DASHBOARD), "approved")


SITE = "https://registry.b40.example"


@override_settings(B40_SITE_URL=SITE)
class EmailLinkTests(OfficeTestCase):
    """Links in emails start with B40_SITE_URL, not the host the form was
    posted to, which the poster chooses."""

    def test_request_received_links(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(NEW_REQUEST, form_data(self.city, latitude="42.00000"))
        change_request = ChangeRequest.objects.get()
        self.assertEqual(len(mail.outbox), 2)
        for message in mail.outbox:
            self.assertNotIn("testserver", message.body)
        office_mail = next(m for m in mail.outbox if m.to == [self.account.user.email])
        self.assertIn(SITE + change_request.get_absolute_url(), office_mail.body)
        secretariat_mail = next(m for m in mail.outbox if m is not office_mail)
        self.assertIn(
            SITE
            + reverse("admin:offices_changerequest_change", args=[change_request.pk]),
            secretariat_mail.body,
        )

    def test_password_reset_link(self):
        self.client.logout()
        self.client.post(
            reverse("offices:password-reset"), {"email": self.account.user.email}
        )
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn(f"{SITE}/office/password-reset/", mail.outbox[0].body)
        self.assertNotIn("testserver", mail.outbox[0].body)


class DuplicateRequestViewTests(OfficeTestCase):
    def test_form_sent_twice_makes_one_request_and_says_so(self):
        data = form_data(self.city, latitude="42.00000")
        first = self.client.post(NEW_REQUEST, data)
        self.assertEqual(first.status_code, 302)
        again = self.client.post(NEW_REQUEST, data)
        change_request = ChangeRequest.objects.get()
        self.assertContains(
            again,
            f"already proposed exactly this in request #{change_request.pk}",
            status_code=400,
        )


class MayorChangeFormTests(OfficeTestCase):
    def test_another_name_needs_saying_whether_new_or_misspelt(self):
        response = self.client.post(
            NEW_REQUEST,
            form_data(self.city, mayor_name="Vassil Terziev"),
        )
        self.assertContains(response, 'id="id_mayor_change_error"', status_code=400)
        self.assertContains(
            response, "or the current mayor&#x27;s name is misspelt", status_code=400
        )
        self.assertFalse(ChangeRequest.objects.exists())

    def test_spelling_correction(self):
        self.client.post(
            NEW_REQUEST,
            form_data(
                self.city, mayor_change="correction", mayor_name="Vassil Terziev"
            ),
        )
        change_request = ChangeRequest.objects.get()
        self.assertEqual(
            change_request.after["mayor"],
            {
                "office": None,
                "name": "Vassil Terziev",
                "start_on": "2023-11-13",
                "change": "correction",
            },
        )
        response = self.client.get(change_request.get_absolute_url())
        self.assertContains(response, "Name, spelling corrected")
        self.assertNotContains(response, "In office since")

    def test_date_alone_corrects_the_current_term(self):
        self.client.post(NEW_REQUEST, form_data(self.city, mayor_since="2023-11-10"))
        self.assertEqual(
            ChangeRequest.objects.get().after["mayor"]["change"], "correction"
        )


class ErrorSummaryTests(OfficeTestCase):
    def test_name_row_errors_are_in_the_summary_linked_to_their_field(self):
        response = self.client.post(
            NEW_REQUEST,
            form_data(
                self.city, **{"names-1-language": "Turkish", "names-1-name": "Sofya"}
            ),
        )
        self.assertContains(
            response,
            '<li><a href="#id_names-1-language">Name 2, Language</a>: Use a language',
            status_code=400,
        )

    def test_formset_errors_are_in_the_summary(self):
        response = self.client.post(
            NEW_REQUEST,
            form_data(self.city, **{"names-1-language": "bg", "names-1-name": "София"}),
        )
        self.assertContains(
            response,
            '<a href="#names-rows">Names in other languages and scripts</a>: '
            "The name София (bg) is given twice.",
            status_code=400,
        )

    def test_each_name_row_is_a_fieldset_with_a_legend(self):
        response = self.client.get(NEW_REQUEST)
        self.assertContains(response, '<legend class="visually-hidden">Name 2</legend>')


class LocalisedPagesTests(OfficeTestCase):
    def test_city_named_in_the_pages_language(self):
        change_request = self.request_for(
            self.city,
            self.account.user,
            coordinates={"latitude": None, "longitude": None},
        )
        with translation.override("bg"):
            dashboard = self.client.get(reverse("offices:dashboard"))
            form = self.client.get(reverse("offices:change-request-create"))
            detail = self.client.get(change_request.get_absolute_url())
        self.assertContains(dashboard, "<h1>София")
        self.assertNotContains(dashboard, "<h1>Sofia")
        lead = form.content.decode().split('<p class="lead">')[1].split("</p>")[0]
        self.assertIn("София", lead)
        self.assertContains(detail, "<dd>София</dd>")

    def test_english_name_where_the_record_has_none_in_the_language(self):
        with translation.override("el"):
            response = self.client.get(reverse("offices:dashboard"))
        self.assertContains(response, "<h1>Sofia")

    def test_coordinates_are_unambiguous_in_every_language(self):
        for language in ("en", "bg", "el"):
            with self.subTest(language=language), translation.override(language):
                url = reverse("offices:dashboard")
                response = self.client.get(url)
                self.assertContains(response, "42.69770° ")
                self.assertContains(response, "23.32190° ")
                self.assertNotContains(response, "42,69770")


class MayorKnownDatesTests(OfficeTestCase):
    def test_before_column_shows_what_the_record_knows(self):
        Office.objects.filter(city=self.city).update(
            start_on=None,
            known_from=datetime.date(2025, 2, 24),
            known_until=None,
        )
        change_request = self.request_for(
            self.city,
            self.account.user,
            mayor={
                "office": None,
                "name": "Vasil Terziev",
                "start_on": "2023-11-13",
                "change": "correction",
            },
        )
        response = self.client.get(change_request.get_absolute_url())
        known = format_partial_date(datetime.date(2025, 2, 24), "day")
        self.assertContains(response, f"known in office on {known}; term not yet known")
