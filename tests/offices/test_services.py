import datetime
from decimal import Decimal
from unittest import mock

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import TestCase, override_settings
from django.utils import translation

from cities.models import MAYORALTY, City, CityName, Office, Person
from offices import services
from offices.changes import MayorChange, Record
from offices.models import (
    ChangeRequest,
    ChangeRequestStatus,
    CityContact,
    OfficeAccount,
)
from tests.factories import CityFactory, CityNameFactory, OfficeFactory, UserFactory
from tests.offices.factories import OfficeAccountFactory


def proposal(city, **sections):
    """The record as it stands, with ``sections`` replaced."""
    proposed = Record.of(city).sections()
    proposed["mayor"] = {**proposed["mayor"], "office": None}
    proposed.update(sections)
    return proposed


class ServiceTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city = CityFactory(
            name="Sofia", latitude=Decimal("42.69770"), longitude=Decimal("23.32190")
        )
        cls.account = OfficeAccountFactory(city=cls.city)
        cls.office_user = cls.account.user
        cls.editor = UserFactory(groups=["Secretariat editors"])
        CityNameFactory(city=cls.city, language="bg", name="София")
        cls.mayor = OfficeFactory(
            city=cls.city,
            person__name="Vasil Terziev",
            start_on=datetime.date(2023, 11, 13),
            known_from=datetime.date(2023, 11, 13),
            known_until=datetime.date(2024, 6, 1),
        )

    def submit(self, **sections):
        with self.captureOnCommitCallbacks(execute=True):
            return services.change_request_submit(
                city=self.city,
                user=self.office_user,
                proposed=proposal(self.city, **sections),
            )

    def approve(self, change_request):
        with self.captureOnCommitCallbacks(execute=True):
            return services.change_request_approve(
                change_request=change_request, user=self.editor
            )


class ChangeRequestSubmitTests(ServiceTestCase):
    def test_records_only_the_sections_that_change(self):
        change_request = self.submit(
            coordinates={"latitude": "42.70000", "longitude": "23.32190"}
        )
        self.assertEqual(change_request.status, ChangeRequestStatus.PENDING)
        self.assertEqual(list(change_request.after), ["coordinates"])
        self.assertEqual(
            change_request.before["coordinates"],
            {"latitude": "42.69770", "longitude": "23.32190"},
        )

    def test_identical_proposal_is_refused_and_nothing_saved(self):
        with self.assertRaisesMessage(ValidationError, "identical to the record"):
            self.submit()
        self.assertFalse(ChangeRequest.objects.exists())
        self.assertEqual(mail.outbox, [])

    def test_tells_the_office_and_the_secretariat(self):
        change_request = self.submit(names=[["bg", "София"], ["tr", "Sofya"]])
        recipients = sorted(message.to[0] for message in mail.outbox)
        self.assertEqual(
            recipients, sorted([self.office_user.email, "secretariat@localhost"])
        )
        office_mail = next(m for m in mail.outbox if m.to == [self.office_user.email])
        self.assertIn(f"#{change_request.pk}", office_mail.subject)
        self.assertIn(f"/office/changes/{change_request.pk}/", office_mail.body)


