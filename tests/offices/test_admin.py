from decimal import Decimal
from unittest import mock

from django.contrib.auth import get_user_model
from django.core import mail
from django.test import TestCase, override_settings

from cities.models import City
from offices import services
from offices.changes import Record, contact_section
from offices.models import (
    ChangeRequest,
    ChangeRequestStatus,
    CityContact,
    OfficeAccount,
)
from tests.admin_forms import AdminTestCase, app_admin_url
from tests.factories import CityFactory, OfficeFactory
from tests.offices.factories import CityContactFactory, OfficeAccountFactory


def url(model, action, *args):
    return app_admin_url("offices", model, action, *args)


def submit(city, user, **sections):
    proposed = Record.of(city).sections()
    proposed.update(sections)
    return services.change_request_submit(city=city, user=user, proposed=proposed)


class OfficeAccountAdminTests(AdminTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.city = CityFactory(name="Tuzla")

    def test_editor_invites_an_office(self):
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                url("officeaccount", "add"),
                {
                    "email": "Mayor@Tuzla.example",
                    "city": self.city.pk,
                    "language": "bg",
                },
            )
        account = OfficeAccount.objects.get()
        self.assertRedirects(response, url("officeaccount", "changelist"))
        self.assertEqual(
            (account.user.email, account.city, account.language),
            ("mayor@tuzla.example", self.city, "bg"),
        )
        self.assertEqual(account.invited_by, self.editor)
        self.assertFalse(account.user.is_staff)
        self.assertEqual([m.to for m in mail.outbox], [["mayor@tuzla.example"]])
        self.assertIn("/bg/office/welcome/", mail.outbox[0].body)

    def test_taken_email_is_a_form_error(self):
        OfficeAccountFactory(
            user__username="mayor@tuzla.example", user__email="mayor@tuzla.example"
        )
        response = self.client.post(
            url("officeaccount", "add"),
            {"email": "mayor@tuzla.example", "city": self.city.pk, "language": "en"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(
            response, "An account with the email address mayor@tuzla.example exists."
        )
        self.assertEqual(OfficeAccount.objects.count(), 1)

    def test_resend_and_deactivate_actions(self):
        account = services.office_invite(
            email="a@tuzla.example", city=self.city, invited_by=self.editor
        )
        mail.outbox.clear()
        changelist = url("officeaccount", "changelist")
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(
                changelist,
                {"action": "resend_invitation", "_selected_action": [account.pk]},
            )
        self.assertEqual(len(mail.outbox), 1)
        self.client.post(
            changelist, {"action": "deactivate", "_selected_action": [account.pk]}
        )
        account.user.refresh_from_db()
        self.assertFalse(account.user.is_active)
        latest = account.history.latest()
        self.assertEqual(
            (latest.history_user, latest.history_change_reason),
            (self.editor, "deactivated"),
        )
        response = self.client.post(
            changelist,
            {"action": "resend_invitation", "_selected_action": [account.pk]},
            follow=True,
        )
        self.assertContains(response, "is deactivated")

    def test_editor_changes_the_language_of_emails(self):
        account = OfficeAccountFactory(city=self.city)
        response = self.post_form(
            url("officeaccount", "change", account.pk), language="el"
        )
        self.assertEqual(response.status_code, 302)
        account.refresh_from_db()
        self.assertEqual(account.language, "el")
        self.assertEqual(account.history.latest().history_user, self.editor)

    def test_viewer_cannot_invite(self):
        self.client.force_login(self.viewer)
        response = self.client.post(
            url("officeaccount", "add"),
            {"email": "x@tuzla.example", "city": self.city.pk, "language": "en"},
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(
            get_user_model().objects.filter(username="x@tuzla.example").exists()
        )

    def test_changelist_query_count(self):
        self.assertSameQueriesFor10And100(
            url("officeaccount", "changelist"),
            lambda n: OfficeAccountFactory.create_batch(n, city=self.city),
            10,
        )


class CityContactAdminTests(AdminTestCase):
    def test_editor_edits_contact_with_history(self):
        contact = CityContactFactory()
        response = self.post_form(
            url("citycontact", "change", contact.pk), phone="+387 35 1"
        )
        self.assertEqual(response.status_code, 302)
        contact.refresh_from_db()
        self.assertEqual(contact.phone, "+387 35 1")
        self.assertEqual(contact.history.latest().history_user, self.editor)

    def test_bad_email_is_a_form_error(self):
        contact = CityContactFactory()
        response = self.post_form(
            url("citycontact", "change", contact.pk), email="nope"
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Enter a valid email address.")

    def test_changelist_query_count(self):
        self.assertSameQueriesFor10And100(
            url("citycontact", "changelist"),
            lambda n: CityContactFactory.create_batch(n),
            8,
        )


class ChangeRequestAdminTests(AdminTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.city = CityFactory(
            name="Zenica", latitude=Decimal("44.20000"), longitude=Decimal("17.90000")
        )
        cls.office = OfficeAccountFactory(city=cls.city).user

    def setUp(self):
        super().setUp()
        self.change_request = submit(
            self.city,
            self.office,
            coordinates={"latitude": "44.20280", "longitude": "17.90000"},
        )
        self.change = url("changerequest", "change", self.change_request.pk)
        self.approve = url("changerequest", "approve", self.change_request.pk)
        self.decline = url("changerequest", "decline", self.change_request.pk)

    def test_change_page_shows_before_after_and_buttons_to_editors(self):
        response = self.client.get(self.change)
        self.assertContains(response, "44.20000")
        self.assertContains(response, "44.20280")
        self.assertContains(response, self.approve)
        self.assertContains(response, self.decline)
        self.assertNotContains(response, 'name="_save"')

    def test_viewer_reads_without_buttons_and_cannot_decide(self):
        self.client.force_login(self.viewer)
        response = self.client.get(self.change)
        self.assertContains(response, "44.20280")
        self.assertNotContains(response, self.approve)
        self.assertEqual(self.client.post(self.approve).status_code, 403)
        self.assertEqual(
            self.client.post(self.decline, {"decline_reason": "x"}).status_code, 403
        )
        self.change_request.refresh_from_db()
        self.assertEqual(self.change_request.status, ChangeRequestStatus.PENDING)

    def test_approve_applies_it(self):
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(self.approve, follow=True)
        self.assertContains(response, "the record is updated")
        self.city.refresh_from_db()
        self.assertEqual(self.city.latitude, Decimal("44.20280"))
        self.assertEqual(
            self.city.history.latest().history_change_reason,
            self.change_request.reference,
        )
        self.assertNotContains(response, self.approve)

    def test_stale_approval_is_refused_with_a_message(self):
        City.objects.filter(pk=self.city.pk).update(latitude=Decimal("44.3"))
        response = self.client.post(self.approve, follow=True)
        self.assertContains(
            response, "The record changed since this request was made (Coordinates)"
        )
        self.change_request.refresh_from_db()
        self.assertEqual(self.change_request.status, ChangeRequestStatus.PENDING)

    def test_decline_needs_a_reason(self):
        response = self.client.post(self.decline, {"decline_reason": ""})
        self.assertContains(
            response, "Give the office a reason for declining.", status_code=400
        )
        self.change_request.refresh_from_db()
        self.assertEqual(self.change_request.status, ChangeRequestStatus.PENDING)

    def test_decline_with_reason(self):
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                self.decline, {"decline_reason": "Those are the city hall's."}
            )
        self.assertRedirects(response, self.change)
        self.change_request.refresh_from_db()
        self.assertEqual(self.change_request.status, ChangeRequestStatus.DECLINED)
        self.assertIn("city hall", mail.outbox[-1].body)

    def test_no_add_or_delete(self):
        self.assertEqual(self.client.get(url("changerequest", "add")).status_code, 403)
        self.assertEqual(
            self.client.post(
                url("changerequest", "delete", self.change_request.pk), {"post": "yes"}
            ).status_code,
            403,
        )

    def test_changelist_query_count(self):
        def make(n):
            for index in range(n):
                submit(
                    self.city,
                    self.office,
                    contact={
                        **Record.of(self.city).sections()["contact"],
                        "phone": f"{n}-{index}",
                    },
                )

        ChangeRequest.objects.all().delete()
        self.assertSameQueriesFor10And100(url("changerequest", "changelist"), make, 10)

    def test_history_page(self):
        self.assertEqual(
            self.client.get(
                url("changerequest", "history", self.change_request.pk)
            ).status_code,
            200,
        )


class GroupsTests(TestCase):
    def test_editors_may_add_and_change_viewers_only_view(self):
        from django.contrib.auth.models import Group

        editors = set(
            Group.objects.get(name="Secretariat editors")
            .permissions.filter(content_type__app_label="offices")
            .values_list("codename", flat=True)
        )
        viewers = set(
            Group.objects.get(name="Secretariat viewers")
            .permissions.filter(content_type__app_label="offices")
            .values_list("codename", flat=True)
        )
        self.assertIn("change_changerequest", editors)
        self.assertIn("add_officeaccount", editors)
        self.assertNotIn("delete_changerequest", editors)
        self.assertTrue(
            {"view_officeaccount", "view_citycontact", "view_changerequest"} <= viewers
        )
        self.assertFalse({code for code in viewers if not code.startswith("view_")})
        self.assertEqual(CityContact.objects.count(), 0)


class AdminPagesTests(AdminTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        account = OfficeAccountFactory()
        contact = CityContactFactory(city=account.city)
        change_request = submit(
            account.city,
            account.user,
            contact={**contact_section(contact), "phone": "2"},
        )
        cls.objects = {
            "officeaccount": account,
            "citycontact": contact,
            "changerequest": change_request,
        }

    def test_editor_and_viewer_open_every_list_change_and_history_page(self):
        for user in (self.editor, self.viewer):
            self.client.force_login(user)
            for model, obj in self.objects.items():
                for action, args in (
                    ("changelist", ()),
                    ("change", (obj.pk,)),
                    ("history", (obj.pk,)),
                ):
                    with self.subTest(user=user.username, model=model, page=action):
                        response = self.client.get(url(model, action, *args))
                        self.assertEqual(response.status_code, 200)

    def test_viewer_cannot_change_contact_details(self):
        self.client.force_login(self.viewer)
        contact = self.objects["citycontact"]
        response = self.client.post(url("citycontact", "change", contact.pk), {})
        self.assertEqual(response.status_code, 403)


SITE = "https://registry.b40.example"


@override_settings(B40_SITE_URL=SITE)
class EmailLinkTests(AdminTestCase):
    """Links in emails the secretariat's actions send start with B40_SITE_URL,
    not with the host the admin was reached by."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.city = CityFactory(name="Tuzla", latitude=Decimal("44.53000"))
        cls.office = OfficeAccountFactory(city=cls.city).user

    def test_invitation_and_resend(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(
                url("officeaccount", "add"),
                {
                    "email": "mayor@tuzla.example",
                    "city": self.city.pk,
                    "language": "bg",
                },
            )
        account = OfficeAccount.objects.get(user__email="mayor@tuzla.example")
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(
                url("officeaccount", "changelist"),
                {"action": "resend_invitation", "_selected_action": [account.pk]},
            )
        self.assertEqual(len(mail.outbox), 2)
        for message in mail.outbox:
            self.assertIn(f"{SITE}/bg/office/welcome/", message.body)

    def test_decision(self):
        decisions = (("approve", {}), ("decline", {"decline_reason": "No."}))
        for index, (action, data) in enumerate(decisions):
            with self.subTest(action=action):
                change_request = submit(
                    self.city,
                    self.office,
                    coordinates={"latitude": f"44.5{index}000", "longitude": "18.6"},
                )
                mail.outbox.clear()
                with self.captureOnCommitCallbacks(execute=True):
                    self.client.post(
                        url("changerequest", action, change_request.pk), data
                    )
                self.assertEqual(len(mail.outbox), 1)
                self.assertIn(
                    SITE + change_request.get_absolute_url(), mail.outbox[0].body
                )


class OfficeInviteRaceTests(AdminTestCase):
    def test_login_made_meanwhile_is_a_form_error_not_a_server_error(self):
        """The form's check passes, then another invitation's login is there
        by the save: the form is shown again saying the address is taken."""
        city = CityFactory()
        OfficeAccountFactory(
            user__username="mayor@tuzla.example", user__email="mayor@tuzla.example"
        )
        # The form's check and the service's find nothing; then the login is
        # committed, and the form shown again finds it.
        checks = iter([False, False])
        real = services.email_taken

        def email_taken(email):
            taken = next(checks, None)
            return real(email) if taken is None else taken

        with (
            mock.patch.object(services, "email_taken", side_effect=email_taken),
        ):
            response = self.client.post(
                url("officeaccount", "add"),
                {"email": "mayor@tuzla.example", "city": city.pk, "language": "en"},
            )
        self.assertContains(
            response, "An account with the email address mayor@tuzla.example exists."
        )
        self.assertEqual(OfficeAccount.objects.count(), 1)


class ChangeRequestMayorRowsTests(AdminTestCase):
    def test_spelling_correction_is_labelled_as_such(self):
        office = OfficeFactory(person__name="Vasil Terziev")
        account = OfficeAccountFactory(city=office.city)
        change_request = submit(
            office.city,
            account.user,
            mayor={
                **Record.of(office.city).sections()["mayor"],
                "name": "Vassil Terziev",
                "change": "correction",
            },
        )
        response = self.client.get(url("changerequest", "change", change_request.pk))
        self.assertContains(response, "Mayor: Name, spelling corrected")
        self.assertNotContains(response, "Name of the new mayor")
