"""Factories for the offices app, on top of tests.factories."""

import factory

from offices.models import CityContact, OfficeAccount
from tests.factories import CityFactory, UserFactory

PASSWORD = "correct horse battery staple"


class OfficeUserFactory(UserFactory):
    """An office login: not staff, signs in with its email address."""

    username = factory.Sequence(lambda n: f"office{n}@city.example")
    email = factory.LazyAttribute(lambda u: u.username)
    is_staff = False


class OfficeAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfficeAccount

    user = factory.SubFactory(OfficeUserFactory)
    city = factory.SubFactory(CityFactory)


class CityContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CityContact

    city = factory.SubFactory(CityFactory)
    email = factory.Sequence(lambda n: f"info{n}@municipality.example")
    phone = "+359 2 987 4321"
    postal_address = "1 Square of the Republic\n1000 Sofia"
    website = "https://municipality.example/"
    contact_person = "Maria Ivanova"
    contact_person_email = factory.Sequence(lambda n: f"maria{n}@municipality.example")
