"""Who may do what: every page and action of the mayors' offices, the status
check, the certificates and the applications, for each kind of visitor.

The matrix is the contract: anonymous visitors, the office of city A, the
office of city B, a secretariat viewer and a secretariat editor. Each cell
runs inside a savepoint that is rolled back, so every cell starts from the
same records and a successful write in one cell cannot hide a refusal in
another. A cell that expects success also checks the write took effect.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from b40.groups import EDITORS, VIEWERS
from certificates import services as certificate_services
from certificates.models import Certificate
from offices.changes import Record
from offices.models import ChangeRequest, ChangeRequestStatus
from offices.services import change_request_submit
from tests.admin_forms import _field_values
from tests.applications.factories import PDF
from tests.applications.factories import submit as application_submit
from tests.factories import CityFactory, MembershipStepFactory, UserFactory
from tests.offices.factories import CityContactFactory, OfficeAccountFactory

ROLES = ("anonymous", "office_a", "office_b", "viewer", "editor")

# What a cell expects.
OK = 200
DONE = "done"  # a write that redirects (302) and took effect
LOGIN = "login"  # sent to the office login page
ADMIN_LOGIN = "admin login"  # sent to the admin's login page
FORBIDDEN = 403
NOT_FOUND = 404


@dataclass
class Action:
    name: str
    method: str
    url: Any  # a callable of the test case, giving the address
    expect: dict[str, Any]
    data: Any = None  # a callable of (test case, client), giving POST data
    took_effect: Any = None  # a callable of (test case, response) after DONE
    files: dict = field(default_factory=dict)


def everyone(outcome):
    return dict.fromkeys(ROLES, outcome)


def secretariat_only(viewer, editor):
    """Admin pages: anyone not staff is sent to the admin's login."""
    return {
        "anonymous": ADMIN_LOGIN,
        "office_a": ADMIN_LOGIN,
        "office_b": ADMIN_LOGIN,
        "viewer": viewer,
        "editor": editor,
    }


def proposal_data(case, client):
    """The correction form as the office sees it, with new coordinates."""
    response = client.get(reverse("offices:change-request-create"))
    if response.status_code != 200:
        return {"latitude": "41.1", "longitude": "29.1"}
    form = response.context["form"]
    data = _field_values(form)
    data.update(_field_values(form.names.management_form))
    for name_form in form.names.forms:
        data.update(_field_values(name_form))
    data.update(latitude="41.10000", longitude="29.10000")
    return data


def admin(model, action, *args):
    return reverse(f"admin:{model}_{action}", args=args)


