from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import SimpleTestCase, override_settings

from b40.notify import notify


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP server refused the connection")


class NotifyTests(SimpleTestCase):
    context = {"reference": "B40-TEST-0001", "link": "https://registry.example/"}

    def test_sends_the_rendered_notice(self):
        notify(
            ["applicant@example.org", ""],
            "applications/email/received",
            {
                **self.context,
                "application": None,
                "municipality": "Gabrovo",
            },
        )
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["applicant@example.org"])
        self.assertNotIn("\n", mail.outbox[0].subject)

    @override_settings(EMAIL_BACKEND="tests.test_notify.RefusingBackend")
    def test_a_failing_mail_server_is_logged_not_raised(self):
        """The change that caused the notice is already saved: an error page
        would make the visitor retry it."""
        with self.assertLogs("b40.notify", "ERROR") as logs:
            notify(
                ["applicant@example.org"],
                "applications/email/received",
                {
                    **self.context,
                    "application": None,
                    "municipality": "Gabrovo",
                },
            )
        self.assertIn("applicant@example.org", logs.output[0])