class ChangeRequestApproveTests(ServiceTestCase):
    def test_names_added_and_removed_with_history(self):
        change_request = self.submit(names=[["tr", "Sofya"]])
        self.approve(change_request)
        self.assertEqual(
            sorted(
                CityName.objects.filter(city=self.city).values_list("language", "name")
            ),
            [("tr", "Sofya")],
        )
        added = CityName.history.get(name="Sofya", history_type="+")
        removed = CityName.history.get(name="София", history_type="-")
        for record in (added, removed):
            self.assertEqual(record.history_user, self.editor)
            self.assertEqual(
                record.history_change_reason, f"change request #{change_request.pk}"
            )

    def test_coordinates_with_history(self):
        change_request = self.submit(
            coordinates={"latitude": "42.70000", "longitude": "23.33000"}
        )
        self.approve(change_request)
        self.city.refresh_from_db()
        self.assertEqual(
            (self.city.latitude, self.city.longitude),
            (Decimal("42.70000"), Decimal("23.33000")),
        )
        latest = self.city.history.latest()
        self.assertEqual(latest.history_user, self.editor)
        self.assertEqual(
            latest.history_change_reason, f"change request #{change_request.pk}"
        )

    def test_new_mayor_starts_a_term_and_ends_the_current_one_the_day_before(self):
        change_request = self.submit(
            mayor={"office": None, "name": "Elena Petrova", "start_on": "2025-03-01"}
        )
        self.approve(change_request)
        self.mayor.refresh_from_db()
        self.assertEqual(self.mayor.end_on, datetime.date(2025, 2, 28))
        new = Office.objects.get(city=self.city, person__name="Elena Petrova")
        self.assertEqual(
            (new.role in MAYORALTY, new.start_on, new.end_on),
            (True, datetime.date(2025, 3, 1), None),
        )
        self.assertEqual(
            new.history.latest().history_change_reason,
            f"change request #{change_request.pk}",
        )
        self.assertEqual(self.mayor.history.latest().history_user, self.editor)

    def test_first_mayor_on_record(self):
        self.mayor.delete()
        change_request = self.submit(
            mayor={"office": None, "name": "Elena Petrova", "start_on": "2025-03-01"}
        )
        self.approve(change_request)
        office = Office.objects.get(city=self.city)
        self.assertEqual(
            (office.person.name, office.start_on),
            ("Elena Petrova", datetime.date(2025, 3, 1)),
        )

    def test_same_mayor_with_another_date_corrects_the_term_start(self):
        change_request = self.submit(
            mayor={"office": None, "name": "Vasil Terziev", "start_on": "2023-11-10"}
        )
        self.approve(change_request)
        self.mayor.refresh_from_db()
        self.assertEqual(self.mayor.start_on, datetime.date(2023, 11, 10))
        self.assertEqual(Office.objects.filter(city=self.city).count(), 1)

    def test_contact_created_with_history(self):
        contact = {
            "email": "info@sofia.example",
            "phone": "+359 2 1",
            "postal_address": "Moskovska 33",
            "website": "https://www.sofia.bg/",
            "contact_person": "Maria",
            "contact_person_email": "maria@sofia.example",
        }
        change_request = self.submit(contact=contact)
        self.approve(change_request)
        saved = CityContact.objects.get(city=self.city)
        self.assertEqual(saved.email, "info@sofia.example")
        self.assertEqual(
            saved.history.latest().history_change_reason,
            f"change request #{change_request.pk}",
        )

    def test_approval_marks_it_decided_and_emails_the_office(self):
        change_request = self.submit(coordinates={"latitude": None, "longitude": None})
        mail.outbox.clear()
        self.approve(change_request)
        change_request.refresh_from_db()
        self.assertEqual(change_request.status, ChangeRequestStatus.APPROVED)
        self.assertEqual(change_request.decided_by, self.editor)
        self.assertIsNotNone(change_request.decided_at)
        self.assertEqual([m.to for m in mail.outbox], [[self.office_user.email]])
        self.assertIn("approved", mail.outbox[0].subject)

    def test_stale_request_is_refused_and_changes_nothing(self):
        change_request = self.submit(
            coordinates={"latitude": "42.70000", "longitude": "23.33000"}
        )
        City.objects.filter(pk=self.city.pk).update(latitude=Decimal("42.60000"))
        mail.outbox.clear()
        with self.assertRaisesMessage(ValidationError, "record changed since"):
            self.approve(change_request)
        self.city.refresh_from_db()
        self.assertEqual(self.city.latitude, Decimal("42.60000"))
        change_request.refresh_from_db()
        self.assertEqual(change_request.status, ChangeRequestStatus.PENDING)
        self.assertEqual(mail.outbox, [])

    def test_failed_approval_leaves_nothing_half_saved(self):
        """Names are applied before the mayor; a refused mayor undoes the names."""
        change_request = self.submit(
            names=[["bg", "София"], ["tr", "Sofya"]],
            # Before the present mayor's known start: the term cannot end then.
            mayor={"office": None, "name": "Elena Petrova", "start_on": "2020-01-01"},
        )
        with self.assertRaises(ValidationError):
            self.approve(change_request)
        self.assertFalse(CityName.objects.filter(name="Sofya").exists())
        self.assertFalse(Person.objects.filter(name="Elena Petrova").exists())
        self.mayor.refresh_from_db()
        self.assertIsNone(self.mayor.end_on)
        change_request.refresh_from_db()
        self.assertEqual(change_request.status, ChangeRequestStatus.PENDING)

    def test_a_decided_request_cannot_be_approved_again(self):
        change_request = self.submit(coordinates={"latitude": None, "longitude": None})
        self.approve(change_request)
        with self.assertRaisesMessage(ValidationError, "already been approved"):
            self.approve(change_request)

    def test_history_of_the_request_names_the_editor(self):
        change_request = self.submit(coordinates={"latitude": None, "longitude": None})
        self.approve(change_request)
        self.assertEqual(change_request.history.latest().history_user, self.editor)


