"""Demo data of the companies area: about 30 fictional erkende leerbedrijven with trainers, two open requests."""

import io
import logging
from datetime import timedelta

from documents.companies import Accreditation, AccreditationRequest, Company, ProposedCompany, Trainer
from documents.files import attach
from services.clock import local_today, utcnow

log = logging.getLogger("praktijkloket.demo")

# Used only when the qualification structure has no kwalificaties yet (the qualifications area seeds first).
FALLBACK_CREBOS = ("25180", "25168", "25655", "25491")

# (leerbedrijf-ID, name, address, postcode, plaats, phone, website) - all fictional.
DEMO_COMPANIES = (
    (
        "100200301",
        "Bakkerij De Gouden Korenaar",
        "Dorpsstraat 14",
        "3732 HJ",
        "De Bilt",
        "030 220 1144",
        "www.goudenkorenaar.example",
    ),
    ("100200302", "Hotel-Restaurant 't Veerhuis", "Veerweg 2", "4117 GA", "Erichem", "0344 571 222", None),
    (
        "100200303",
        "Autobedrijf Van der Meulen B.V.",
        "Industrieweg 31",
        "8304 AD",
        "Emmeloord",
        "0527 612 880",
        "www.vandermeulen-auto.example",
    ),
    ("100200304", "Zorgcentrum De Wâlden", "Tsjerkepaad 5", "9251 KL", "Burgum", "0511 465 300", None),
    (
        "100200305",
        "Hoveniersbedrijf Groenrijk Brabant",
        "Kempenbaan 77",
        "5521 DW",
        "Eersel",
        "0497 518 010",
        "www.groenrijk-brabant.example",
    ),
    ("100200306", "Café-Brasserie Het Spiegelhuys", "Markt 9", "4811 WH", "Breda", "076 521 0099", None),
    (
        "100200307",
        "Installatiebedrijf Kraaijeveld & Zn.",
        "Havenkade 18",
        "2984 AA",
        "Ridderkerk",
        "0180 412 556",
        "www.kraaijeveld-installatie.example",
    ),
    ("100200308", "Buurtsupermarkt Ter Apel", "Hoofdstraat 101", "9561 JC", "Ter Apel", "0599 581 470", None),
    ("100200309", "Timmerfabriek Boschmans", "Zandstraat 40", "5683 PL", "Best", "0499 371 620", None),
    (
        "100200310",
        "Kinderopvang Het Zonnetje",
        "Vlinderstraat 3",
        "7511 JB",
        "Enschede",
        "053 430 8811",
        "www.kinderopvang-zonnetje.example",
    ),
    ("100200311", "Schildersbedrijf Çelik", "Kanaalweg 55", "3526 KM", "Utrecht", "030 288 1010", None),
    ("100200312", "Fietsenmaker Ruijs Tweewielers", "Kerkstraat 22", "6811 DM", "Arnhem", "026 442 6633", None),
    (
        "100200313",
        "Groothandel Noordhoek Logistiek",
        "Transportweg 8",
        "1786 PP",
        "Den Helder",
        "0223 611 900",
        "www.noordhoek-logistiek.example",
    ),
    ("100200314", "Kapsalon Coupe Chérie", "Nieuwstraat 12", "6411 HS", "Heerlen", "045 571 2200", None),
    ("100200315", "Woonzorg Het Baken", "Strandweg 1", "1781 AA", "Den Helder", "0223 630 400", None),
    (
        "100200316",
        "Restaurant De Smaak van Zeeland",
        "Boulevard de Ruyter 4",
        "4381 KA",
        "Vlissingen",
        "0118 412 310",
        "www.smaakvanzeeland.example",
    ),
    ("100200317", "Dierenkliniek Maasoever", "Maasboulevard 60", "5911 CA", "Venlo", "077 351 8877", None),
    ("100200318", "Drukkerij Van Rossum & Co", "Ambachtsweg 11", "2222 AH", "Katwijk", "071 403 2100", None),
    (
        "100200319",
        "Bouwbedrijf Hendriks-Öztürk",
        "Steenstraat 90",
        "6828 CL",
        "Arnhem",
        "026 361 1500",
        "www.hendriks-ozturk.example",
    ),
    ("100200320", "Tuincentrum De Ruyter", "Rijksweg 210", "1906 BL", "Limmen", "072 505 1717", None),
    ("100200321", "Sportschool Fit & Vitaal", "Stationsplein 7", "8011 CW", "Zwolle", "038 421 5050", None),
    ("100200322", "Slagerij Vermeulen", "Achterstraat 3", "5301 BE", "Zaltbommel", "0418 512 341", None),
    (
        "100200323",
        "Hotel De Friesche Poort",
        "Stationsweg 15",
        "8911 AG",
        "Leeuwarden",
        "058 213 9900",
        "www.friesche-poort.example",
    ),
    (
        "100200324",
        "Garage 's-Hertogenbosch Zuid",
        "Pettelaarpark 20",
        "5216 PD",
        "'s-Hertogenbosch",
        "073 612 0404",
        None,
    ),
    ("100200325", "Schoonmaakbedrijf Glansrijk", "Lageweg 44", "2031 CC", "Haarlem", "023 531 7722", None),
    ("100200326", "Zorgboerderij De Hoeve", "Hoevelaan 2", "3881 LC", "Putten", "0341 351 660", None),
    ("100200327", "Lunchroom Bij Anneke", "Voorstraat 61", "3311 ER", "Dordrecht", "078 613 4455", None),
    (
        "100200328",
        "Metaalbewerking Twente B.V.",
        "Hengelosestraat 500",
        "7521 AN",
        "Enschede",
        "053 480 1200",
        "www.metaaltwente.example",
    ),
    ("100200329", "Bloemsierkunst Eline", "Molenstraat 17", "6211 GR", "Maastricht", "043 321 8080", None),
    ("100200330", "IJssalon Venezia Groningen", "Oude Ebbingestraat 28", "9712 HL", "Groningen", "050 312 6611", None),
)
LOGO_COMPANY = "100200301"
ENDED_COMPANY = "100200314"

