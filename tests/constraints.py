"""Assertions about the named constraints the database holds."""

import re
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.db import IntegrityError, transaction


def constraint_names(app_label: str) -> set[str]:
    """The names of every constraint declared on the app's models."""
    return {
        constraint.name
        for model in apps.get_app_config(app_label).get_models()
        for constraint in model._meta.constraints
    }


class ConstraintAssertions:
    @contextmanager
    def assertRefused(self, constraint: str):
        """The block's write fails in the database on the named constraint."""
        with self.assertRaises(IntegrityError) as refused, transaction.atomic():
            yield
        self.assertEqual(refused.exception.__cause__.diag.constraint_name, constraint)

    def assertEveryConstraintTested(self, app_label: str, test_module: str):
        """Each of the app's constraints is named in an assertRefused() there."""
        source = Path(test_module).read_text()
        for name in sorted(constraint_names(app_label)):
            with self.subTest(constraint=name):
                self.assertRegex(source, rf'assertRefused\(\s*"{re.escape(name)}"')
