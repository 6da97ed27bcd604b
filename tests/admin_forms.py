"""Posting admin forms in tests the way a browser would."""

from pathlib import Path

from django.apps import apps
from django.forms import BaseFormSet
from django.test import TestCase
from django.urls import reverse

from tests.factories import UserFactory


def _field_values(form):
    data = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False or value == []:
            continue
        if isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        else:
            data[bound.html_name] = str(value)
    return data


def _formset_values(formset: BaseFormSet):
    data = _field_values(formset.management_form)
    for form in formset.forms:
        data.update(_field_values(form))
    return data


def form_data(response, **changes):
    """The data the admin page in ``response`` would post unchanged, then ``changes``.

    Covers the main form and every inline formset with its management form.
    A change whose value is None removes the field, as an empty checkbox does.
    """
    data = _field_values(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        data.update(_formset_values(inline.formset))
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def add_inline_row(data, prefix, **fields):
    """Append a row to the inline formset ``prefix`` in posted ``data``."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    for name, value in fields.items():
        data[f"{prefix}-{index}-{name}"] = value
    return data


def form_errors(response):
    """Every error the admin form in ``response`` shows, one a line."""
    errors = []
    for form in [response.context["adminform"].form]:
        errors += [str(e) for field in form.errors.values() for e in field]
    for inline in response.context["inline_admin_formsets"]:
        errors += [str(e) for e in inline.formset.non_form_errors()]
        for form in inline.formset.forms:
            errors += [str(e) for field in form.errors.values() for e in field]
    return "\n".join(errors)


def _constraint(name):
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if constraint.name == name:
                return model, constraint
    raise LookupError(name)


class AdminConstraintAssertions:
    def assertAdminRefuses(self, constraint, url, data, message=None):
        """Posting ``data`` to the admin form at ``url`` shows the constraint's
        message (or ``message``) as a form error, and writes nothing."""
        model, declared = _constraint(constraint)
        before = list(model.objects.order_by("pk").values())
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200, "the form was not redisplayed")
        self.assertIn(
            str(message or declared.violation_error_message), form_errors(response)
        )
        self.assertEqual(list(model.objects.order_by("pk").values()), before)
        return response

    def assertEveryConstraintShownInAdmin(self, app_label, test_module):
        """Each of the app's constraints is named in an assertAdminRefuses() there."""
        source = Path(test_module).read_text()
        for model in apps.get_app_config(app_label).get_models():
            for constraint in model._meta.constraints:
                with self.subTest(constraint=constraint.name):
                    self.assertRegex(
                        source, rf'assertAdminRefuses\(\s*"{constraint.name}"'
                    )


class AdminTestCase(TestCase):
    """Signed in as a secretariat editor; ``viewer`` may only read."""

    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(groups=["Secretariat editors"])
        cls.viewer = UserFactory(groups=["Secretariat viewers"])

    def setUp(self):
        self.client.force_login(self.editor)

    def post_form(self, url, **changes):
        """GET the admin form at ``url`` and post it back with ``changes``."""
        return self.client.post(url, form_data(self.client.get(url), **changes))

    def assertSameQueriesFor10And100(self, url, make, expected):
        """The page at ``url`` runs ``expected`` queries whether ``make(n)`` has
        made 10 rows or 100 (the page size)."""
        self.client.get(url)  # warm the content-type cache
        for total, more in ((10, 10), (100, 90)):
            make(more)
            with self.subTest(rows=total), self.assertNumQueries(expected):
                response = self.client.get(url)
            self.assertEqual(response.status_code, 200)
            if "cl" in response.context:
                self.assertEqual(response.context["cl"].result_count, total)


def app_admin_url(app_label, model, action, *args):
    return reverse(f"admin:{app_label}_{model}_{action}", args=args)


def shown(response):
    """The objects on a changelist page."""
    return set(response.context["cl"].result_list)


class AdminPagesMixin:
    """Every model's pages for an editor and a viewer; ``objects`` maps model names
    to one saved object each."""

    app_label = ""

    def admin_url(self, model, action, *args):
        return app_admin_url(self.app_label, model, action, *args)

    def test_editor_opens_every_changelist_add_change_and_history_page(self):
        for model, obj in self.objects.items():
            for action, args in (
                ("changelist", ()),
                ("add", ()),
                ("change", (obj.pk,)),
                ("history", (obj.pk,)),
            ):
                with self.subTest(model=model, page=action):
                    response = self.client.get(self.admin_url(model, action, *args))
                    self.assertEqual(response.status_code, 200)

    def test_viewer_reads_but_cannot_add_or_change(self):
        self.client.force_login(self.viewer)
        for model, obj in self.objects.items():
            with self.subTest(model=model):
                change = self.admin_url(model, "change", obj.pk)
                changelist = self.admin_url(model, "changelist")
                self.assertEqual(self.client.get(changelist).status_code, 200)
                response = self.client.get(change)
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, 'name="_save"')
                self.assertEqual(
                    self.client.get(self.admin_url(model, "add")).status_code, 403
                )
                self.assertEqual(
                    self.client.post(self.admin_url(model, "add"), {}).status_code, 403
                )
                self.assertEqual(self.client.post(change, {}).status_code, 403)
                version = obj.history.latest()
                revert = self.admin_url(
                    model, "simple_history", obj.pk, version.history_id
                )
                self.assertEqual(self.client.get(revert).status_code, 200)
                self.assertEqual(self.client.post(revert, {}).status_code, 403)
                delete = self.admin_url(model, "delete", obj.pk)
                self.assertEqual(
                    self.client.post(delete, {"post": "yes"}).status_code, 403
                )
