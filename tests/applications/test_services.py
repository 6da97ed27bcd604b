import datetime

from django.core import mail
from django.core.exceptions import ValidationError
from django.test import TestCase, override_settings
from django.utils import timezone, translation

from applications import services
from applications.models import Application, ApplicationState
from cities import services as ledger
from cities.models import (
    City,
    Confidence,
    MembershipKind,
    MembershipStatus,
    MembershipStep,
)
from tests.applications.factories import PDF, candidate, submit
from tests.factories import (
    CityFactory,
    CityNameFactory,
    EventFactory,
    MembershipStepFactory,
    OfficeFactory,
    UserFactory,
)

SITE = "https://registry.example"


def status_of(city):
    return City.objects.with_status().get(pk=city.pk).status


def received_days_ago(application, days):
    """Move the application's receipt back ``days`` days."""
    Application.objects.filter(pk=application.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=days)
    )
    application.refresh_from_db()
    return application


class SubmitTests(TestCase):
    def test_records_the_application_alone_nothing_public(self):
        application = submit(municipality="  Gornji   Vakuf ", country="BA")
        self.assertEqual(application.state, ApplicationState.RECEIVED)
        self.assertEqual(application.municipality, "Gornji Vakuf")
        self.assertIsNone(application.city)
        self.assertIsNone(application.candidate_step)
        self.assertFalse(City.objects.exists())
        self.assertFalse(MembershipStep.objects.exists())

    def test_reference_is_random_and_readable(self):
        references = {submit(municipality=f"Town {n}").reference for n in range(5)}
        self.assertEqual(len(references), 5)
        for reference in references:
            self.assertRegex(
                reference, r"^B40-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$"
            )
            self.assertTrue(services.reference_is_wellformed(reference))

    def test_reference_shape(self):
        for odd in ("", "B40-2222-333", "B40-2222-3330", "B40-AB\x00C-2222", "X" * 99):
            with self.subTest(reference=odd):
                self.assertFalse(services.reference_is_wellformed(odd))

    def test_member_city_refused(self):
        member = MembershipStepFactory(city__name="Zenica", city__country="BA").city
        with self.assertRaisesMessage(ValidationError, "already a member"):
            submit(municipality="ZENICA", country="BA")
        self.assertFalse(Application.objects.exists())
        self.assertEqual(MembershipStep.objects.filter(city=member).count(), 1)

    def test_member_found_by_another_of_its_names(self):
        city = MembershipStepFactory(city__name="Sofia", city__country="BG").city
        CityNameFactory(city=city, language="bg", name="София")
        with self.assertRaisesMessage(ValidationError, "Sofia is already a member"):
            submit(municipality="софия", country="BG")

    def test_second_pending_application_refused_whatever_its_case_and_accents(self):
        first = submit()
        with self.assertRaisesMessage(ValidationError, "already with the secretariat"):
            submit(municipality="véliko TARNOVO", contact_email="other@example.org")
        self.assertEqual(list(Application.objects.all()), [first])
        self.assertFalse(City.objects.exists())

    def test_application_pending_under_another_name_of_the_city_refused(self):
        city = CityFactory(name="Sofia", country="BG")
        CityNameFactory(city=city, language="bg", name="София")
        submit(municipality="Sofia")
        with self.assertRaisesMessage(ValidationError, "already with the secretariat"):
            submit(municipality="София")

    def test_candidate_application_refuses_another(self):
        candidate()
        with self.assertRaisesMessage(ValidationError, "already with the secretariat"):
            submit(municipality="Veliko Tarnovo")

    def test_same_name_in_another_country_is_another_application(self):
        submit(municipality="Bitola", country="MK")
        self.assertEqual(submit(municipality="Bitola", country="BG").country, "BG")

    def test_declined_city_may_apply_again(self):
        services.application_decline(
            application=candidate(municipality="Kardzhali"), reason="No decision."
        )
        again = submit(municipality="Kardzhali")
        self.assertEqual(again.state, ApplicationState.RECEIVED)

    def test_future_council_decision_refused(self):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        with self.assertRaises(ValidationError) as refused:
            submit(council_decision_on=tomorrow)
        self.assertIn("council_decision_on", refused.exception.message_dict)
        self.assertFalse(Application.objects.exists())

    def test_letter_checked_by_content_in_the_service_too(self):
        with self.assertRaisesMessage(ValidationError, "not a PDF"):
            submit(letter=b"GIF89a", letter_name="x.pdf")
        self.assertFalse(Application.objects.exists())

    @override_settings(B40_SITE_URL=SITE)
    def test_emails_to_applicant_and_secretariat_after_commit(self):
        CityFactory(name="Veliko Tarnovo", country="BG")
        with self.captureOnCommitCallbacks(execute=True):
            application = submit(letter=PDF, letter_name="decision.pdf")
        to_applicant, to_secretariat = mail.outbox
        self.assertEqual(to_applicant.to, ["maria@veliko-tarnovo.example"])
        self.assertIn(application.reference, to_applicant.subject)
        self.assertIn(f"{SITE}/apply/{application.reference}/", to_applicant.body)
        self.assertIn("Nothing is published yet", to_applicant.body)
        self.assertEqual(to_secretariat.to, ["secretariat@localhost"])
        self.assertIn("Veliko Tarnovo (Bulgaria)", to_secretariat.subject)
        self.assertIn(
            f"{SITE}/admin/applications/application/{application.pk}/change/",
            to_secretariat.body,
        )
        self.assertIn("already on record as Veliko Tarnovo", to_secretariat.body)
        self.assertIn("decision.pdf", to_secretariat.body)

    def test_no_email_when_refused(self):
        submit()
        with (
            self.captureOnCommitCallbacks(execute=True),
            self.assertRaises(ValidationError),
        ):
            submit()
        self.assertEqual(mail.outbox, [])


class AcceptTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory()

    def accept(self, application):
        return services.application_accept(application=application, user=self.editor)

    def test_new_city_recorded_as_a_candidate_on_the_day_received(self):
        application = received_days_ago(
            submit(municipality="Gornji Vakuf", country="BA"), 3
        )
        with self.captureOnCommitCallbacks(execute=True):
            application = self.accept(application)
        city = application.city
        self.assertEqual(application.state, ApplicationState.CANDIDATE)
        self.assertTrue(application.city_created)
        self.assertEqual(application.accepted_by, self.editor)
        self.assertIsNotNone(application.accepted_at)
        self.assertEqual((city.name, city.country.code), ("Gornji Vakuf", "BA"))
        self.assertEqual(city.slug, "gornji-vakuf")
        self.assertEqual(city.confidence, Confidence.UNVERIFIED)
        step = application.candidate_step
        self.assertEqual(
            (step.city, step.kind, step.on, step.confidence),
            (
                city,
                MembershipKind.CANDIDATE,
                timezone.localdate() - datetime.timedelta(days=3),
                "unverified",
            ),
        )
        self.assertEqual(step.notes, f"Application {application.reference}")
        self.assertEqual(status_of(city), MembershipStatus.CANDIDATE)
        (notice,) = mail.outbox
        self.assertIn("accepted as a candidate", notice.subject)

    def test_record_notes_in_english_whatever_the_applicants_language(self):
        with translation.override("tr"):
            application = self.accept(submit(language="tr"))
        self.assertEqual(
            application.city.notes,
            f"Added from application {application.reference} to join; "
            "not yet verified.",
        )

    def test_invited_city_matched_ignoring_case_and_accents_not_duplicated(self):
        city = CityFactory(name="Tuzla", slug="tuzla", country="BA")
        ledger.membership_step_record(
            city=city, kind=MembershipKind.INVITED, on=datetime.date(2022, 4, 25)
        )
        application = self.accept(submit(municipality="TÚZLA", country="BA"))
        self.assertEqual(application.city, city)
        self.assertFalse(application.city_created)
        self.assertEqual(City.objects.count(), 1)
        self.assertEqual(status_of(city), MembershipStatus.CANDIDATE)

    def test_city_matched_by_another_of_its_names(self):
        city = CityFactory(name="Sofia", country="BG")
        CityNameFactory(city=city, language="bg", name="София")
        application = self.accept(submit(municipality="софия", country="BG"))
        self.assertEqual(application.city, city)

    def test_same_name_in_another_country_is_another_city(self):
        CityFactory(name="Bitola", slug="bitola", country="MK")
        application = self.accept(submit(municipality="Bitola", country="BG"))
        self.assertTrue(application.city_created)
        self.assertEqual(application.city.slug, "bitola-bg")

    def test_name_without_latin_letters_gets_a_slug_from_the_reference(self):
        application = self.accept(submit(municipality="Σέρρες", country="GR"))
        self.assertEqual(application.city.slug, f"gr-{application.reference.lower()}")

    def test_city_that_became_a_member_meanwhile_refused_and_nothing_recorded(self):
        application = submit(municipality="Zenica", country="BA")
        MembershipStepFactory(city__name="Zenica", city__country="BA")
        with self.assertRaisesMessage(ValidationError, "already a member"):
            self.accept(application)
        application.refresh_from_db()
        self.assertEqual(application.state, ApplicationState.RECEIVED)
        self.assertEqual(MembershipStep.objects.count(), 1)

    def test_city_already_a_candidate_refused(self):
        city = CityFactory(name="Veliko Tarnovo", country="BG")
        application = submit()
        ledger.membership_step_record(
            city=city, kind=MembershipKind.CANDIDATE, on=datetime.date(2026, 1, 5)
        )
        with self.assertRaisesMessage(ValidationError, "already a candidate"):
            self.accept(application)

    def test_accepted_once_only(self):
        application = self.accept(submit())
        with self.assertRaisesMessage(ValidationError, "already been accepted"):
            self.accept(application)
        self.assertEqual(MembershipStep.objects.count(), 1)


class AdmitTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory()
        cls.today = timezone.localdate()
        cls.summit = EventFactory(
            name="Zagreb Summit", start_on=cls.today, end_on=cls.today
        )

    def test_admit_a_candidate_records_a_join(self):
        application = candidate()
        with self.captureOnCommitCallbacks(execute=True):
            services.application_admit(
                application=application,
                on=self.today,
                event=self.summit,
                user=self.editor,
            )
        application.refresh_from_db()
        self.assertEqual(application.state, ApplicationState.ADMITTED)
        self.assertEqual(application.admitted_at_event, self.summit)
        self.assertEqual(application.decided_by, self.editor)
        join = application.joined_step
        self.assertEqual(
            (join.kind, join.on, join.event, join.founding, join.confidence),
            (MembershipKind.JOINED, self.today, self.summit, False, "probable"),
        )
        self.assertIn(application.city, City.objects.members())
        self.assertEqual(application.city.membership_steps.count(), 2)
        (notice,) = [m for m in mail.outbox if "admitted" in m.subject]
        self.assertIn("Zagreb Summit", notice.body)

    def test_admit_a_received_application_records_the_candidate_step_first(self):
        application = received_days_ago(submit(), 10)
        application = services.application_admit(
            application=application, on=self.today, user=self.editor
        )
        self.assertEqual(application.state, ApplicationState.ADMITTED)
        self.assertTrue(application.city_created)
        self.assertEqual(application.accepted_by, self.editor)
        steps = list(
            application.city.membership_steps.order_by("on").values_list("kind", "on")
        )
        self.assertEqual(
            steps,
            [
                (MembershipKind.CANDIDATE, self.today - datetime.timedelta(days=10)),
                (MembershipKind.JOINED, self.today),
            ],
        )
        self.assertIn(application.city, City.objects.members())

    def test_admit_with_a_source_is_confirmed_by_the_editor(self):
        application = services.application_admit(
            application=candidate(),
            on=self.today,
            source="https://b40network.org/news/",
            user=self.editor,
        )
        join = application.joined_step
        self.assertEqual(join.confidence, Confidence.CONFIRMED)
        self.assertEqual(join.verified_by, self.editor)
        self.assertEqual(join.sources, ["https://b40network.org/news/"])

    def test_admission_dates_refused_and_nothing_recorded(self):
        application = submit()
        cases = [
            (self.today + datetime.timedelta(days=1), None, "on", "future"),
            (self.today - datetime.timedelta(days=1), None, "on", "before"),
            (
                self.today,
                EventFactory(start_on=datetime.date(2022, 4, 25)),
                "event",
                "within the event's dates",
            ),
        ]
        for on, event, field, message in cases:
            with self.subTest(field=field, message=message):
                with self.assertRaises(ValidationError) as refused:
                    services.application_admit(
                        application=application, on=on, event=event
                    )
                self.assertIn(message, " ".join(refused.exception.message_dict[field]))
        application.refresh_from_db()
        self.assertEqual(application.state, ApplicationState.RECEIVED)
        self.assertFalse(City.objects.filter(name="Veliko Tarnovo").exists())
        self.assertFalse(MembershipStep.objects.exists())

    def test_decided_application_cannot_be_decided_again(self):
        application = services.application_admit(application=submit(), on=self.today)
        with self.assertRaisesMessage(ValidationError, "already been admitted"):
            services.application_decline(application=application, reason="No.")
        with self.assertRaisesMessage(ValidationError, "already been admitted"):
            services.application_admit(application=application, on=self.today)
        with self.assertRaisesMessage(ValidationError, "already been admitted"):
            services.application_accept(application=application)


