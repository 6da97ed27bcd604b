"""factory_boy factories whose defaults satisfy every constraint."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cities.models import (
    City,
    CityName,
    Confidence,
    MembershipKind,
    MembershipStep,
    Office,
    Person,
    ReportedCount,
)
from summits.models import (
    Declaration,
    DeclarationKind,
    Event,
    EventKind,
    Presidency,
    Signature,
    WorkingGroup,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@b40.example")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def groups(self, create, names, **kwargs):
        if create and names:
            self.groups.set(Group.objects.filter(name__in=names))


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City

    slug = factory.Sequence(lambda n: f"city-{n}")
    name = factory.Sequence(lambda n: f"City {n}")
    country = "BG"
    latitude = factory.Sequence(lambda n: Decimal(40) + Decimal(n % 500) / 100)
    longitude = factory.Sequence(lambda n: Decimal(20) + Decimal(n % 500) / 100)
    confidence = Confidence.CONFIRMED
    sources = factory.LazyFunction(lambda: ["https://b40network.org/who-we-are/"])


class CityNameFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CityName

    city = factory.SubFactory(CityFactory)
    language = "tr"
    name = factory.Sequence(lambda n: f"Şehir {n}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    slug = factory.Sequence(lambda n: f"person-{n}")
    name = factory.Sequence(lambda n: f"Person {n}")


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office

    city = factory.SubFactory(CityFactory)
    person = factory.SubFactory(PersonFactory)
    known_from = datetime.date(2021, 11, 30)
    known_until = datetime.date(2021, 11, 30)
    sources = factory.LazyFunction(lambda: ["https://b40network.org/who-we-are/"])


class MembershipStepFactory(factory.django.DjangoModelFactory):
    """A founding join; build other steps through cities.services in tests."""

    class Meta:
        model = MembershipStep

    city = factory.SubFactory(CityFactory)
    kind = MembershipKind.JOINED
    on = datetime.date(2021, 11, 30)
    precision = "day"
    founding = True
    confidence = Confidence.CONFIRMED
    sources = factory.LazyFunction(lambda: ["https://b40network.org/who-we-are/"])


class ReportedCountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportedCount

    on = factory.Sequence(lambda n: datetime.date(2022, 1, 1) + datetime.timedelta(n))
    members = 23
    reported_by = "B40 Balkan Cities Network"
    sources = factory.LazyFunction(lambda: ["https://b40network.org/who-we-are/"])


class WorkingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingGroup

    slug = factory.Sequence(lambda n: f"group-{n}")
    name = factory.Sequence(lambda n: f"Working group {n}")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    slug = factory.Sequence(lambda n: f"event-{n}")
    kind = EventKind.MEETING
    name = factory.Sequence(lambda n: f"Meeting {n}")
    city = factory.SubFactory(CityFactory)
    start_on = datetime.date(2022, 4, 25)
    end_on = datetime.date(2022, 4, 25)
    sources = factory.LazyFunction(lambda: ["https://b40network.org/who-we-are/"])


class DeclarationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Declaration

    slug = factory.Sequence(lambda n: f"declaration-{n}")
    title = factory.Sequence(lambda n: f"Declaration {n}")
    kind = DeclarationKind.STATEMENT
    adopted_on = datetime.date(2021, 11, 30)
    sources = factory.LazyFunction(lambda: ["https://b40network.org/who-we-are/"])


class SignatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Signature

    declaration = factory.SubFactory(DeclarationFactory)
    city = factory.SubFactory(CityFactory)
    signatory = factory.SubFactory(PersonFactory)
    signatory_role = "mayor"
    on = datetime.date(2021, 11, 30)
    sources = factory.LazyFunction(lambda: ["https://b40network.org/who-we-are/"])


class PresidencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Presidency

    number = factory.Sequence(lambda n: n + 1)
    city = factory.SubFactory(CityFactory)
    president = factory.SubFactory(PersonFactory)
    start_on = factory.LazyAttribute(lambda p: datetime.date(2000 + p.number, 1, 1))
    end_on = factory.LazyAttribute(lambda p: datetime.date(2001 + p.number, 1, 1))
    sources = factory.LazyFunction(lambda: ["https://b40network.org/who-we-are/"])
