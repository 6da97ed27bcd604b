import datetime
import re
from unittest import mock

from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation

from applications.models import LETTER_MAX_BYTES, Application, RateLimitHit
from applications.services import application_admit, application_decline
from applications.uploads import REQUEST_MAX_BYTES
from cities.models import City, MembershipStep
from tests.applications.factories import (
    PDF,
    candidate,
    form_data,
    pdf_upload,
    submit,
)
from tests.factories import EventFactory

APPLY = "/apply/"


class ApplicationFormTests(TestCase):
    def post(self, **changes):
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(APPLY, form_data(**changes))

    def assertRefused(self, response, field, message):
        """The form is shown again with ``message`` on ``field``, tied to it,
        listed in the summary, and nothing is saved."""
        self.assertEqual(response.status_code, 200)
        self.assertIn(message, response.context["form"].errors[field])
        self.assertContains(response, f'id="id_{field}_error"')
        self.assertContains(response, f'href="#id_{field}"')
        self.assertRegex(
            response.content.decode(),
            rf'aria-describedby="[^"]*id_{field}_error"',
        )
        self.assertFalse(Application.objects.exists())
        self.assertFalse(City.objects.exists())
        self.assertEqual(mail.outbox, [])

    def test_form_page_runs_no_query(self):
        with self.assertNumQueries(0):
            response = self.client.get(APPLY)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "css/applications.css")

    def test_every_required_field_says_what_is_missing(self):
        required = {
            "municipality": "Enter the name of the municipality.",
            "country": "Choose the country of the municipality.",
            "mayor_name": "Enter the name of the mayor.",
            "contact_name": "Enter the name of the contact person.",
            "contact_email": "Enter the contact person's email address.",
            "council_decision_on": "Enter the date of the council decision.",
        }
        for field, message in required.items():
            with self.subTest(field=field):
                self.assertRefused(self.post(**{field: ""}), field, message)

    def test_field_values_refused_with_their_reason(self):
        future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
        cases = [
            ("municipality", "123", "Enter the name of the municipality in letters."),
            ("municipality", "x" * 121, "The name can be at most 120 characters long."),
            ("country", "QQ", "Choose a country from the list."),
            ("mayor_name", "x" * 161, "The name can be at most 160 characters long."),
            (
                "contact_email",
                "maria@",
                "Enter an email address such as name@example.org.",
            ),
            (
                "phone",
                "call me",
                "Enter a phone number in digits, e.g. +359 2 123 4567.",
            ),
            ("phone", "+1 2", "Enter a phone number in digits, e.g. +359 2 123 4567."),
            (
                "council_decision_on",
                future,
                "The council decision cannot be in the future.",
            ),
            (
                "council_decision_on",
                "15/03/2026",
                "Enter the date as year-month-day, e.g. 2026-03-15.",
            ),
            (
                "council_decision_on",
                "1999-12-31",
                "Check the year of the council decision.",
            ),
            (
                "message",
                "x" * 2001,
                "The message can be at most 2,000 characters long.",
            ),
        ]
        for field, value, message in cases:
            with self.subTest(field=field, value=value[:20]):
                self.assertRefused(self.post(**{field: value}), field, message)

    def test_optional_fields_may_be_left_empty(self):
        response = self.post(phone="", message="")
        self.assertEqual(response.status_code, 302)
        application = Application.objects.get()
        self.assertEqual((application.phone, application.letter_size), ("", 0))

    def test_letter_larger_than_5_mb_refused_while_uploading(self):
        """The upload handler drops the letter once past 5 MB; the form is
        shown again with everything else as sent."""
        big = PDF + b"0" * (LETTER_MAX_BYTES + 1 - len(PDF))
        response = self.post(letter=pdf_upload(big))
        self.assertEqual(response.status_code, 413)
        form = response.context["form"]
        self.assertEqual(
            form.errors["letter"],
            ["The letter is larger than 5 MB; send a smaller PDF."],
        )
        self.assertNotIn("letter", form.files)
        self.assertContains(response, 'value="Veliko Tarnovo"', status_code=413)
        self.assertContains(response, 'id="id_letter_error"', status_code=413)
        self.assertFalse(Application.objects.exists())

    def test_request_declaring_more_than_the_limit_refused_unread(self):
        class Unreadable:
            def read(self, *args):
                raise AssertionError("the body was read")

            readline = read

        response = self.client.generic(
            "POST",
            APPLY,
            b"x",
            content_type="multipart/form-data; boundary=B",
            CONTENT_LENGTH=str(REQUEST_MAX_BYTES + 1),
            **{"wsgi.input": Unreadable()},
        )
        self.assertEqual(response.status_code, 413)
        self.assertContains(
            response, "The letter can be at most 5 MB.", status_code=413
        )
        self.assertContains(response, 'role="alert"', status_code=413)
        self.assertFalse(Application.objects.exists())

    def test_letter_of_exactly_5_mb_accepted(self):
        exact = PDF + b"0" * (LETTER_MAX_BYTES - len(PDF))
        self.assertEqual(self.post(letter=pdf_upload(exact)).status_code, 302)
        self.assertEqual(Application.objects.get().letter_size, LETTER_MAX_BYTES)

    def test_letter_that_is_not_a_pdf_refused(self):
        word = pdf_upload(
            b"PK\x03\x04word/document.xml",
            "decision.docx",
            content_type="application/vnd.openxmlformats",
        )
        self.assertRefused(
            self.post(letter=word),
            "letter",
            "The letter is not a PDF file; send it as a PDF.",
        )

    def test_fake_pdf_refused_despite_its_name_and_type(self):
        fake = pdf_upload(b"<html><script>alert(1)</script>", "decision.pdf")
        self.assertRefused(
            self.post(letter=fake),
            "letter",
            "The letter is not a PDF file; send it as a PDF.",
        )

    def test_empty_letter_refused(self):
        self.assertRefused(
            self.post(letter=pdf_upload(b"")), "letter", "The chosen file is empty."
        )

    def test_valid_letter_stored_in_the_database_with_its_name_and_size(self):
        self.post(letter=pdf_upload(name="../../Odluka Općina.PDF"))
        application = Application.objects.get()
        self.assertEqual(bytes(application.letter), PDF)
        self.assertEqual(application.letter_size, len(PDF))
        self.assertEqual(application.letter_name, "Odluka_Općina.pdf")

    def test_form_shown_again_asks_for_the_letter_again(self):
        response = self.post(letter=pdf_upload(), contact_email="")
        self.assertContains(response, "Choose the letter again")

    def test_summary_and_errors_are_announced(self):
        response = self.post(municipality="")
        self.assertContains(response, 'role="alert"')
        self.assertContains(response, "The application was not sent")
        self.assertContains(response, 'aria-invalid="true"')

    def test_success_records_the_application_alone_and_redirects_to_thanks(self):
        response = self.post()
        application = Application.objects.get()
        self.assertRedirects(
            response,
            reverse("applications:thanks", args=[response.url.split("/")[-2]]),
            fetch_redirect_response=False,
        )
        thanks = self.client.get(response.url)
        self.assertContains(thanks, application.reference)
        self.assertContains(thanks, application.get_absolute_url())
        self.assertEqual(application.municipality, "Veliko Tarnovo")
        self.assertEqual(application.language, "en")
        # Nothing on the public record until the secretariat accepts it.
        self.assertFalse(City.objects.exists())
        self.assertFalse(MembershipStep.objects.exists())

    def test_application_in_turkish_remembers_the_language(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post("/tr/apply/", form_data())
        application = Application.objects.get()
        self.assertEqual(application.language, "tr")
        self.assertIn(f"/tr/apply/{application.reference}/", mail.outbox[0].body)

    def test_refusal_by_the_service_shown_on_the_form(self):
        self.post()
        mail.outbox.clear()
        response = self.post(municipality="VELIKO TARNOVO", contact_email="x@y.example")
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            "An application for Veliko Tarnovo is already with the secretariat",
            str(response.context["form"].non_field_errors()),
        )
        self.assertEqual(Application.objects.count(), 1)
        self.assertEqual(mail.outbox, [])

    def test_honeypot_filled_answers_like_success_and_records_nothing(self):
        response = self.post(leave_empty="https://spam.example")
        self.assertEqual(response.status_code, 302)
        thanks = self.client.get(response.url)
        self.assertEqual(thanks.status_code, 200)
        self.assertContains(thanks, "Application received")
        self.assertFalse(Application.objects.exists())
        self.assertFalse(City.objects.exists())
        self.assertFalse(RateLimitHit.objects.filter(scope="apply").exists())
        self.assertEqual(mail.outbox, [])

    def test_honeypot_labelled_out_of_the_tab_order_and_away_from_autofill(self):
        response = self.client.get(APPLY)
        html = response.content.decode()
        self.assertContains(
            response, '<label for="id_leave_empty">Leave this field empty'
        )
        (trap,) = re.findall(r'<input type="text" name="leave_empty"[^>]*>', html)
        for attribute in (
            'tabindex="-1"',
            'autocomplete="off"',
            'data-lpignore="true"',
            "data-1p-ignore",
        ):
            self.assertIn(attribute, trap)
        self.assertContains(response, 'class="apply-trap"')
        # No field name or id that autofill fills for an organisation.
        for word in ("website", "url", "homepage", "company"):
            self.assertNotIn(f'name="{word}', html)

    def test_rate_limit_answers_429_and_saves_nothing(self):
        for number in range(3):
            self.assertEqual(self.post(municipality=f"Town {number}").status_code, 302)
        response = self.post(municipality="Town 4")
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "Too many applications", status_code=429)
        self.assertContains(response, "Nothing was saved", status_code=429)
        self.assertGreater(int(response["Retry-After"]), 0)
        self.assertEqual(Application.objects.count(), 3)
        self.assertFalse(Application.objects.filter(municipality="Town 4").exists())
        self.assertEqual(RateLimitHit.objects.filter(scope="apply").count(), 3)

    def test_rate_limit_counts_each_address_apart(self):
        for number in range(3):
            self.post(municipality=f"Town {number}")
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                APPLY, form_data(municipality="Town 4"), REMOTE_ADDR="192.0.2.7"
            )
        self.assertEqual(response.status_code, 302)

    def test_invalid_forms_count_as_attempts_not_as_applications(self):
        for _ in range(5):
            self.post(contact_email="")
        self.assertEqual(self.post().status_code, 302)
        self.assertEqual(RateLimitHit.objects.filter(scope="apply").count(), 1)
        self.assertEqual(RateLimitHit.objects.filter(scope="apply-attempt").count(), 6)

    def test_every_attempt_counted_even_when_the_submission_fails(self):
        self.post()
        self.post(municipality="VELIKO TARNOVO")  # refused by the service
        with (
            mock.patch(
                "applications.services.application_submit",
                side_effect=RuntimeError("disk"),
            ),
            self.assertRaises(RuntimeError),
        ):
            self.post(municipality="Gabrovo")
        self.assertEqual(RateLimitHit.objects.filter(scope="apply-attempt").count(), 3)
        self.assertEqual(RateLimitHit.objects.filter(scope="apply").count(), 1)

    def test_too_many_attempts_answer_429_before_reading_the_form(self):
        for _ in range(30):
            self.assertEqual(self.post(contact_email="").status_code, 200)
        response = self.post()
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "Too many attempts", status_code=429)
        self.assertContains(response, "Nothing was saved", status_code=429)
        self.assertGreater(int(response["Retry-After"]), 0)
        self.assertFalse(response.context["form"].is_bound)
        self.assertFalse(Application.objects.exists())
        with self.captureOnCommitCallbacks(execute=True):
            other = self.client.post(APPLY, form_data(), REMOTE_ADDR="192.0.2.7")
        self.assertEqual(other.status_code, 302)

    def test_odd_input_is_a_form_error_not_a_crash(self):
        response = self.post(municipality="Veliko\x00Tarnovo", leave_empty="\x00")
        self.assertEqual(response.status_code, 200)
        self.assertIn("municipality", response.context["form"].errors)
        self.assertFalse(Application.objects.exists())
        response = self.post(country="BG\x00", council_decision_on="2026-03-15\x00")
        self.assertEqual(
            set(response.context["form"].errors), {"country", "council_decision_on"}
        )

    def test_csrf_still_checked(self):
        client = self.client_class(enforce_csrf_checks=True)
        response = client.post(APPLY, form_data())
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Application.objects.exists())


