"""Form widgets written out in Python rather than through Django's templates.

Django renders a widget with a template for it and another for its
attributes, and a select with one more for each option: the directory's
eight filters, with their fifty-odd options, cost more than the list of
cities they filter. These write the same HTML as the templates do
(tests/cities/test_widgets.py compares them), for the widgets the public
filter forms use.
"""

from django import forms
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def html_attrs(attrs: dict) -> str:
    """Attributes as django/forms/widgets/attrs.html writes them."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class WrittenOutInput:
    """input.html: <input type name [value] attrs>."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else f' value="{escape(widget["value"])}"'
        return mark_safe(
            f'<input type="{escape(widget["type"])}" name="{escape(name)}"{shown}'
            f"{html_attrs(widget['attrs'])}>"
        )


class SearchInput(WrittenOutInput, forms.SearchInput):
    pass


class DateInput(WrittenOutInput, forms.DateInput):
    pass


class HiddenInput(WrittenOutInput, forms.HiddenInput):
    pass


class Select(forms.Select):
    """select.html, with option.html for each choice."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        attrs = html_attrs(self.build_attrs(self.attrs, attrs))
        parts = [f'<select name="{escape(name)}"{attrs}>']
        if any(isinstance(label, list | tuple) for _value, label in self.choices):
            parts += self._groups(name, value, attrs)
        else:
            # What optgroups() would give, without an option dict per choice:
            # the first choice whose value matches is selected.
            values = self.format_value(value)
            selected_one = False
            for option_value, label in self.choices:
                option_value = "" if option_value is None else option_value
                selected = not selected_one and str(option_value) in values
                selected_one |= selected
                parts.append(self._option(option_value, label, selected))
        parts.append("\n</select>")
        return mark_safe("".join(parts))

    def _groups(self, name, value, attrs):
        for group_name, options, _index in self.optgroups(
            name, self.format_value(value), attrs
        ):
            if group_name:
                yield f'\n  <optgroup label="{escape(group_name)}">'
            for option in options:
                yield self._option(option["value"], option["label"], option["selected"])
            if group_name:
                yield "\n  </optgroup>"

    @staticmethod
    def _option(value, label, selected: bool) -> str:
        selected_attr = " selected" if selected else ""
        return (
            f'\n  <option value="{escape(value)}"{selected_attr}>'
            f"{escape(label)}</option>\n"
        )
