"""Model fields shared by the registry's records."""

from django import forms
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.forms import SimpleArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceListFormField(SimpleArrayField):
    """One URL a line; blank lines are ignored."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3, "cols": 80}))
        super().__init__(
            forms.URLField(max_length=500, assume_scheme="https"),
            delimiter="\n",
            **kwargs,
        )

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        if isinstance(value, str):
            value = "\n".join(
                line.strip() for line in value.splitlines() if line.strip()
            )
        return super().to_python(value)


class SourcesField(ArrayField):
    """The URLs of the public sources that state a fact."""

    def __init__(self, **kwargs):
        kwargs.setdefault("base_field", models.URLField(max_length=500))
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", list)
        kwargs.setdefault("verbose_name", _("sources"))
        kwargs.setdefault(
            "help_text",
            _("One URL a line: the public pages that state this fact."),
        )
        super().__init__(**kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        kwargs.pop("base_field", None)
        return name, "cities.fields.SourcesField", args, kwargs

    def formfield(self, **kwargs):
        defaults = {"form_class": SourceListFormField, "required": not self.blank}
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)