class ThanksPageTests(TestCase):
    def test_runs_no_query_and_shows_the_reference(self):
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(APPLY, form_data())
        with self.assertNumQueries(0):
            response = self.client.get(response.url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, Application.objects.get().reference)

    def test_forged_address_is_not_found(self):
        url = reverse("applications:thanks", args=["B40-AAAA-BBBB:forged"])
        response = self.client.get(url)
        self.assertEqual(response.status_code, 404)
        self.assertContains(
            response, "This address is not one the registry gave out.", status_code=404
        )


class StatusPageTests(TestCase):
    def test_received(self):
        application = submit()
        with self.assertNumQueries(1):
            response = self.client.get(application.get_absolute_url())
        self.assertContains(response, application.reference)
        self.assertContains(response, "Veliko Tarnovo, Bulgaria")
        self.assertContains(response, "The secretariat is considering the application")
        self.assertContains(response, "Nothing is published yet")
        self.assertContains(response, 'name="robots" content="noindex"')

    def test_candidate_under_review(self):
        application = candidate()
        with self.assertNumQueries(1):
            response = self.client.get(application.get_absolute_url())
        self.assertContains(response, "candidate, under review")
        self.assertContains(response, "is on the public record as a candidate")
        self.assertContains(
            response, reverse("cities:city-detail", args=[application.city.slug])
        )

    def test_shows_no_personal_data(self):
        application = submit(phone="+359 62 619 229", message="Call me")
        response = self.client.get(application.get_absolute_url())
        for private in (
            "Maria Ivanova",
            "maria@",
            "Daniel Panov",
            "619 229",
            "Call me",
        ):
            self.assertNotContains(response, private)

    def test_admitted_with_date_and_event(self):
        today = timezone.localdate()
        event = EventFactory(name="Zagreb Summit", start_on=today, end_on=today)
        application = application_admit(application=submit(), on=today, event=event)
        with self.assertNumQueries(1):
            response = self.client.get(application.get_absolute_url())
        self.assertContains(response, "admitted")
        self.assertContains(response, "Zagreb Summit")
        self.assertContains(
            response, reverse("summits:event-detail", args=[event.slug])
        )
        self.assertContains(
            response, reverse("cities:city-detail", args=[application.city.slug])
        )

    def test_declined_with_reason(self):
        application = application_decline(
            application=submit(), reason="The council decision is not attached."
        )
        with self.assertNumQueries(1):
            response = self.client.get(application.get_absolute_url())
        self.assertContains(response, "Declined")
        self.assertContains(response, "The council decision is not attached.")

    def test_reference_typed_in_lower_case_redirects(self):
        application = submit()
        response = self.client.get(f"/apply/{application.reference.lower()}/")
        self.assertRedirects(response, application.get_absolute_url())

    def test_odd_references_are_404_without_a_query(self):
        for path in (
            "/apply/AB%00C/",
            "/apply/B40-2222-%00333/",
            "/apply/" + "X" * 500 + "/",
            "/apply/B40-0000-1111/",
            "/apply/thanks/AB%00C/",
            "/tr/apply/AB%00C/",
        ):
            with (
                self.subTest(path=path),
                # A request leaves its language active in the thread.
                translation.override("en"),
                self.assertNumQueries(0),
            ):
                response = self.client.get(path)
                self.assertEqual(response.status_code, 404)
                self.assertNotIn(b"\x00", response.content)

    def test_unknown_reference_is_404_with_a_clear_message(self):
        response = self.client.get("/apply/B40-2222-3333/")
        self.assertEqual(response.status_code, 404)
        self.assertContains(
            response, "No application has the reference", status_code=404
        )
        self.assertContains(response, "B40-2222-3333", status_code=404)


class AtomicSubmissionTests(TestCase):
    def test_failure_at_the_last_write_leaves_nothing(self):
        """A failure saving the application takes back its count against the
        limit, and sends no email."""
        with (
            mock.patch.object(Application, "save", side_effect=RuntimeError("disk")),
            self.captureOnCommitCallbacks(execute=True),
            self.assertRaises(RuntimeError),
        ):
            submit(letter=PDF, letter_name="decision.pdf", client="192.0.2.1")
        self.assertFalse(RateLimitHit.objects.exists())
        self.assertFalse(City.objects.exists())
        self.assertFalse(MembershipStep.objects.exists())
        self.assertFalse(Application.objects.exists())
        self.assertEqual(mail.outbox, [])
