"""Who acts for which city: the one rule every office page and action obeys."""

from cities.models import City


def office_city(user) -> City | None:
    """The city an active office login acts for, or None for anyone else."""
    if not user.is_authenticated or not user.is_active:
        return None
    account = getattr(user, "office_account", None)
    return account.city if account is not None else None