ACTIONS = [
    # The public status check and verification: open to all.
    Action("status search", "GET", lambda c: reverse("certificates:status-search"),
           everyone(OK)),
    Action("status page", "GET",
           lambda c: reverse("certificates:status", args=[c.city_a.slug]),
           everyone(OK)),
    Action("status JSON", "GET",
           lambda c: reverse("certificates:status-json", args=[c.city_a.slug]),
           everyone(OK)),
    Action("status QR", "GET",
           lambda c: reverse("certificates:status-qr", args=[c.city_a.slug]),
           everyone(OK)),
    Action("verify a certificate", "GET",
           lambda c: c.certificate.get_absolute_url(), everyone(OK)),
    Action("application form", "GET", lambda c: reverse("applications:apply"),
           everyone(OK)),
    Action("follow an application", "GET",
           lambda c: reverse("applications:status", args=[c.application.reference]),
           everyone(OK)),
    # The office portal: an office sees its own city only; staff are no office.
    Action("office dashboard", "GET", lambda c: reverse("offices:dashboard"),
           {"anonymous": LOGIN, "office_a": OK, "office_b": OK,
            "viewer": FORBIDDEN, "editor": FORBIDDEN}),
    Action("correction form", "GET", lambda c: reverse("offices:change-request-create"),
           {"anonymous": LOGIN, "office_a": OK, "office_b": OK,
            "viewer": FORBIDDEN, "editor": FORBIDDEN}),
    Action("propose a correction", "POST",
           lambda c: reverse("offices:change-request-create"),
           {"anonymous": LOGIN, "office_a": DONE, "office_b": DONE,
            "viewer": FORBIDDEN, "editor": FORBIDDEN},
           data=proposal_data,
           took_effect=lambda c, r: c.assertTrue(
               ChangeRequest.objects.filter(
                   city=c.acting_city, submitted_by=c.acting_user,
                   status=ChangeRequestStatus.PENDING,
               ).exclude(pk=c.change_request.pk).exists()
           )),
    Action("city A's change request", "GET",
           lambda c: c.change_request.get_absolute_url(),
           {"anonymous": LOGIN, "office_a": OK, "office_b": NOT_FOUND,
            "viewer": FORBIDDEN, "editor": FORBIDDEN}),
    Action("change own password", "GET", lambda c: reverse("offices:password-change"),
           {"anonymous": LOGIN, "office_a": OK, "office_b": OK,
            "viewer": FORBIDDEN, "editor": FORBIDDEN}),
    # Certificates: issued by the city's office or an editor; the PDF is for
    # the city's office and the secretariat.
    Action("issue city A's certificate", "POST",
           lambda c: reverse("certificates:issue", args=[c.city_a.slug]),
           {"anonymous": FORBIDDEN, "office_a": DONE, "office_b": FORBIDDEN,
            "viewer": FORBIDDEN, "editor": DONE},
           # Issuing twice on a day with nothing changed gives the same one.
           took_effect=lambda c, r: c.assertEqual(
               r["Location"], reverse("certificates:pdf", args=[c.certificate.serial])
           )),
    Action("city A's certificate PDF", "GET",
           lambda c: reverse("certificates:pdf", args=[c.certificate.serial]),
           {"anonymous": LOGIN, "office_a": OK, "office_b": FORBIDDEN,
            "viewer": OK, "editor": OK}),
    Action("certificates in the admin", "GET",
           lambda c: admin("certificates_certificate", "changelist"),
           secretariat_only(OK, OK)),
    Action("revoke form", "GET",
           lambda c: admin("certificates_certificate", "revoke", c.certificate.pk),
           secretariat_only(FORBIDDEN, OK)),
    Action("revoke a certificate", "POST",
           lambda c: admin("certificates_certificate", "revoke", c.certificate.pk),
           secretariat_only(FORBIDDEN, DONE),
           data=lambda c, client: {"reason": "Issued in error."},
           took_effect=lambda c, r: c.assertIsNotNone(
               Certificate.objects.get(pk=c.certificate.pk).revoked_at
           )),
    # Office accounts and private contact details: the secretariat's.
    Action("office accounts", "GET",
           lambda c: admin("offices_officeaccount", "changelist"),
           secretariat_only(OK, OK)),
    Action("invite an office", "GET", lambda c: admin("offices_officeaccount", "add"),
           secretariat_only(FORBIDDEN, OK)),
    Action("city A's contact details", "GET",
           lambda c: admin("offices_citycontact", "change", c.contact_a.pk),
           secretariat_only(OK, OK)),
    # Change requests: editors decide, viewers read.
    Action("change request in the admin", "GET",
           lambda c: admin("offices_changerequest", "change", c.change_request.pk),
           secretariat_only(OK, OK)),
    Action("approve a change request", "POST",
           lambda c: admin("offices_changerequest", "approve", c.change_request.pk),
           secretariat_only(FORBIDDEN, DONE),
           took_effect=lambda c, r: c.assertEqual(
               ChangeRequest.objects.get(pk=c.change_request.pk).status,
               ChangeRequestStatus.APPROVED,
           )),
    Action("decline a change request", "POST",
           lambda c: admin("offices_changerequest", "decline", c.change_request.pk),
           secretariat_only(FORBIDDEN, DONE),
           data=lambda c, client: {"decline_reason": "The source does not say so."},
           took_effect=lambda c, r: c.assertEqual(
               ChangeRequest.objects.get(pk=c.change_request.pk).status,
               ChangeRequestStatus.DECLINED,
           )),
    # Applications: editors accept as a candidate, admit or decline; viewers
    # read and download.
    Action("application in the admin", "GET",
           lambda c: admin("applications_application", "change", c.application.pk),
           secretariat_only(OK, OK)),
    Action("application letter", "GET",
           lambda c: admin("applications_application", "letter", c.application.pk),
           secretariat_only(OK, OK)),
    Action("accept an application as a candidate", "POST",
           lambda c: admin("applications_application", "accept", c.application.pk),
           secretariat_only(FORBIDDEN, DONE),
           data=lambda c, client: {},
           took_effect=lambda c, r: c.assertEqual(
               Application.objects.get(pk=c.application.pk).state, "candidate"
           )),
    Action("admit an application", "POST",
           lambda c: admin("applications_application", "admit", c.application.pk),
           secretariat_only(FORBIDDEN, DONE),
           data=lambda c, client: {"on": timezone.localdate().isoformat()},
           took_effect=lambda c, r: c.assertEqual(
               Application.objects.get(pk=c.application.pk).state, "admitted"
           )),
    Action("decline an application", "POST",
           lambda c: admin("applications_application", "decline", c.application.pk),
           secretariat_only(FORBIDDEN, DONE),
           data=lambda c, client: {"reason": "Outside the region."},
           took_effect=lambda c, r: c.assertEqual(
               Application.objects.get(pk=c.application.pk).state, "declined"
           )),
]  # fmt: skip