class ChangeRequestDeclineTests(ServiceTestCase):
    def test_needs_a_reason(self):
        change_request = self.submit(coordinates={"latitude": None, "longitude": None})
        with self.assertRaisesMessage(ValidationError, "reason"):
            services.change_request_decline(
                change_request=change_request, user=self.editor, reason="  "
            )
        change_request.refresh_from_db()
        self.assertEqual(change_request.status, ChangeRequestStatus.PENDING)

    def test_declined_with_reason_emails_it_and_changes_no_record(self):
        change_request = self.submit(coordinates={"latitude": None, "longitude": None})
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            services.change_request_decline(
                change_request=change_request,
                user=self.editor,
                reason="The coordinates are those of the city hall.",
            )
        change_request.refresh_from_db()
        self.assertEqual(change_request.status, ChangeRequestStatus.DECLINED)
        self.city.refresh_from_db()
        self.assertEqual(self.city.latitude, Decimal("42.69770"))
        self.assertEqual([m.to for m in mail.outbox], [[self.office_user.email]])
        self.assertIn("declined", mail.outbox[0].subject)
        self.assertIn("city hall", mail.outbox[0].body)


class OfficeInviteTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city = CityFactory()
        cls.editor = UserFactory(groups=["Secretariat editors"])

    def test_taken_email_refused_and_nothing_sent(self):
        OfficeAccountFactory(
            user__username="mayor@city.example", user__email="mayor@city.example"
        )
        with (
            self.captureOnCommitCallbacks(execute=True),
            self.assertRaisesMessage(ValidationError, "exists"),
        ):
            services.office_invite(
                email="Mayor@City.example", city=self.city, invited_by=self.editor
            )
        self.assertEqual(mail.outbox, [])

    def test_creates_a_login_without_password_that_is_not_staff(self):
        with self.captureOnCommitCallbacks(execute=True):
            account = services.office_invite(
                email="Mayor@City.example", city=self.city, invited_by=self.editor
            )
        user = account.user
        self.assertEqual(
            (user.username, user.email), ("mayor@city.example", "mayor@city.example")
        )
        self.assertFalse(user.has_usable_password())
        self.assertFalse(user.is_staff or user.is_superuser)
        self.assertEqual(account.invited_by, self.editor)
        self.assertEqual(len(mail.outbox), 1)

    def test_failed_invite_leaves_no_login_and_sends_nothing(self):
        with (
            mock.patch.object(services, "OfficeAccount", side_effect=RuntimeError),
            self.assertRaises(RuntimeError),
            self.captureOnCommitCallbacks(execute=True),
        ):
            services.office_invite(
                email="x@city.example", city=self.city, invited_by=self.editor
            )
        self.assertEqual(mail.outbox, [])
        self.assertFalse(get_user_exists("x@city.example"))


def get_user_exists(username):
    return get_user_model().objects.filter(username=username).exists()


SITE = "https://registry.b40.example"


@override_settings(B40_SITE_URL=SITE)
class EmailLinkTests(ServiceTestCase):
    """Links in emails start with B40_SITE_URL, whoever caused the email."""

    def test_invitation_link(self):
        with self.captureOnCommitCallbacks(execute=True):
            services.office_invite(
                email="new@sofia.example",
                city=self.city,
                invited_by=self.editor,
                language="bg",
            )
        self.assertIn(f"{SITE}/bg/office/welcome/", mail.outbox[0].body)

    def test_request_received_and_decided_links(self):
        change_request = self.submit(coordinates={"latitude": None, "longitude": None})
        self.approve(change_request)
        path = change_request.get_absolute_url()
        bodies = [message.body for message in mail.outbox]
        self.assertEqual(len(bodies), 3)
        for body in bodies:
            self.assertIn(SITE + "/", body)
        self.assertIn(SITE + path, bodies[0] + bodies[1])
        self.assertIn(SITE + path, bodies[2])


class DuplicateRequestTests(ServiceTestCase):
    def test_proposal_identical_to_a_pending_request_is_refused(self):
        first = self.submit(coordinates={"latitude": None, "longitude": None})
        mail.outbox.clear()
        with self.assertRaisesMessage(
            ValidationError, f"already proposed exactly this in request #{first.pk}"
        ):
            self.submit(coordinates={"latitude": None, "longitude": None})
        self.assertEqual(ChangeRequest.objects.count(), 1)
        self.assertEqual(mail.outbox, [])

    def test_same_proposal_again_once_the_first_is_decided(self):
        first = self.submit(coordinates={"latitude": None, "longitude": None})
        services.change_request_decline(
            change_request=first, user=self.editor, reason="Give the centre."
        )
        self.submit(coordinates={"latitude": None, "longitude": None})
        self.assertEqual(ChangeRequest.objects.count(), 2)

    def test_another_proposal_while_one_is_pending(self):
        self.submit(coordinates={"latitude": None, "longitude": None})
        self.submit(coordinates={"latitude": "42.70000", "longitude": "23.32190"})
        self.assertEqual(ChangeRequest.objects.count(), 2)


