"""Demo data of the participants area: about forty learners over the three demo schools, some archived."""

from datetime import date, timedelta

from documents.participants import Participant
from services.clock import utcnow

# (school BRIN, first name, infix, last name, birth date, birth place, group, archived)
DEMO_PARTICIPANTS = (
    ("25DM", "Jan", "de", "Vries", date(2006, 3, 14), "Utrecht", "MZ2A", False),
    ("25DM", "Eline", "van der", "Berg", date(2005, 11, 2), "Amersfoort", "MZ2A", False),
    ("25DM", "Zoë", None, "Bakker", date(2006, 7, 21), "Zeist", "MZ2A", False),
    ("25DM", "Noël", None, "Jansen", date(2005, 1, 30), "Utrecht", "MZ2B", False),
    ("25DM", "Sem", "van", "Dijk", date(2006, 5, 9), "Nieuwegein", "MZ2B", False),
    ("25DM", "Anaïs", "el", "Amrani", date(2004, 12, 17), "Utrecht", "MZ2B", False),
    ("25DM", "Daan", None, "Visser", date(2005, 8, 3), "Houten", "Cohort 2024", False),
    ("25DM", "Chloë", "de", "Groot", date(2006, 2, 25), "IJsselstein", "Cohort 2024", False),
    ("25DM", "Thijs", "van den", "Heuvel", date(2005, 4, 12), "Utrecht", "Cohort 2024", False),
    ("25DM", "Iris", None, "Smit", date(2006, 9, 6), "Maarssen", "Cohort 2025", False),
    ("25DM", "Ömer", None, "Yıldız", date(2005, 6, 19), "Utrecht", "Cohort 2025", False),
    ("25DM", "Lotte", "ter", "Horst", date(2006, 10, 1), "Woerden", "Cohort 2025", False),
    ("25DM", "Bram", None, "Mulder", date(2004, 3, 8), "Utrecht", "MZ2A", True),
    ("25DM", "Renée", "van", "Leeuwen", date(2004, 7, 27), "Bunnik", "MZ2B", True),
    ("25DM", "Mohamed", None, "Bouzid", date(2004, 1, 15), "Utrecht", "Cohort 2024", True),
    ("25DM", "Fenna", None, "Kok", date(2006, 12, 11), "De Meern", "Groep Jansen", False),
    ("12PD", "Mila", "de", "Jong", date(2008, 4, 4), "Eindhoven", "Klas 3", False),
    ("12PD", "Luuk", None, "Peters", date(2008, 8, 22), "Veldhoven", "Klas 3", False),
    ("12PD", "Saïd", "el", "Idrissi", date(2007, 5, 13), "Eindhoven", "Klas 4", False),
    ("12PD", "Jesse", "van", "Beek", date(2007, 10, 29), "Best", "Klas 4", False),
    ("12PD", "Hüseyin", None, "Aydın", date(2007, 2, 2), "Eindhoven", "Klas 4", False),
    ("12PD", "Roos", "van der", "Linden", date(2008, 11, 17), "Geldrop", "Klas 3", False),
    ("12PD", "Stijn", None, "Hendriks", date(2007, 7, 7), "Eindhoven", "Uitstroom", False),
    ("12PD", "Maëlle", None, "Willems", date(2008, 1, 24), "Nuenen", "Uitstroom", False),
    ("12PD", "Tim", "de", "Wit", date(2006, 6, 16), "Eindhoven", "Uitstroom", True),
    ("12PD", "Lieke", None, "Verhoeven", date(2006, 9, 3), "Waalre", "Klas 4", True),
    ("12PD", "Jayden", "van", "Dam", date(2008, 3, 31), "Eindhoven", "Klas 3", False),
    ("12PD", "Sophie", None, "Claessens", date(2007, 12, 9), "Son", "Uitstroom", False),
    ("08VD", "Finn", "de", "Boer", date(2007, 1, 19), "Groningen", "Arbeidsmarktprofiel", False),
    ("08VD", "Noor", None, "Dijkstra", date(2006, 4, 28), "Haren", "Arbeidsmarktprofiel", False),
    ("08VD", "Jelle", None, "Huizinga", date(2007, 11, 5), "Groningen", "Arbeidsmarktprofiel", False),
    ("08VD", "Sanne", "van", "Wijk", date(2006, 8, 14), "Hoogezand", "Stagegroep A", False),
    ("08VD", "Rüya", None, "Demir", date(2007, 3, 22), "Groningen", "Stagegroep A", False),
    ("08VD", "Sjoerd", None, "Bosma", date(2006, 2, 10), "Leek", "Stagegroep A", False),
    ("08VD", "Anouk", "ter", "Veen", date(2007, 6, 30), "Groningen", "Stagegroep B", False),
    ("08VD", "Hidde", None, "Postma", date(2005, 10, 18), "Zuidhorn", "Stagegroep B", True),
    ("08VD", "Céline", "de", "Haan", date(2006, 5, 26), "Groningen", "Stagegroep B", False),
    ("08VD", "Wessel", None, "Kuipers", date(2007, 9, 12), "Delfzijl", "Stagegroep B", False),
    ("08VD", "Femke", "van der", "Meer", date(2005, 12, 4), "Groningen", "Arbeidsmarktprofiel", True),
    ("08VD", "Yusuf", None, "Özdemir", date(2006, 1, 8), "Groningen", "Stagegroep A", False),
)

CREATED_BY = {"25DM": "mbo@school.example", "12PD": "pro@school.example", "08VD": "vso@school.example"}


def seed(schools, users):
    """Create the demo participants when missing (idempotent: keyed on school, name and date of birth)."""
    now = utcnow()
    for n, (brin, first, infix, last, born, place, group, archived) in enumerate(DEMO_PARTICIPANTS):
        school = schools.get(brin)
        if school is None:
            continue
        if Participant.objects.same_person(school, first, infix, last, born).first():
            continue
        author = users.get(CREATED_BY[brin])
        created = now - timedelta(days=120 - n)
        Participant(
            first_name=first,
            infix=infix,
            last_name=last,
            birth_date=born,
            birth_place=place,
            group=group,
            institution=school,
            created_by=author.name if author else None,
            created_at=created,
            archived_at=(created + timedelta(days=60)) if archived else None,
        ).save()
