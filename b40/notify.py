"""Email notices, each rendered from a subject and a body template."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation


def notify(recipients, template: str, context: dict, *, language: str = "en") -> None:
    """Send templates/<template>_subject.txt and _body.txt to the recipients.

    Sent after the transaction that caused it commits (callers wrap it in
    transaction.on_commit), so nobody is told of a change that was rolled back.
    """
    recipients = [address for address in recipients if address]
    if not recipients:
        return
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context)
        body = render_to_string(f"{template}_body.txt", context)
    send_mail(
        " ".join(subject.split()),
        body,
        settings.DEFAULT_FROM_EMAIL,
        recipients,
    )


def secretariat() -> list[str]:
    return [settings.B40_SECRETARIAT_EMAIL]
