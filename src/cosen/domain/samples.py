"""Realistic sample data: referrals and reserved slots of a territory.

Used by ``cosen demo``, by tests and by the benchmarks. Rows are values by
field name (as the templates lay them out), so they go through the same
spreadsheet writers and readers as a coordinator's files. A few rows of each
rejection kind can be mixed in, the way a real day's intake has some.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from cosen.clock import PARIS, is_working_day, localize
from cosen.domain.exams import Exam, Group
from cosen.domain.intake import check_referral_rows, check_slot_rows
from cosen.domain.models import Referral, Slot
from cosen.parsing import words

__all__ = [
    "CENTERS",
    "SampleSpec",
    "sample_centres",
    "sample_records",
    "sample_referrals",
    "sample_slots",
]

Row = dict[str, Any]


@dataclass(frozen=True)
class Center:
    """A centre of the samples and the slot kinds it reserves."""

    code: str
    group: Group
    accessible: bool
    children: bool


CENTERS: Final = (
    Center("MIM-1", Group.MIM, accessible=True, children=True),
    Center("MIM-2", Group.MIM, accessible=True, children=False),
    Center("MIM-3", Group.MIM, accessible=False, children=True),
    Center("SIMSE-1", Group.SIMSE, accessible=True, children=True),
    Center("SIMSE-2", Group.SIMSE, accessible=False, children=False),
    Center("SIMSE-3", Group.SIMSE, accessible=True, children=False),
)

# The directory of the sample centres: phone numbers in the range ARCEP
# reserves for fiction (03 53 48 xx xx), so none rings anybody.
_DIRECTORY: Final = {
    "MIM-1": ("Centre d'imagerie médicale du Parc", "12 rue du Parc",
              "67000", "Strasbourg",
              "Entrée par la cour ; parking visiteurs ; accès de plain-pied."),
    "MIM-2": ("Imagerie de l'Esplanade", "4 boulevard de la Victoire",
              "67000", "Strasbourg", "Tram C, arrêt Esplanade ; ascenseur."),
    "MIM-3": ("Cabinet de radiologie du Ried", "27 rue de la Gare",
              "67600", "Sélestat", ""),
    "SIMSE-1": ("Imagerie médicale Colmar Centre", "3 place de la Mairie",
                "68000", "Colmar", "Parking souterrain Mairie, niveau -1."),
    "SIMSE-2": ("Centre de radiologie du Haut-Rhin", "58 avenue de Colmar",
                "68100", "Mulhouse", ""),
    "SIMSE-3": ("Radiologie Sainte-Odile", "9 rue Sainte-Odile",
                "67500", "Haguenau", "Accès par la rue de l'Hôpital."),
}  # fmt: skip

# What referrals ask for (share of demand) and the slot kinds that take it.
DEMAND_MIX: Final = (
    ("RADIO", 0.30),
    ("SCANNER", 0.20),
    ("ECHO_ABDO", 0.14),
    ("ECHO_MSK", 0.10),
    ("ECHO_THYRO", 0.06),
    ("MAMMO", 0.08),
    ("ECHO_SEIN", 0.04),
    ("MAMMO+ECHO_SEIN", 0.08),
)
# Slot kinds: exams taken, minutes, share of capacity, open to children.
SLOT_KINDS: Final = (
    ((Exam.RADIO,), 15, 0.30, True),
    ((Exam.SCANNER,), 20, 0.20, False),
    ((Exam.ECHO_ABDO, Exam.ECHO_MSK, Exam.ECHO_THYRO), 20, 0.30, True),
    ((Exam.MAMMO, Exam.ECHO_SEIN), 30, 0.06, False),
    ((Exam.MAMMO,), 20, 0.08, False),
    ((Exam.ECHO_SEIN,), 20, 0.06, False),
)
_CHILD_EXAMS: Final = ("RADIO", "ECHO_ABDO", "ECHO_MSK")

_BIRTH_NAMES: Final = (
    "Martin", "Bernard", "Muller", "Schmitt", "Meyer", "Weber", "Klein",
    "Wolff", "Fischer", "Roth", "Schneider", "Hoffmann", "N'Diaye", "Lœw",
    "Bœuf", "Hélias", "Dœrflinger", "Garnier", "Lefèvre", "Da Silva",
    "Keller", "Zimmermann", "Ehrhart", "Haag", "Moreau", "Benali",
)  # fmt: skip
_FIRST_NAMES: Final = (
    "Marie", "Jean", "Anne", "Pierre", "Léa", "Lucas", "Chloé", "Hugo",
    "Élise", "Noël", "Zoé", "Théo", "Inès", "Joël", "Anaïs", "Jérôme",
    "Françoise", "Gaëlle", "Mathéo", "Célestine", "Aurélien", "Maëlys",
)  # fmt: skip
_STREETS: Final = (
    "rue du Vieux-Marché-aux-Poissons", "rue des Hallebardes",
    "avenue de la Forêt-Noire", "rue de l'Église", "place Kléber",
    "rue du Faubourg-National", "chemin des Vignes", "rue Principale",
)  # fmt: skip
_CITIES: Final = (
    ("67000", "Strasbourg"), ("67100", "Strasbourg"),
    ("67200", "Strasbourg"), ("67300", "Schiltigheim"),
    ("67400", "Illkirch-Graffenstaden"), ("67500", "Haguenau"),
    ("67600", "Sélestat"), ("68000", "Colmar"), ("68100", "Mulhouse"),
    ("57000", "Metz"), ("08000", "Charleville-Mézières"),
)  # fmt: skip
_AREAS: Final = ("03 88", "03 89", "03 87", "03 90")
_PRESCRIBERS: Final = (
    ("Dr Schaeffer", "dr.schaeffer@medecin.mssante.fr"),
    ("Dr Kuntz", "06 45 12 78 90"),
    ("Dr Ouellet", "03 88 45 67 89"),
    ("Dr Brunner", "cabinet.brunner@medecin.mssante.fr"),
    ("Dr Lévêque", ""),
)


@dataclass(frozen=True)
class SampleSpec:
    """What to generate.

    Attributes
    ----------
    now
        The allocation time: referrals arrive in the ``history_hours``
        before it, slots start from the next working hour on.
    referrals
        Number of referral rows, rejected ones included.
    days
        Days of slots.
    slots_per_referral
        Capacity relative to the eligible demand.
    bad_rows
        How many rows of each rejection kind to mix in.
    seed
        Random seed: the same spec gives the same rows.
    history_hours
        How far back referrals arrive.
    demand_mix
        Exams asked (``+`` joins them in one trip) and their shares.
    unavailable_share
        Share of the referrals whose patient cannot come at some times (a
        weekday morning or afternoon, a day, or a few days).
    """

    now: datetime
    referrals: int = 40
    days: int = 14
    slots_per_referral: float = 1.2
    bad_rows: int = 1
    seed: int = 1
    history_hours: int = 36
    demand_mix: tuple[tuple[str, float], ...] = DEMAND_MIX
    unavailable_share: float = 0.0


def sample_slots(spec: SampleSpec) -> list[Row]:
    """Slots of the six centres over ``spec.days`` days, on working days.

    Each slot kind gets its share of ``slots_per_referral * referrals``
    slots, spread evenly over the centres and days. A centre reserves its
    slots on the kind's grid (every 15, 20 or 30 minutes from 8:00 to
    18:00), several at once when it has several machines, as reservation
    calendars do.
    """
    rng = random.Random(spec.seed * 7919 + 1)
    days = [
        day for day in _working_days(spec.now.date(), spec.days)
        if _opening(day, 18 * 60) > spec.now
    ] or [spec.now.date() + timedelta(days=1)]  # fmt: skip
    total = max(
        len(SLOT_KINDS), round(spec.referrals * spec.slots_per_referral)
    )
    rows: list[Row] = []
    for exams, duration, share, kind_children in SLOT_KINDS:
        grid = range(8 * 60, 18 * 60 - duration + 1, duration)
        for number in range(max(1, round(total * share))):
            center = CENTERS[number % len(CENTERS)]
            day = days[(number // len(CENTERS)) % len(days)]
            start = spec.now
            while start <= spec.now:
                start = _opening(day, rng.choice(grid))
                day = days[min(days.index(day) + 1, len(days) - 1)]
            rows.append(
                {
                    "center": center.code,
                    "group": center.group.value,
                    "start": start,
                    "duration_min": duration,
                    "exams": ",".join(exams),
                    "children": kind_children and center.children,
                    "accessible": center.accessible,
                }
            )
    rows.sort(key=lambda r: (r["start"], r["center"], r["exams"]))
    for number, row in enumerate(rows, start=1):
        row["slot_id"] = f"C{number:05d}"
    return rows


def sample_centres() -> list[Row]:
    """The directory of the six sample centres (values by field name)."""
    return [
        {
            "center": center.code,
            "name": name,
            "group": center.group.value,
            "address": address,
            "postcode": postcode,
            "city": city,
            "phone": f"03 53 48 10 {number:02d}",
            "email": f"accueil.{center.code.lower()}@imagerie.example",
            "access": access,
        }
        for number, center in enumerate(CENTERS, start=1)
        for name, address, postcode, city, access in [_DIRECTORY[center.code]]
    ]


def sample_referrals(spec: SampleSpec) -> list[Row]:
    """Referrals received over the last ``history_hours`` before ``now``.

    Mostly complete and eligible; ``bad_rows`` rows of each rejection kind
    (one per reason code a telesecretariat meets) are mixed in at random
    places.
    """
    rng = random.Random(spec.seed)
    spoilers = _spoiled(spec) * spec.bad_rows
    # Each spoiled row, plus one duplicate per round, replaces a good row.
    good_count = max(1, spec.referrals - len(spoilers) - spec.bad_rows)
    rows = [_good_referral(rng, spec) for _ in range(good_count)]
    # The same patient asking again for the same exam: DUPLICATE_REFERRAL.
    duplicates = [
        rng.choice(rows) | {"received_at": spec.now}
        for _ in range(spec.bad_rows)
    ]
    for changes in spoilers:
        rows.insert(
            rng.randrange(len(rows) + 1), _good_referral(rng, spec) | changes
        )
    rows.extend(duplicates)
    rows.sort(key=lambda r: r["received_at"])
    # A stream of its own: the other draws stay as without it.
    unavailable = random.Random(spec.seed * 104_729 + 7)
    for number, row in enumerate(rows, start=1):
        row["referral_id"] = f"D{number:05d}"
        if unavailable.random() < spec.unavailable_share:
            row["unavailable"] = _unavailability(unavailable, spec.now)
    return rows


def _unavailability(rng: random.Random, now: datetime) -> str:
    """One item a patient might give: a weekday's morning or afternoon, a
    day, or a few days, in the next two weeks."""
    weekday = rng.choice(("lundi", "mardi", "mercredi", "jeudi", "vendredi"))
    day = now.date() + timedelta(days=rng.randrange(1, 14))
    return rng.choice(
        (
            f"{weekday} matin",
            f"{weekday} après-midi",
            f"{day:%d/%m/%Y}",
            f"du {day:%d/%m/%Y} au {day + timedelta(days=2):%d/%m/%Y}",
        )
    )


def sample_records(spec: SampleSpec) -> tuple[list[Referral], list[Slot]]:
    """The eligible referrals and valid slots of ``spec``, checked by the
    scheme's rules from text cells, as a coordinator's sheets would be
    (benchmarks and tests; ``bad_rows`` should be 0)."""
    referrals = check_referral_rows(_as_text(sample_referrals(spec)))
    slots = check_slot_rows(_as_text(sample_slots(spec)))
    return referrals.accepted, slots.accepted


def _as_text(rows: Iterable[Row]) -> Iterator[tuple[int, dict[str, str]]]:
    for number, row in enumerate(rows, start=2):
        yield (
            number,
            {
                key: ("oui" if value else "non")
                if isinstance(value, bool)
                else str(value)
                for key, value in row.items()
            },
        )


def _working_days(first: date, count: int) -> list[date]:
    return [
        day
        for offset in range(count)
        if is_working_day(day := first + timedelta(days=offset))
    ] or [first]


def _opening(day: date, minute: int) -> datetime:
    return localize(datetime.combine(day, time(minute // 60, minute % 60)))


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    names = [name for name, _ in weighted]
    return rng.choices(names, weights=[w for _, w in weighted])[0]


def _good_referral(rng: random.Random, spec: SampleSpec) -> Row:
    exam = _pick(rng, spec.demand_mix)
    child = exam in _CHILD_EXAMS and rng.random() < 0.12
    received = spec.now - timedelta(
        minutes=rng.randrange(spec.history_hours * 60)
    )
    # The telesecretariat works 8:00-18:00: fold arrivals into those hours.
    received = received.replace(hour=8 + received.hour % 10)
    received = min(received, spec.now)
    years = rng.randint(6, 17) if child else rng.randint(18, 92)
    birth = received.date() - timedelta(
        days=int(365.25 * years) + 3 + rng.randrange(355)
    )
    mobility = not child and rng.random() < 0.05
    postcode, city = rng.choice(_CITIES)
    prescriber, contact = rng.choice(_PRESCRIBERS)
    mobile = rng.random() < 0.8
    prefix = f"06 {rng.randint(40, 89)}" if mobile else rng.choice(_AREAS)
    phone = prefix + "".join(f" {rng.randrange(100):02d}" for _ in range(3))
    birth_name = rng.choice(_BIRTH_NAMES)
    first_name = rng.choice(_FIRST_NAMES)
    return {
        "received_at": received.astimezone(PARIS),
        "birth_name": birth_name,
        "first_name": first_name,
        "used_name": rng.choice(_BIRTH_NAMES) if rng.random() < 0.15 else "",
        "birth_date": birth,
        "address": f"{rng.randint(1, 120)} {rng.choice(_STREETS)}",
        "postcode": postcode,
        "city": city,
        "phone": phone,
        "email": (
            f"{_ascii(first_name)}.{_ascii(birth_name)}@exemple.fr"
            if rng.random() < 0.6
            else ""
        ),
        "prescriber": prescriber,
        "prescriber_contact": contact,
        "prescription": f"ORD-{rng.randrange(10**6):06d}",
        "exams": exam,
        "desired_delay": "24h" if rng.random() < 0.3 else "48h",
        "consent": True,
        "reduced_mobility": mobility,
        "medical_transport": mobility,
        "suspected_emergency": False,
        "preferred_center": (
            rng.choice([*(c.code for c in CENTERS), "MIM", "SIMSE"])
            if rng.random() < 0.25
            else ""
        ),
    }


def _ascii(name: str) -> str:
    return "".join(words(name))


def _spoiled(spec: SampleSpec) -> list[dict[str, Any]]:
    """Changes that make a good row rejected, one per rejection reason."""
    today = spec.now.date()
    return [
        {"phone": ""},  # MISSING_FIELD
        {"postcode": "6700"},  # INVALID_FIELD: a leading zero lost
        {"consent": False},  # NO_CONSENT
        {"suspected_emergency": True},  # SUSPECTED_EMERGENCY
        {"desired_delay": "72h"},  # NOT_URGENT
        {"exams": "IRM du genou"},  # COMPLEX_IMAGING
        {"exams": "Échographie cardiaque"},  # UNKNOWN_EXAM
        {"birth_date": today - timedelta(days=4 * 365), "exams": "RADIO"},
        {"birth_date": today - timedelta(days=10 * 365), "exams": "SCANNER"},
        {"reduced_mobility": True, "medical_transport": False},
    ]