class MayorSpellingTests(ServiceTestCase):
    def correct(self, name, start_on="2023-11-13"):
        return self.submit(
            mayor={
                "office": None,
                "name": name,
                "start_on": start_on,
                "change": MayorChange.CORRECTION,
            }
        )

    def test_correction_renames_the_same_person_and_keeps_the_terms(self):
        person = self.mayor.person
        change_request = self.correct("Vassil Terziev")
        self.approve(change_request)
        person.refresh_from_db()
        self.mayor.refresh_from_db()
        self.assertEqual(person.name, "Vassil Terziev")
        self.assertEqual(Person.objects.count(), 1)
        self.assertEqual(Office.objects.filter(city=self.city).count(), 1)
        self.assertEqual(
            (self.mayor.person_id, self.mayor.start_on, self.mayor.end_on),
            (person.pk, datetime.date(2023, 11, 13), None),
        )
        latest = person.history.latest()
        self.assertEqual(
            (latest.history_user, latest.history_change_reason),
            (self.editor, change_request.reference),
        )
        self.assertEqual(person.history.earliest().name, "Vasil Terziev")

    def test_new_mayor_still_starts_a_new_term(self):
        change_request = self.submit(
            mayor={
                "office": None,
                "name": "Elena Petrova",
                "start_on": "2025-03-01",
                "change": MayorChange.NEW,
            }
        )
        self.approve(change_request)
        self.assertEqual(Office.objects.filter(city=self.city).count(), 2)
        self.mayor.person.refresh_from_db()
        self.assertEqual(self.mayor.person.name, "Vasil Terziev")


class StoredTextTests(ServiceTestCase):
    def test_new_term_notes_are_english_whoever_approves(self):
        change_request = self.submit(
            mayor={"office": None, "name": "Elena Petrova", "start_on": "2025-03-01"}
        )
        with translation.override("bg"):
            self.approve(change_request)
        office = Office.objects.get(person__name="Elena Petrova")
        self.assertEqual(
            office.notes,
            f"Proposed by the city's office in change request #{change_request.pk}.",
        )


class LocalCityNameTests(ServiceTestCase):
    """Emails name the city in the office's language where the record has it."""

    def test_invitation_in_bulgarian(self):
        with self.captureOnCommitCallbacks(execute=True):
            services.office_invite(
                email="new@sofia.example",
                city=self.city,
                invited_by=self.editor,
                language="bg",
            )
        self.assertIn("София", mail.outbox[0].subject)
        self.assertIn("София", mail.outbox[0].body)
        self.assertNotIn("Sofia", mail.outbox[0].body)

    def test_request_emails_to_the_office_and_to_the_secretariat(self):
        self.account.language = "bg"
        self.account.save()
        self.office_user.refresh_from_db()
        change_request = self.submit(coordinates={"latitude": None, "longitude": None})
        self.approve(change_request)
        office_mail = [m for m in mail.outbox if m.to == [self.office_user.email]]
        secretariat_mail = [m for m in mail.outbox if m.to != [self.office_user.email]]
        self.assertEqual(len(office_mail), 2)
        for message in office_mail:
            self.assertIn("София", message.subject)
        self.assertIn("Sofia", secretariat_mail[0].subject)

    def test_english_name_where_the_record_has_none_in_the_language(self):
        with self.captureOnCommitCallbacks(execute=True):
            services.office_invite(
                email="new@sofia.example",
                city=self.city,
                invited_by=self.editor,
                language="el",
            )
        self.assertIn("Sofia", mail.outbox[0].subject)


class OfficeInviteRaceTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city = CityFactory()
        cls.editor = UserFactory(groups=["Secretariat editors"])

    def test_login_made_meanwhile_is_the_taken_message_not_an_integrity_error(self):
        """Another invitation for the address commits between the check and the
        save: the unique username refuses it, and the office is told why."""
        OfficeAccountFactory(
            user__username="mayor@city.example", user__email="mayor@city.example"
        )
        with (
            # The check does not see the other login: not committed yet.
            mock.patch.object(services, "email_taken", return_value=False),
            self.captureOnCommitCallbacks(execute=True),
            self.assertRaisesMessage(
                ValidationError,
                "An account with the email address mayor@city.example exists.",
            ),
        ):
            services.office_invite(
                email="mayor@city.example", city=self.city, invited_by=self.editor
            )
        self.assertEqual(mail.outbox, [])
        self.assertEqual(OfficeAccount.objects.count(), 1)
