import datetime

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, ApplicationState
from applications.services import application_accept
from cities.models import City, MembershipKind, MembershipStep
from tests.admin_forms import AdminTestCase
from tests.applications.factories import PDF, ApplicationFactory, submit
from tests.factories import EventFactory


def url(action, application):
    return reverse(f"admin:applications_application_{action}", args=[application.pk])


CHANGELIST = reverse("admin:applications_application_changelist")


class ApplicationAdminTests(AdminTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.today = timezone.localdate()
        cls.summit = EventFactory(
            name="Zagreb Summit", start_on=cls.today, end_on=cls.today
        )

    def setUp(self):
        super().setUp()
        self.application = submit(letter=PDF, letter_name="decision.pdf")

    def test_changelist_lists_and_searches(self):
        response = self.client.get(CHANGELIST)
        self.assertContains(response, self.application.reference)
        self.assertContains(response, "Veliko Tarnovo")
        response = self.client.get(CHANGELIST + "?q=VELIKO+tárnovo")
        self.assertEqual(list(response.context["cl"].result_list), [self.application])
        response = self.client.get(CHANGELIST + "?state__exact=candidate")
        self.assertEqual(list(response.context["cl"].result_list), [])
        response = self.client.get(CHANGELIST + "?state__exact=received")
        self.assertEqual(list(response.context["cl"].result_list), [self.application])
        self.assertContains(response, "candidate, under review")  # the filter

    def test_odd_input_is_never_a_server_error(self):
        """A NUL reaches PostgreSQL, which refuses it: each page answers
        before it does."""
        pk = self.application.pk
        for path, status in (
            (CHANGELIST + "?q=%25", 200),
            (CHANGELIST + "?q=%00", 302),
            (CHANGELIST + "?state__exact=%00", 302),
            (CHANGELIST + "?country=%00", 302),
            (CHANGELIST + "?%00=1", 302),
            ("/admin/applications/application/AB%00/accept/", 404),
            ("/admin/applications/application/AB%00/letter/", 404),
            ("/admin/applications/application/AB%00/history/", 404),
            (f"/admin/applications/application/{pk}/history/%00/", 404),
        ):
            with self.subTest(path=path):
                response = self.client.get(path)
                self.assertEqual(response.status_code, status)
                if status == 302:
                    self.assertTrue(response.url.endswith("?e=1"))
        response = self.client.post(
            url("decline", self.application), {"reason": "\x00"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("reason", response.context["form"].errors)

    def test_change_page_shows_everything_and_the_decisions_to_an_editor(self):
        response = self.client.get(url("change", self.application))
        for shown in (
            "Maria Ivanova",
            "maria@veliko-tarnovo.example",
            "Daniel Panov",
            "decision.pdf",
            url("letter", self.application),
            url("accept", self.application),
            url("admit", self.application),
            url("decline", self.application),
        ):
            self.assertContains(response, shown)
        self.assertNotContains(response, 'name="_save"')

    def test_candidate_offers_admit_and_decline_only(self):
        application_accept(application=self.application)
        response = self.client.get(url("change", self.application))
        self.assertNotContains(response, url("accept", self.application))
        self.assertContains(response, url("admit", self.application))
        self.assertContains(response, url("decline", self.application))
        response = self.client.get(url("accept", self.application))
        self.assertContains(
            response, "This application has already been accepted as a candidate."
        )
        self.assertNotContains(response, 'class="default"')

    def test_change_and_decision_pages_query_counts(self):
        self.client.get(url("change", self.application))  # warm the caches
        for action, expected in (
            ("change", 5),
            ("accept", 5),
            ("admit", 6),
            ("decline", 5),
        ):
            with self.subTest(page=action), self.assertNumQueries(expected):
                self.assertEqual(
                    self.client.get(url(action, self.application)).status_code, 200
                )

    def test_viewer_reads_without_the_decisions(self):
        self.client.force_login(self.viewer)
        response = self.client.get(url("change", self.application))
        self.assertContains(response, "Maria Ivanova")
        self.assertNotContains(response, url("accept", self.application))
        self.assertNotContains(response, url("admit", self.application))
        self.assertNotContains(response, url("decline", self.application))

    def test_nobody_adds_deletes_or_edits_by_hand(self):
        add = reverse("admin:applications_application_add")
        self.assertEqual(self.client.get(add).status_code, 403)
        self.assertEqual(
            self.client.post(url("change", self.application), {}).status_code, 403
        )
        self.assertEqual(
            self.client.post(
                url("delete", self.application), {"post": "yes"}
            ).status_code,
            403,
        )
        version = self.application.history.latest()
        revert = reverse(
            "admin:applications_application_simple_history",
            args=[self.application.pk, version.history_id],
        )
        self.assertEqual(self.client.post(revert, {}).status_code, 403)

    def test_letter_downloaded_as_a_pdf_attachment(self):
        for user in (self.editor, self.viewer):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                response = self.client.get(url("letter", self.application))
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["Content-Type"], "application/pdf")
                self.assertEqual(
                    response["Content-Disposition"],
                    'attachment; filename="decision.pdf"',
                )
                self.assertEqual(response.content, PDF)

    def test_no_letter_is_404(self):
        without = submit(municipality="Gabrovo")
        self.assertEqual(self.client.get(url("letter", without)).status_code, 404)

    def test_anonymous_sent_to_login_everywhere(self):
        self.client.logout()
        for action in ("accept", "admit", "decline", "letter", "change"):
            with self.subTest(action=action):
                response = self.client.get(url(action, self.application))
                self.assertEqual(response.status_code, 302)
                self.assertIn(reverse("admin:login"), response.url)
        for action in ("accept", "admit"):
            response = self.client.post(
                url(action, self.application), {"on": self.today}
            )
            self.assertEqual(response.status_code, 302)
        self.assertEqual(self.state(), ApplicationState.RECEIVED)
        self.assertFalse(City.objects.filter(name="Veliko Tarnovo").exists())

    def test_viewer_cannot_admit_or_decline(self):
        self.client.force_login(self.viewer)
        for action, data in (
            ("accept", {}),
            ("admit", {"on": self.today.isoformat()}),
            ("decline", {"reason": "No."}),
        ):
            with self.subTest(action=action):
                self.assertEqual(
                    self.client.get(url(action, self.application)).status_code, 403
                )
                self.assertEqual(
                    self.client.post(url(action, self.application), data).status_code,
                    403,
                )
        self.assertEqual(self.state(), ApplicationState.RECEIVED)
        self.assertFalse(City.objects.filter(name="Veliko Tarnovo").exists())

    def state(self):
        return Application.objects.values_list("state", flat=True).get(
            pk=self.application.pk
        )

    def test_editor_accepts_as_a_candidate_dated_the_day_received(self):
        received = self.today - datetime.timedelta(days=4)
        Application.objects.filter(pk=self.application.pk).update(
            submitted_at=self.application.submitted_at - datetime.timedelta(days=4)
        )
        response = self.client.get(url("accept", self.application))
        self.assertContains(response, "Accept Veliko Tarnovo as a candidate")
        self.assertContains(response, "the day the application was received")
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(url("accept", self.application), {})
        self.assertRedirects(response, url("change", self.application))
        self.assertEqual(self.state(), ApplicationState.CANDIDATE)
        city = City.objects.get(name="Veliko Tarnovo")
        step = MembershipStep.objects.get()
        self.assertEqual((step.city, step.kind, step.on), (city, "candidate", received))
        self.assertIn(self.application.reference, step.notes)
        application = Application.objects.get(pk=self.application.pk)
        self.assertEqual(application.accepted_by, self.editor)
        self.assertTrue(any("candidate" in m.subject for m in mail.outbox))

    def test_editor_admits_at_an_event(self):
        self.assertEqual(
            self.client.get(url("admit", self.application)).status_code, 200
        )
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                url("admit", self.application),
                {"on": self.today.isoformat(), "event": self.summit.pk},
            )
        self.assertRedirects(response, url("change", self.application))
        self.assertEqual(self.state(), ApplicationState.ADMITTED)
        city = City.objects.members().get()
        self.assertEqual(city.name, "Veliko Tarnovo")
        self.assertEqual(
            city.membership_steps.get(kind=MembershipKind.CANDIDATE).on,
            timezone.localtime(self.application.submitted_at).date(),
        )
        join = city.membership_steps.get(kind=MembershipKind.JOINED)
        self.assertEqual(join.event, self.summit)
        self.assertTrue(any("admitted" in m.subject for m in mail.outbox))
        response = self.client.get(url("change", self.application))
        self.assertNotContains(response, url("admit", self.application))

    def test_admit_refusal_shown_on_the_form(self):
        tomorrow = self.today.replace(year=self.today.year + 1)
        response = self.client.post(
            url("admit", self.application), {"on": tomorrow.isoformat()}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            "The date of admission cannot be in the future.",
            response.context["form"].errors["on"],
        )
        self.assertContains(response, 'id="id_on_error"')
        self.assertEqual(self.state(), ApplicationState.RECEIVED)

    def test_editor_declines_with_a_reason(self):
        response = self.client.post(url("decline", self.application), {"reason": ""})
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            "Give the reason; the applicant will read it.",
            response.context["form"].errors["reason"],
        )
        self.assertEqual(self.state(), ApplicationState.RECEIVED)
        response = self.client.post(
            url("decline", self.application), {"reason": "Outside the region."}
        )
        self.assertRedirects(response, url("change", self.application))
        self.assertEqual(self.state(), ApplicationState.DECLINED)
        self.assertFalse(City.objects.filter(name="Veliko Tarnovo").exists())

    def test_editor_declines_a_candidate_and_its_traces_go(self):
        application_accept(application=self.application)
        response = self.client.post(
            url("decline", self.application), {"reason": "Outside the region."}
        )
        self.assertRedirects(response, url("change", self.application))
        self.assertEqual(self.state(), ApplicationState.DECLINED)
        self.assertFalse(City.objects.filter(name="Veliko Tarnovo").exists())
        self.assertFalse(MembershipStep.objects.exists())

    def test_decided_application_offers_no_second_decision(self):
        self.client.post(url("decline", self.application), {"reason": "No."})
        for action in ("accept", "admit", "decline"):
            with self.subTest(action=action):
                response = self.client.get(url(action, self.application))
                self.assertContains(
                    response, "This application has already been declined."
                )
                self.assertNotContains(response, 'class="default"')


class ApplicationChangelistQueryTests(AdminTestCase):
    def test_same_queries_for_10_and_100(self):
        self.assertSameQueriesFor10And100(
            CHANGELIST, ApplicationFactory.create_batch, 10
        )

    def test_search_same_queries_for_10_and_100(self):
        self.assertSameQueriesFor10And100(
            CHANGELIST + "?q=city", ApplicationFactory.create_batch, 10
        )