class DeclineTests(TestCase):
    def test_decline_a_received_application_leaves_the_record_untouched(self):
        application = submit()
        with self.captureOnCommitCallbacks(execute=True):
            declined = services.application_decline(
                application=application, reason="  Not a municipality of the region. "
            )
        self.assertEqual(declined.state, ApplicationState.DECLINED)
        self.assertEqual(declined.decline_reason, "Not a municipality of the region.")
        self.assertIsNone(declined.city)
        self.assertFalse(City.objects.exists())
        self.assertFalse(City.history.exists())
        (notice,) = [m for m in mail.outbox if "declined" in m.subject]
        self.assertIn("Not a municipality of the region.", notice.body)

    def test_decline_a_candidate_removes_the_step_and_the_city_it_added(self):
        application = candidate()
        city_id, step_id = application.city_id, application.candidate_step_id
        declined = services.application_decline(
            application=application, reason="Not a municipality of the region."
        )
        self.assertEqual(declined.state, ApplicationState.DECLINED)
        self.assertIsNone(declined.city)
        self.assertFalse(City.objects.filter(pk=city_id).exists())
        self.assertFalse(MembershipStep.objects.filter(pk=step_id).exists())
        # History keeps both.
        self.assertTrue(
            MembershipStep.history.filter(id=step_id, history_type="-").exists()
        )
        self.assertTrue(City.history.filter(id=city_id, history_type="-").exists())

    def test_decline_keeps_a_city_that_was_on_record(self):
        city = CityFactory(name="Tuzla", country="BA")
        ledger.membership_step_record(
            city=city, kind=MembershipKind.INVITED, on=datetime.date(2022, 4, 25)
        )
        application = services.application_decline(
            application=candidate(municipality="Tuzla", country="BA"), reason="Later."
        )
        self.assertEqual(application.city, city)
        self.assertEqual(status_of(city), MembershipStatus.INVITED)

    def test_decline_keeps_an_added_city_that_gained_other_records(self):
        application = candidate()
        OfficeFactory(city=application.city)
        declined = services.application_decline(application=application, reason="No.")
        self.assertTrue(City.objects.filter(pk=application.city_id).exists())
        self.assertEqual(declined.city_id, application.city_id)
        self.assertEqual(status_of(declined.city), MembershipStatus.NONE)

    def test_decline_keeps_an_added_city_given_another_name_since(self):
        """A name would go with the city (CASCADE): it counts as a record too."""
        application = candidate()
        CityNameFactory(city=application.city, language="bg", name="Велико Търново")
        services.application_decline(application=application, reason="No.")
        self.assertTrue(City.objects.filter(pk=application.city_id).exists())

    def test_reason_required(self):
        application = candidate()
        with self.assertRaises(ValidationError) as refused:
            services.application_decline(application=application, reason="  ")
        self.assertIn("reason", refused.exception.message_dict)
        application.refresh_from_db()
        self.assertEqual(application.state, ApplicationState.CANDIDATE)
        self.assertTrue(MembershipStep.objects.exists())


class EmailLinkTests(TestCase):
    @override_settings(B40_SITE_URL="https://b40.example.org")
    def test_links_use_the_sites_address_in_the_applicants_language(self):
        with self.captureOnCommitCallbacks(execute=True):
            application = candidate(language="tr")
        to_applicant = [m for m in mail.outbox if m.to == [application.contact_email]]
        self.assertEqual(len(to_applicant), 2)  # received, accepted
        for message in to_applicant:
            self.assertIn(
                f"https://b40.example.org/tr/apply/{application.reference}/",
                message.body,
            )
