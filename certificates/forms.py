from django import forms
from django.utils.translation import gettext_lazy as _

from cities import directory
from cities.models import City, MembershipStatus
from cities.search import fold

# More matches than this and the visitor should type more of the name.
MAX_RESULTS = 30


class StatusSearchForm(forms.Form):
    """The status check's one question: which city?"""

    q = forms.CharField(
        label=_("City name"),
        max_length=100,
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "Any of its names, in any language or script: Sofia, София, Sofya."
        ),
        error_messages={
            "required": _("Type the name of a city, in any language or script."),
            "max_length": _(
                "A city's name is shorter than %(limit_value)d characters."
            ),
        },
    )

    def clean_q(self):
        term = self.cleaned_data["q"]
        if not any(char.isalnum() for char in fold(term)):
            raise forms.ValidationError(
                _("A city's name has letters in it; type at least one."),
                code="no_letters",
            )
        return term

    def results(self, *, language: str) -> list[City]:
        """The cities whose names match, best match first, ready to list. One query."""
        cities = City.objects.with_status().with_local_name(language)
        cities = directory.search(cities, self.cleaned_data["q"])
        cities = list(directory.directory_sort(cities, searching=True)[:MAX_RESULTS])
        for city in cities:
            city.status_label = MembershipStatus(city.status).label
        return cities
