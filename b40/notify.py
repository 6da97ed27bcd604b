"""Email notices, each rendered from a subject and a body template."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)


def notify(recipients, template: str, context: dict, *, language: str = "en") -> None:
    """Send templates/<template>_subject.txt and _body.txt to the recipients.

    Sent after the transaction that caused it commits (callers wrap it in
    transaction.on_commit), so nobody is told of a change that was rolled back.
    By then the change is saved: a mail server that fails is logged, never
    turned into an error page for a request whose work is done (the visitor
    would retry and duplicate it), and never stops the next notice.
    """
    recipients = [address for address in recipients if address]
    if not recipients:
        return
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context)
        body = render_to_string(f"{template}_body.txt", context)
    try:
        send_mail(
            " ".join(subject.split()),
            body,
            settings.DEFAULT_FROM_EMAIL,
            recipients,
        )
    except Exception:
        logger.exception("Could not send %s to %s", template, ", ".join(recipients))


def public_url(path: str) -> str:
    """The address of ``path`` on the public site.

    Addresses that are emailed, printed, shared or scanned are built from
    B40_SITE_URL, never from the request: a forged Host header must not put its
    own links in the registry's emails, and a PDF downloaded through an internal
    host name must still point where anyone can open it.
    """
    return settings.B40_SITE_URL + path


def secretariat() -> list[str]:
    return [settings.B40_SECRETARIAT_EMAIL]