@override_settings(
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
)
class PermissionsMatrixTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city_a = CityFactory(
            name="Tuzla", latitude=Decimal("44.53842"), longitude=Decimal("18.66709")
        )
        cls.city_b = CityFactory(name="Ohrid")
        for city in (cls.city_a, cls.city_b):
            MembershipStepFactory(city=city)
        cls.office_a = OfficeAccountFactory(city=cls.city_a).user
        cls.office_b = OfficeAccountFactory(city=cls.city_b).user
        cls.viewer = UserFactory(groups=[VIEWERS])
        cls.editor = UserFactory(groups=[EDITORS])
        cls.contact_a = CityContactFactory(city=cls.city_a)
        proposed = Record.of(cls.city_a).sections()
        proposed["coordinates"] = {"latitude": "44.5", "longitude": "18.7"}
        cls.change_request = change_request_submit(
            city=cls.city_a, user=cls.office_a, proposed=proposed
        )
        cls.certificate = certificate_services.certificate_issue(
            city=cls.city_a, user=cls.editor
        )
        cls.application = application_submit(
            municipality="Veliko Tarnovo", letter=PDF, letter_name="decision.pdf"
        )

    def user(self, role):
        return getattr(self, role, None) if role != "anonymous" else None

    def outcome(self, response):
        if response.status_code == 302:
            location = urlsplit(response["Location"]).path
            if location == reverse("offices:login"):
                return LOGIN
            if location == reverse("admin:login"):
                return ADMIN_LOGIN
            return DONE
        return response.status_code

    def test_matrix(self):
        for action in ACTIONS:
            for role in ROLES:
                with self.subTest(action=action.name, role=role):
                    self.check_cell(action, role)

    def check_cell(self, action, role):
        expected = action.expect[role]
        self.client.logout()
        user = self.user(role)
        if user is not None:
            self.client.force_login(user)
        self.acting_user = user
        self.acting_city = {"office_a": self.city_a, "office_b": self.city_b}.get(role)
        with transaction.atomic():
            url = action.url(self)
            if action.method == "GET":
                response = self.client.get(url)
            else:
                data = action.data(self, self.client) if action.data else {}
                response = self.client.post(url, data)
            self.assertEqual(self.outcome(response), expected, url)
            if expected == DONE and action.took_effect:
                action.took_effect(self, response)
            transaction.set_rollback(True)

    def test_matrix_covers_every_role(self):
        for action in ACTIONS:
            self.assertEqual(set(action.expect), set(ROLES), action.name)
