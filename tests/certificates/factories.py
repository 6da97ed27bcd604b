"""Users of each kind the certificate rules tell apart, and member cities."""

from b40.groups import EDITORS, VIEWERS
from offices.models import OfficeAccount
from tests.factories import CityFactory, MembershipStepFactory, UserFactory


def member_city(**kwargs):
    """A city that joined as a founder on 30 November 2021."""
    city = CityFactory(**kwargs)
    MembershipStepFactory(city=city)
    return city


def office_user(city):
    user = UserFactory(is_staff=False)
    OfficeAccount.objects.create(user=user, city=city)
    return user


def editor():
    return UserFactory(groups=[EDITORS])


def viewer():
    return UserFactory(groups=[VIEWERS])
