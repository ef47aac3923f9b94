"""Deterministic sample snapshots for previews, tests and the benchmark (no database needed)."""

from __future__ import annotations

import io
from datetime import date, datetime
from functools import lru_cache

from PIL import Image, ImageDraw

_TASK_TITLES = [
    "Bereidt werkzaamheden voor en voert ze uit",
    "Biedt ondersteuning bij dagelijkse activiteiten",
    "Werkt samen met collega's en andere betrokkenen",
    "Zorgt voor een veilige en schone werkomgeving",
]
_WP_TITLES = [
    "Stemt de werkzaamheden af met de leidinggevende",
    "Ontvangt cliënten en gasten en verwijst hen door",
    "Bereidt eenvoudige maaltijden en dranken",
    "Voert schoonmaakwerkzaamheden uit volgens protocol",
    "Ondersteunt bij de persoonlijke verzorging",
    "Signaleert veranderingen en rapporteert die",
    "Beheert de voorraad en neemt goederen in ontvangst",
    "Begeleidt bij vrijetijdsactiviteiten",
    "Handelt klachten en vragen af",
    "Evalueert het eigen werk en stelt het bij",
]
_BEHAVIOUR = [
    "Werkt zorgvuldig en volgens de geldende hygiëne- en veiligheidsvoorschriften.",
    "Luistert actief naar de wensen van de cliënt en vraagt door waar nodig.",
    "Houdt zich aan afspraken en meldt tijdig als iets niet lukt.",
    "Communiceert duidelijk en respectvol met collega's, cliënten en gasten.",
]


def _work_process(code: str, index: int, with_behaviour: bool) -> dict:
    title = _WP_TITLES[index % len(_WP_TITLES)]
    return {
        "code": code,
        "title": title,
        "description": (
            f"De beginnend beroepsbeoefenaar {title[0].lower()}{title[1:]}. Hij overlegt vooraf wat er van hem "
            "verwacht wordt, raadpleegt de werkinstructies en voert het werk stap voor stap uit. Bij twijfel "
            "vraagt hij om hulp; na afloop ruimt hij op en geeft hij door wat er is gedaan."
        ),
        "result": "Het werk is volgens de afspraken, op tijd en naar tevredenheid van de betrokkenen uitgevoerd.",
        "behaviour": list(_BEHAVIOUR[: 2 + index % 3]) if with_behaviour else list(_BEHAVIOUR[:2]),
        "show_behaviour": with_behaviour,
    }


def _qualification(crebo, title, level, n_wp, *, behaviour_every=1, offset=0, tasks=3) -> dict:
    core_tasks = []
    for t in range(tasks):
        core_tasks.append({"code": f"B1-K{t + 1}", "title": _TASK_TITLES[t % len(_TASK_TITLES)], "work_processes": []})
    for i in range(n_wp):
        task = core_tasks[i % tasks]
        number = len(task["work_processes"]) + 1
        code = f"{task['code']}-W{number}"
        with_behaviour = behaviour_every == 1 or (behaviour_every and (i + offset) % behaviour_every == 0)
        task["work_processes"].append(_work_process(code, i + offset, bool(with_behaviour)))
    return {
        "crebo": crebo,
        "title": title,
        "level": level,
        "version": "2016",
        "dossier_title": title,
        "core_tasks": [task for task in core_tasks if task["work_processes"]],
    }


def qualifications(n_wp: int, *, behaviour_every: int = 1) -> list[dict]:
    """Two kwalificaties sharing n_wp work processes (the first gets the larger half)."""
    first = (n_wp + 1) // 2
    result = [_qualification("25498", "Helpende Zorg en Welzijn", 2, first, behaviour_every=behaviour_every)]
    if n_wp - first:
        result.append(
            _qualification(
                "25180",
                "Medewerker facilitaire dienstverlening",
                2,
                n_wp - first,
                behaviour_every=behaviour_every,
                offset=first,
            )
        )
    return result


@lru_cache(maxsize=8)
def sample_logo(kind: str, fmt: str = "PNG", size=(480, 180)) -> bytes:
    """A generated logo (Pillow): a coloured block with a mark; deterministic bytes."""
    colours = {"school": (11, 61, 98), "company": (196, 90, 20), "branch": (30, 130, 80)}
    colour = colours.get(kind, (90, 90, 90))
    img = Image.new("RGBA" if fmt == "PNG" else "RGB", size, (255, 255, 255, 0) if fmt == "PNG" else "white")
    draw = ImageDraw.Draw(img)
    w, h = size
    draw.rounded_rectangle((4, 4, h - 4, h - 4), radius=24, fill=colour)
    draw.ellipse((h * 0.25, h * 0.25, h * 0.75, h * 0.75), fill="white")
    for i in range(3):
        y = h * (0.25 + 0.2 * i)
        draw.rectangle((h + 16, y, w - 20 - i * 60, y + h * 0.12), fill=colour)
    out = io.BytesIO()
    img.save(out, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()


def _common() -> dict:
    return {
        "institution": {
            "name": "ROC Demo",
            "brin": "99XX",
            "kind": "mbo",
            "city": "Utrecht",
            "logo": sample_logo("school", "PNG"),
        },
        "participant": {
            "first_name": "Ümit",
            "infix": "van der",
            "last_name": "Çelik-Eén",
            "full_name": "Ümit van der Çelik-Eén",
            "birth_date": date(2007, 3, 14),
            "birth_place": "'s-Hertogenbosch",
            "group": "HZW2-A",
        },
        "company": {
            "company_id": "100123456",
            "name": "Zorgcentrum De Klaproos",
            "address": "Kerkstraat 12",
            "postcode": "3511 AB",
            "city": "Utrecht",
            "logo": sample_logo("company", "JPEG"),
        },
        "trainer": {
            "name": "Anneloes de Vries-Brouwer",
            "function": "Teamleider zorg",
            "email": "a.devries@klaproos.example",
            "phone": "030 123 45 67",
        },
    }


def sample_guidance(n_wp: int = 10, *, behaviour_every: int = 2) -> dict:
    """A begeleidingsdocument snapshot with two kwalificaties and n_wp work processes.

    behaviour_every=1 shows gedrag for every work process (the benchmark), 2 for every other one, 0 for none.
    """
    return {
        **_common(),
        "document_id": f"BD-2026-{n_wp:06d}",
        "qualifications": qualifications(n_wp, behaviour_every=behaviour_every),
        "created_at": datetime(2026, 9, 1, 10, 30),
    }


def sample_statement(n_wp: int = 20) -> dict:
    """A praktijkverklaring snapshot with n_wp work processes, three logos, a number and a verification URL."""
    return {
        **_common(),
        "qualifications": qualifications(n_wp, behaviour_every=0),
        "education_form": "mbo_diploma",
        "education_form_label": "mbo (diplomagericht, voortijdig schoolverlater)",
        "bpv_hours": 1600,
        "number": "PV-2026-000123",
        "verification_url": "https://praktijkloket.example/verificatie/k7Qm2xVb9TzR4hLpWc3N",
        "branch_logos": [{"name": "Branchevereniging Zorg Demo", "logo": sample_logo("branch", "PNG")}],
        "issued_on": date(2026, 7, 3),
        "school_signatory": {"name": "Jeroen Bakker", "function": "Opleidingsmanager", "place": "Utrecht"},
        "trainer_signatory": {"name": "Anneloes de Vries-Brouwer", "function": "Teamleider zorg", "place": "Utrecht"},
    }
