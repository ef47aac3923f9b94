"""factory_boy factories with Dutch fake data (Faker nl_NL); other areas add their own below."""

import random
from datetime import date, timedelta

import factory
from factory.mongoengine import MongoEngineFactory

from documents.institutions import Institution
from documents.participants import Participant
from documents.users import User

factory.Faker._DEFAULT_LOCALE = "nl_NL"

INFIXES = ("", "", "", "de", "van", "van der", "van den", "ter", "el")


class InstitutionFactory(MongoEngineFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"Testschool {n}")
    brin = factory.Sequence(lambda n: f"{n % 100:02d}T{chr(65 + (n // 100) % 26)}")
    kind = "mbo"
    city = factory.Faker("city")


class UserFactory(MongoEngineFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"gebruiker{n}@test.example")
    name = factory.Faker("name")
    role = "school_staff"
    institution = factory.SubFactory(InstitutionFactory)


class ParticipantFactory(MongoEngineFactory):
    class Meta:
        model = Participant

    first_name = factory.Faker("first_name")
    infix = factory.LazyFunction(lambda: random.choice(INFIXES) or None)
    last_name = factory.Faker("last_name")
    birth_date = factory.LazyFunction(lambda: date(2008, 1, 1) + timedelta(days=random.randint(0, 2500)))
    birth_place = factory.Faker("city")
    group = factory.Iterator(["MZ2A", "MZ2B", "Cohort 2025", "Groep Jansen"])
    institution = factory.SubFactory(InstitutionFactory)
    created_by = "Testfabriek"
