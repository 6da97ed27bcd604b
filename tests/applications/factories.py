"""Applications made the way the public form makes them, through the service."""

import datetime

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from applications import services
from applications.models import Application

PDF = (
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)


def pdf_upload(content: bytes = PDF, name: str = "decision.pdf", **kwargs):
    return SimpleUploadedFile(
        name, content, content_type=kwargs.get("content_type", "application/pdf")
    )


def form_data(**changes):
    """What a person fills in on /apply/, with ``changes``."""
    data = {
        "municipality": "Veliko Tarnovo",
        "country": "BG",
        "mayor_name": "Daniel Panov",
        "contact_name": "Maria Ivanova",
        "contact_email": "maria@veliko-tarnovo.example",
        "phone": "+359 62 619 229",
        "council_decision_on": "2026-03-15",
        "message": "",
        "leave_empty": "",
    }
    data.update(changes)
    return data


def submit(**changes):
    """An application received through the service, as the form would send it."""
    arguments = {
        "municipality": "Veliko Tarnovo",
        "country": "BG",
        "mayor_name": "Daniel Panov",
        "contact_name": "Maria Ivanova",
        "contact_email": "maria@veliko-tarnovo.example",
        "council_decision_on": datetime.date(2026, 3, 15),
    }
    arguments.update(changes)
    return services.application_submit(**arguments)


def candidate(**changes):
    """An application received and accepted as a candidate."""
    return services.application_accept(application=submit(**changes))


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A received application written directly, for lists."""

    class Meta:
        model = Application

    reference = factory.Sequence(lambda n: f"B40-TEST-{n:04d}")
    municipality = factory.Sequence(lambda n: f"City {n}")
    country = "BG"
    mayor_name = "Mayor"
    contact_name = "Contact"
    contact_email = "contact@example.org"
    council_decision_on = datetime.date(2026, 3, 15)
