import re

from django.contrib.auth import get_user_model
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from offices import services
from tests.factories import CityFactory, UserFactory
from tests.offices.factories import PASSWORD, OfficeAccountFactory

LOGIN = reverse("offices:login")
DASHBOARD = reverse("offices:dashboard")
NEW_PASSWORD = "a brand new passphrase 2026"


def link_in(message) -> str:
    """The path of the first link to this site in an email."""
    url = re.search(r"https?://[^/\s]+(/\S*)", message.body).group(1)
    return url


class InvitationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city = CityFactory(name="Tuzla")
        cls.editor = UserFactory(groups=["Secretariat editors"])

    def invite(self, email="mayor@tuzla.example", **kwargs):
        with self.captureOnCommitCallbacks(execute=True):
            return services.office_invite(
                email=email, city=self.city, invited_by=self.editor, **kwargs
            )

    def test_invitation_email_then_set_password_then_sign_in(self):
        self.invite()
        (message,) = mail.outbox
        self.assertEqual(message.to, ["mayor@tuzla.example"])
        self.assertIn("Tuzla", message.subject)
        link = link_in(message)
        # The token moves from the address to the session, as Django does.
        form_page = self.client.get(link, follow=True)
        self.assertContains(form_page, "Welcome to the B40 Registry")
        response = self.client.post(
            form_page.request["PATH_INFO"],
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        self.assertRedirects(response, LOGIN, fetch_redirect_response=False)
        response = self.client.post(
            LOGIN, {"username": "mayor@tuzla.example", "password": NEW_PASSWORD}
        )
        self.assertRedirects(response, DASHBOARD)
        self.assertContains(self.client.get(DASHBOARD), "<h1>Tuzla")

    def test_invitation_link_works_once(self):
        self.invite()
        link = link_in(mail.outbox[0])
        page = self.client.get(link, follow=True)
        self.client.post(
            page.request["PATH_INFO"],
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        self.client.logout()
        self.assertContains(
            self.client.get(link, follow=True), "This invitation no longer works"
        )

    def test_invitation_in_the_offices_language(self):
        self.invite(language="tr")
        self.assertIn("/tr/office/welcome/", mail.outbox[0].body)

    def test_resend_sends_a_new_link_until_a_password_is_chosen(self):
        account = self.invite()
        with self.captureOnCommitCallbacks(execute=True):
            services.office_invitation_resend(account=account)
        self.assertEqual(len(mail.outbox), 2)
        account.user.set_password(NEW_PASSWORD)
        account.user.save()
        with self.assertRaisesMessage(Exception, "already chosen a password"):
            services.office_invitation_resend(account=account)

    def test_office_login_cannot_open_the_admin(self):
        account = self.invite()
        account.user.set_password(NEW_PASSWORD)
        account.user.save()
        self.client.post(
            LOGIN, {"username": account.user.email, "password": NEW_PASSWORD}
        )
        response = self.client.get(reverse("admin:index"))
        self.assertRedirects(
            response, f"{reverse('admin:login')}?next={reverse('admin:index')}"
        )

    def test_deactivated_login_cannot_sign_in(self):
        account = OfficeAccountFactory(city=self.city)
        services.office_account_deactivate(account=account)
        response = self.client.post(
            LOGIN, {"username": account.user.username, "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "correct")  # "Please enter a correct ..."
        self.assertFalse(response.wsgi_request.user.is_authenticated)


class PasswordResetTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.account = OfficeAccountFactory()

    def test_reset_email_link_sets_a_new_password(self):
        response = self.client.post(
            reverse("offices:password-reset"), {"email": self.account.user.email}
        )
        self.assertRedirects(response, reverse("offices:password-reset-done"))
        (message,) = mail.outbox
        self.assertEqual(message.to, [self.account.user.email])
        page = self.client.get(link_in(message), follow=True)
        self.assertContains(page, "Choose a new password")
        response = self.client.post(
            page.request["PATH_INFO"],
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        self.assertRedirects(response, reverse("offices:password-reset-complete"))
        response = self.client.post(
            LOGIN, {"username": self.account.user.username, "password": NEW_PASSWORD}
        )
        self.assertRedirects(response, DASHBOARD)

    def test_unknown_address_gets_the_same_page_and_no_email(self):
        response = self.client.post(
            reverse("offices:password-reset"), {"email": "nobody@nowhere.example"}
        )
        self.assertRedirects(response, reverse("offices:password-reset-done"))
        self.assertEqual(mail.outbox, [])

    def test_invited_office_without_a_password_gets_a_link(self):
        """An expired invitation is renewed by asking for a reset."""
        user = self.account.user
        user.set_unusable_password()
        user.save()
        self.client.post(reverse("offices:password-reset"), {"email": user.email})
        self.assertEqual(len(mail.outbox), 1)


class PasswordChangeTests(TestCase):
    def test_office_changes_its_password(self):
        account = OfficeAccountFactory()
        self.client.force_login(account.user)
        response = self.client.post(
            reverse("offices:password-change"),
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        self.assertRedirects(response, DASHBOARD)
        account.user.refresh_from_db()
        self.assertTrue(account.user.check_password(NEW_PASSWORD))

    def test_wrong_old_password_is_shown_on_its_field(self):
        account = OfficeAccountFactory()
        self.client.force_login(account.user)
        response = self.client.post(
            reverse("offices:password-change"),
            {
                "old_password": "wrong",
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        self.assertContains(response, 'id="id_old_password_error"')
        self.assertContains(response, 'aria-describedby="id_old_password_error"')


class LoginTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.account = OfficeAccountFactory()
        cls.username = cls.account.user.username

    def fail(self):
        return self.client.post(LOGIN, {"username": self.username, "password": "wrong"})

    def test_logout_is_a_post(self):
        self.client.force_login(self.account.user)
        response = self.client.post(reverse("offices:logout"))
        self.assertRedirects(
            response, reverse("b40:home"), fetch_redirect_response=False
        )
        self.assertEqual(self.client.get(reverse("offices:logout")).status_code, 405)

    def test_locked_out_after_five_failures_even_with_the_right_password(self):
        for _attempt in range(4):
            self.assertContains(self.fail(), "correct email address", status_code=200)
        response = self.fail()
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "paused for one hour", status_code=429)
        self.assertContains(
            response, reverse("offices:password-reset"), status_code=429
        )
        response = self.client.post(
            LOGIN, {"username": self.username, "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 429)
        self.assertFalse(response.wsgi_request.user.is_authenticated)

    def test_lockout_page_does_not_reveal_whether_the_account_exists(self):
        for _attempt in range(5):
            known = self.fail()
            unknown = self.client.post(
                LOGIN, {"username": "nobody@nowhere.example", "password": "wrong"}
            )
        self.assertEqual((known.status_code, unknown.status_code), (429, 429))
        self.assertNotContains(known, self.username, status_code=429)
        self.assertEqual(
            known.content.decode().replace(known.wsgi_request.META["CSRF_COOKIE"], ""),
            unknown.content.decode().replace(
                unknown.wsgi_request.META["CSRF_COOKIE"], ""
            ),
        )

    def test_success_resets_the_count(self):
        for _attempt in range(4):
            self.fail()
        response = self.client.post(
            LOGIN, {"username": self.username, "password": PASSWORD}
        )
        self.assertRedirects(response, DASHBOARD)
        self.client.logout()
        for _attempt in range(4):
            self.assertEqual(self.fail().status_code, 200)
        response = self.client.post(
            LOGIN, {"username": self.username, "password": PASSWORD}
        )
        self.assertRedirects(response, DASHBOARD)

    def test_login_page_query_count(self):
        self.client.get(LOGIN)
        with self.assertNumQueries(0):
            self.assertEqual(self.client.get(LOGIN).status_code, 200)


def user_exists(username):
    return get_user_model().objects.filter(username=username).exists()
