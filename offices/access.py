"""Who acts for which city: the one rule every office page and action obeys."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.template.response import TemplateResponse
from django.utils.translation import get_language

from cities.models import City


def office_city(user) -> City | None:
    """The city an active office login acts for, or None for anyone else."""
    if not user.is_authenticated or not user.is_active:
        return None
    # One query for the account and its city, rather than one for each; the
    # city's name in the visitor's language comes with it (``local_name``).
    try:
        return City.objects.with_local_name(get_language()).get(
            office_accounts__user=user
        )
    except City.DoesNotExist:
        return None


def office_required(view):
    """Let only an office login through, with ``request.office_city`` set.

    Anonymous visitors are sent to sign in; anyone else signed in (secretariat
    staff without an office account, a deactivated office) is told why they
    cannot see the page, rather than shown an error.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        city = office_city(request.user)
        if city is None:
            return TemplateResponse(request, "offices/not_an_office.html", status=403)
        request.office_city = city
        return view(request, *args, **kwargs)

    return wrapper
