import datetime

from django import forms
from django.test import SimpleTestCase

from cities import widgets

ATTRS = (None, {"id": "id_x", "aria-invalid": "true", "hidden": True, "off": False})


class SelectTests(SimpleTestCase):
    """widgets.Select writes what Django's select templates write."""

    choices = [("", "Any"), ("a", "A & <b>"), (2021, "2021"), ("c", "C"), ("a", "A")]

    def test_renders_as_forms_select(self):
        ours = widgets.Select(choices=self.choices)
        django = forms.Select(choices=self.choices)
        for value in (None, "", "a", 2021, "2021", "missing"):
            for attrs in ATTRS:
                with self.subTest(value=value, attrs=attrs):
                    self.assertEqual(
                        ours.render("x", value, attrs), django.render("x", value, attrs)
                    )

    def test_renders_option_groups(self):
        choices = [("", "Any"), ("Group <1>", [("a", "A"), ("b", "B")]), ("c", "C")]
        for value in ("b", "c"):
            with self.subTest(value=value):
                self.assertEqual(
                    widgets.Select(choices=choices).render("x", value),
                    forms.Select(choices=choices).render("x", value),
                )


class InputTests(SimpleTestCase):
    """The inputs write what Django's input templates write."""

    def test_renders_as_forms_inputs(self):
        cases = [
            (widgets.SearchInput(), forms.SearchInput(), ["", "Sofia & <i>", None]),
            (
                widgets.DateInput(attrs={"type": "date", "max": "2026-11-27"}),
                forms.DateInput(attrs={"type": "date", "max": "2026-11-27"}),
                [None, "2022-06-28", datetime.date(2022, 6, 28), "not a date"],
            ),
            (widgets.HiddenInput(), forms.HiddenInput(), [None, 2, '2"><b>']),
        ]
        for ours, django, values in cases:
            for value in values:
                for attrs in ATTRS:
                    with self.subTest(widget=type(ours).__name__, value=value):
                        self.assertEqual(
                            ours.render("x", value, attrs),
                            django.render("x", value, attrs),
                        )