TRAINER_NAMES = (
    ("J.", "Jan", None, "Bakker", "Bedrijfsleider"),
    ("A.M.", "Anne", "de", "Vries", "Praktijkopleider"),
    ("M.", "Mohamed", None, "El Amrani", "Chef-kok"),
    ("S.", "Sanne", "van", "Dijk", "Teamleider"),
    ("R.", "Rémy", None, "Dubois", "Werkplaatschef"),
    ("E.", "Esra", None, "Yıldız", "Leidinggevende zorg"),
    ("P.J.", "Pieter", "van der", "Berg", "Eigenaar"),
    ("L.", "Lotte", None, "Jansen", "Praktijkbegeleider"),
)


def demo_crebos():
    """Crebos of the current demo kwalificaties, or FALLBACK_CREBOS when the structure is still empty."""
    try:
        from documents.qualifications import Qualification

        crebos = sorted({str(c) for c in Qualification.objects(superseded__ne=True).distinct("crebo") if c})
    except Exception:  # noqa: BLE001 - the structure is another area's; fall back rather than fail the seed
        crebos = []
    if not crebos:
        log.info("Geen kwalificaties gevonden: demo-erkenningen gebruiken vaste crebo's %s.", FALLBACK_CREBOS)
        return list(FALLBACK_CREBOS)
    return crebos


def make_logo(text="GK"):
    """A small PNG logo drawn at seed time (nothing shipped, nothing copied)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (360, 140), (250, 243, 224))
    draw = ImageDraw.Draw(image)
    big, small = ImageFont.load_default(size=40), ImageFont.load_default(size=28)
    draw.ellipse((10, 10, 130, 130), fill=(196, 140, 38), outline=(120, 80, 20), width=5)
    draw.text((70, 70), text, fill=(255, 255, 255), font=big, anchor="mm")
    draw.text((145, 38), "De Gouden", fill=(90, 60, 10), font=small)
    draw.text((145, 76), "Korenaar", fill=(90, 60, 10), font=small)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def seed(schools, users):
    """Create this area's demo data when missing (idempotent)."""
    crebos = demo_crebos()
    today = local_today()
    for i, (cid, name, address, postcode, city, phone, website) in enumerate(DEMO_COMPANIES):
        if Company.objects(company_id=cid).first() is not None:
            continue
        start = today - timedelta(days=365 * (1 + i % 4))
        # Each company is accredited for one or two of the demo kwalificaties (all of them for the first few).
        own = crebos if i < 5 else [crebos[i % len(crebos)], crebos[(i + 1) % len(crebos)]]
        end = today - timedelta(days=30) if cid == ENDED_COMPANY else None
        company = Company(
            company_id=cid,
            name=name,
            address=address,
            postcode=postcode,
            city=city,
            phone=phone,
            website=website,
            email=f"info@{cid}.leerbedrijf.example",
            accreditations=[Accreditation(crebo=c, start=start, end=end) for c in dict.fromkeys(own)],
        )
        if cid == LOGO_COMPANY:
            attach(company, "logo", make_logo(), "image/png")
        company.save()
        for j in range(2 + i % 2):
            initials, first, infix, last, function = TRAINER_NAMES[(i + j * 3) % len(TRAINER_NAMES)]
            Trainer(
                company=company,
                source="sbb",
                initials=initials,
                first_name=first,
                infix=infix,
                last_name=last,
                function=function,
                email=f"{first.lower()[:1]}.{last.lower().replace(' ', '')}@{cid}.example",
                phone=phone,
            ).save()

    requester = users.get("mbo@school.example")
    school = schools.get("25DM")
    if requester is None or school is None:
        return
    if not AccreditationRequest.objects(kind="new", proposed__name="Pannenkoekenhuis De Molenwiek").first():
        AccreditationRequest(
            kind="new",
            crebos=crebos[:1],
            institution=school,
            requested_by=requester,
            requested_by_email=requester.email,
            status="submitted",
            created_at=utcnow(),
            motivation="Onze deelnemer loopt hier stage; het bedrijf is nog niet erkend.",
            proposed=ProposedCompany(
                name="Pannenkoekenhuis De Molenwiek",
                address="Molenweg 3",
                postcode="3451 AA",
                city="Vleuten",
                phone="030 677 1234",
                contact_name="Mevr. T. Hoekstra",
            ),
        ).save()
    extend_company = Company.objects(company_id="100200330").first()
    if extend_company and not AccreditationRequest.objects(kind="extend", company=extend_company).first():
        missing = [c for c in crebos if not extend_company.is_accredited_for(c)] or crebos[:1]
        AccreditationRequest(
            kind="extend",
            company=extend_company,
            crebos=missing[:1],
            institution=school,
            requested_by=requester,
            requested_by_email=requester.email,
            status="in_progress",
            created_at=utcnow(),
            motivation="De deelnemer werkt ook aan deze kwalificatie.",
        ).save()
