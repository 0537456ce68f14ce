"""The scheme's vocabulary: exams, groups, reasons, referrals, slots, rules.

A :class:`Referral` or :class:`Slot` is built from spreadsheet text or from
typed values through the same pydantic field types, so a referral typed in
a spreadsheet, loaded from the ledger or drawn by the simulator is checked
identically. Validation errors never echo the input
(``hide_input_in_errors``): they name the column and say what is expected.

Eligibility is decided in one place, :data:`SCHEME_RULES`: small pure
functions, one per rule of ``RULES.md``, each declaring the fields it reads
so that a row missing some fields is still checked against every rule it
can be checked against, and the coordinator learns every reason at once.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, Final, Generic, TypeVar

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    TypeAdapter,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from cosen.clock import PARIS, after, age_on
from cosen.parsing import (
    CellError,
    parse_date,
    parse_datetime,
    parse_delay_hours,
    parse_phone,
    parse_positive_int,
    parse_postcode,
    parse_yes_no,
    strip_accents,
    words,
)

# --------------------------------------------------------------------------
# Exams


class Exam(enum.StrEnum):
    """Exam codes covered by the scheme."""

    SCANNER = "SCANNER"
    RADIO = "RADIO"
    ECHO_ABDO = "ECHO_ABDO"
    ECHO_MSK = "ECHO_MSK"
    ECHO_THYRO = "ECHO_THYRO"
    MAMMO = "MAMMO"
    ECHO_SEIN = "ECHO_SEIN"

    @property
    def label(self) -> str:
        """French label, as shown to patients and centres."""
        return _EXAM_LABELS[self]

    @property
    def for_children(self) -> bool:
        """Whether children aged 6 to 17 may have this exam in the scheme."""
        return self in _CHILD_EXAMS


_EXAM_LABELS: Final = {
    Exam.SCANNER: "Scanner",
    Exam.RADIO: "Radiographie",
    Exam.ECHO_ABDO: "Échographie abdominale",
    Exam.ECHO_MSK: "Échographie musculosquelettique",
    Exam.ECHO_THYRO: "Échographie thyroïdienne",
    Exam.MAMMO: "Mammographie",
    Exam.ECHO_SEIN: "Échographie mammaire",
}
_CHILD_EXAMS: Final = frozenset(
    {Exam.RADIO, Exam.ECHO_ABDO, Exam.ECHO_MSK, Exam.ECHO_THYRO}
)

# Words that name imaging the scheme does not cover ("imagerie complexe").
_COMPLEX_WORDS: Final = frozenset(
    {
        "irm", "irmn", "tep", "pet", "petscan", "tepscan", "scintigraphie",
        "scinti", "scintigraphique", "interventionnelle", "interventionnel",
        "angiographie", "arteriographie", "phlebographie", "arthrographie",
        "arthroscanner", "arthroirm", "coroscanner", "coloscanner",
        "biopsie", "ponction", "infiltration", "embolisation", "mri",
    }
)  # fmt: skip
_SCANNER_WORDS: Final = frozenset(
    {"scanner", "tdm", "tomodensitometrie", "ct", "scan", "scannographie"}
)
_RADIO_WORDS: Final = frozenset(
    {"radio", "radiographie", "radiographies", "rx", "radiologie"}
)
_MAMMO_WORDS: Final = frozenset({"mammo", "mammographie"})
_ECHO_WORDS: Final = frozenset({"echo", "echographie", "echographies", "us"})
# For an ultrasound, the first of these words that appears names the kind.
_ECHO_KINDS: Final = (
    (frozenset({"sein", "seins", "mammaire", "mammaires"}), Exam.ECHO_SEIN),
    (
        frozenset({"thyro", "thyroide", "thyroidienne", "cervicale", "cou"}),
        Exam.ECHO_THYRO,
    ),
    (
        frozenset(
            {
                "abdo", "abdominale", "abdomen", "abdominopelvienne",
                "pelvienne", "pelvis", "renale", "reins", "hepatique",
                "vesicale", "abdomino",
            }
        ),
        Exam.ECHO_ABDO,
    ),
    (
        frozenset(
            {
                "msk", "musculosquelettique", "musculo", "osteo",
                "osteoarticulaire", "articulaire", "tendineuse", "epaule",
                "genou", "cheville", "poignet", "coude", "hanche",
                "musculaire", "parties", "molles",
            }
        ),
        Exam.ECHO_MSK,
    ),
)  # fmt: skip


class ExamLabelError(CellError):
    """Exam text naming something complex or unknown.

    Attributes
    ----------
    complex, unknown
        The labels (exam names, not patient data) at fault.
    """

    def __init__(self, complex_: list[str], unknown: list[str]) -> None:
        self.complex = complex_
        self.unknown = unknown
        super().__init__(", ".join([*complex_, *unknown]))


def exam_from_label(label: str) -> Exam | None:
    """The exam a single label names, ``None`` when it names none.

    Codes (``ECHO_ABDO``) and French labels (``Échographie abdominale``,
    ``TDM thoracique``) are accepted. Complex imaging is tested first by
    :func:`is_complex_label`.
    """
    tokens = words(label)
    if not tokens:
        return None
    head = tokens[0]
    if head in _SCANNER_WORDS:
        return Exam.SCANNER
    if head in _RADIO_WORDS:
        return Exam.RADIO
    if head in _MAMMO_WORDS:
        return Exam.MAMMO
    if head in _ECHO_WORDS:
        rest = set(tokens[1:])
        for kind_words, exam in _ECHO_KINDS:
            if rest & kind_words:
                return exam
    return None


def is_complex_label(label: str) -> bool:
    """Whether a label names imaging the scheme excludes (MRI, PET, …)."""
    tokens = words(label)
    return any(t in _COMPLEX_WORDS for t in tokens) or "pet scan" in " ".join(
        tokens
    )


def parse_exams(text: str, separator: str) -> tuple[Exam, ...]:
    """Read exam labels joined by ``separator`` into sorted unique codes.

    Raises
    ------
    ExamLabelError
        When a label names complex imaging or nothing known.
    """
    complex_: list[str] = []
    unknown: list[str] = []
    found: set[Exam] = set()
    for raw in text.split(separator):
        label = raw.strip()
        if not label:
            continue
        if is_complex_label(label):
            complex_.append(label)
        elif (exam := exam_from_label(label)) is None:
            unknown.append(label)
        else:
            found.add(exam)
    if complex_ or unknown:
        raise ExamLabelError(complex_, unknown)
    if not found:
        raise CellError("aucun examen indiqué")
    return tuple(sorted(found, key=list(Exam).index))


class Group(enum.StrEnum):
    """The two groups of imaging centres that reserve slots."""

    MIM = "MIM"
    SIMSE = "SIMSE"


# --------------------------------------------------------------------------
# Reasons


class Reason(enum.StrEnum):
    """Stable reason codes, shown with a French sentence (CONTRACT.md)."""

    MISSING_FIELD = "MISSING_FIELD"
    INVALID_FIELD = "INVALID_FIELD"
    NO_CONSENT = "NO_CONSENT"
    SUSPECTED_EMERGENCY = "SUSPECTED_EMERGENCY"
    NOT_URGENT = "NOT_URGENT"
    COMPLEX_IMAGING = "COMPLEX_IMAGING"
    UNKNOWN_EXAM = "UNKNOWN_EXAM"
    CHILD_UNDER_6 = "CHILD_UNDER_6"
    EXAM_NOT_COVERED_FOR_CHILD = "EXAM_NOT_COVERED_FOR_CHILD"
    MOBILITY_WITHOUT_TRANSPORT = "MOBILITY_WITHOUT_TRANSPORT"
    DUPLICATE_REFERRAL = "DUPLICATE_REFERRAL"
    DUPLICATE_SLOT = "DUPLICATE_SLOT"
    NO_COMPATIBLE_SLOT = "NO_COMPATIBLE_SLOT"
    CAPACITY = "CAPACITY"

    @property
    def sentence(self) -> str:
        """The French sentence that explains the code."""
        return _REASON_SENTENCES[self]

    @property
    def orientation(self) -> str:
        """Where to send the patient (French), for rejections."""
        return _ORIENTATIONS.get(self, _COMPLETE_AND_RESUBMIT)


_REASON_SENTENCES: Final = {
    Reason.MISSING_FIELD: "Information obligatoire manquante",
    Reason.INVALID_FIELD: "Information illisible ou invalide",
    Reason.NO_CONSENT: (
        "Le patient n'a pas donné son consentement au dispositif (RGPD, "
        "transmission de données de santé)"
    ),
    Reason.SUSPECTED_EMERGENCY: "Urgence suspectée : hors dispositif",
    Reason.NOT_URGENT: (
        "Délai souhaité de plus de 48 h : examen hors dispositif"
    ),
    Reason.COMPLEX_IMAGING: (
        "Imagerie complexe (IRM, TEP, scintigraphie, radiologie "
        "interventionnelle…) non prise en charge par le dispositif"
    ),
    Reason.UNKNOWN_EXAM: "Examen non reconnu",
    Reason.CHILD_UNDER_6: (
        "Enfant de moins de 6 ans : non pris en charge par le dispositif"
    ),
    Reason.EXAM_NOT_COVERED_FOR_CHILD: (
        "Examen non couvert pour un enfant de 6 à 17 ans (couverts : "
        "échographie hors sein, radiographie)"
    ),
    Reason.MOBILITY_WITHOUT_TRANSPORT: (
        "Patient à mobilité réduite sans prescription de transport médicalisé"
    ),
    Reason.DUPLICATE_REFERRAL: "Demande en double",
    Reason.DUPLICATE_SLOT: "Créneau en double",
    Reason.NO_COMPATIBLE_SLOT: (
        "Aucun créneau proposé ne peut accueillir cette demande"
    ),
    Reason.CAPACITY: (
        "Les créneaux compatibles ont tous été attribués à d'autres demandes"
    ),
}
_USUAL_IMAGING_PATH: Final = (
    "Parcours habituel : le patient ou ses aidants prennent rendez-vous "
    "directement auprès d'un cabinet d'imagerie."
)
_COMPLETE_AND_RESUBMIT: Final = (
    "Compléter ou corriger la demande auprès du prescripteur, puis la "
    "transmettre à nouveau."
)
_ORIENTATIONS: Final = {
    Reason.SUSPECTED_EMERGENCY: (
        "Gestion habituelle de l'urgence : 15, 116 117 ou urgences "
        "hospitalières."
    ),
    Reason.NOT_URGENT: _USUAL_IMAGING_PATH,
    Reason.COMPLEX_IMAGING: _USUAL_IMAGING_PATH,
    Reason.CHILD_UNDER_6: _USUAL_IMAGING_PATH,
    Reason.EXAM_NOT_COVERED_FOR_CHILD: _USUAL_IMAGING_PATH,
    Reason.MOBILITY_WITHOUT_TRANSPORT: (
        "Demander au prescripteur une prescription de transport médicalisé "
        "(accès sous sa responsabilité), puis transmettre à nouveau."
    ),
    Reason.DUPLICATE_REFERRAL: (
        "Vérifier avec la demande déjà reçue ; aucune nouvelle démarche "
        "si c'est la même."
    ),
    Reason.NO_COMPATIBLE_SLOT: (
        "Demander aux centres un créneau adapté, ou orienter vers le "
        "parcours habituel."
    ),
    Reason.CAPACITY: "Reprise automatique au prochain passage.",
}


@dataclass(frozen=True)
class Issue:
    """One reason a row is rejected (or a referral left unbooked).

    Attributes
    ----------
    reason
        The stable code.
    column
        The French column name concerned, if any.
    detail
        French precision (what is expected, which earlier row); never a
        copy of personal data.
    """

    reason: Reason
    column: str | None = None
    detail: str | None = None

    @property
    def message(self) -> str:
        """The full French sentence."""
        text = self.reason.sentence
        if self.column:
            text += f" : {self.column}"
        if self.detail:
            text += f" — {self.detail}"
        return text + "."


# --------------------------------------------------------------------------
# Field types: each accepts spreadsheet text or an already typed value.


def from_text(
    parse: Callable[[str], Any],
) -> Callable[[Any], Any]:
    """Wrap a text parser so pydantic reports its French message."""

    def validate(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return parse(value)
        except ExamLabelError as exc:
            raise PydanticCustomError(
                "exam_labels",
                "{labels}",
                {
                    "labels": str(exc),
                    "complex": exc.complex,
                    "unknown": exc.unknown,
                },
            ) from None
        except CellError as exc:
            raise PydanticCustomError("cell", str(exc)) from None
        except ValueError:
            # A library's message may quote the input: never show it.
            raise PydanticCustomError("cell", "valeur invalide") from None

    return validate


def _clean_text(value: str) -> str:
    return " ".join(value.split())


def _max_length(limit: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not value:
            raise PydanticCustomError("cell", "valeur vide")
        if len(value) > limit:
            raise PydanticCustomError("cell", f"{limit} caractères au plus")
        return value

    return check


def _paris(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise PydanticCustomError("cell", "fuseau horaire manquant")
    return value.astimezone(PARIS)


def _email(text: str) -> str:
    try:
        return str(validate_email(text, check_deliverability=False).normalized)
    except EmailNotValidError:
        raise CellError("adresse e-mail invalide") from None


def _contact(text: str) -> str:
    """A prescriber's contact: an email address or a phone number."""
    if "@" in text:
        return _email(text)
    return parse_phone(text)[0]


def _group(text: str) -> Group:
    try:
        return Group(_code(text))
    except ValueError:
        raise CellError("MIM ou SIMSE attendu") from None


def _code(value: str) -> str:
    """A centre or group code: letters, digits, ``-`` and ``_``, upper case
    (it names the centre's file and is matched against preferences)."""
    code = "".join(strip_accents(value).split()).upper()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9_-]*", code):
        raise PydanticCustomError(
            "cell", "code attendu : lettres, chiffres, - ou _ (ex. MIM-1)"
        )
    return code


Text = Annotated[
    str, AfterValidator(_clean_text), AfterValidator(_max_length(200))
]
Identifier = Annotated[
    str, AfterValidator(_clean_text), AfterValidator(_max_length(64))
]
Code = Annotated[str, AfterValidator(_code), AfterValidator(_max_length(32))]
LocalDateTime = Annotated[
    datetime,
    BeforeValidator(from_text(parse_datetime)),
    AfterValidator(_paris),
]
Day = Annotated[date, BeforeValidator(from_text(parse_date))]
YesNo = Annotated[bool, BeforeValidator(from_text(parse_yes_no))]
Postcode = Annotated[str, BeforeValidator(from_text(parse_postcode))]
Phone = Annotated[str, BeforeValidator(from_text(lambda t: parse_phone(t)[0]))]
Email = Annotated[str, BeforeValidator(from_text(_email))]
Contact = Annotated[str, BeforeValidator(from_text(_contact))]


def _positive(value: int) -> int:
    # Typed values (ledger, simulator) skip the text parsers' checks.
    if value <= 0:
        raise PydanticCustomError("cell", "nombre supérieur à 0 attendu")
    return value


def _some_exam(exams: tuple[Exam, ...]) -> tuple[Exam, ...]:
    if not exams:
        raise PydanticCustomError("cell", "aucun examen indiqué")
    return exams


Hours = Annotated[
    int,
    BeforeValidator(from_text(parse_delay_hours)),
    AfterValidator(_positive),
]
Minutes = Annotated[
    int,
    BeforeValidator(from_text(parse_positive_int)),
    AfterValidator(_positive),
]
ReferralExams = Annotated[
    tuple[Exam, ...],
    BeforeValidator(from_text(lambda t: parse_exams(t, "+"))),
    AfterValidator(_some_exam),
]
SlotExams = Annotated[
    tuple[Exam, ...],
    BeforeValidator(from_text(lambda t: parse_exams(t, ","))),
    AfterValidator(_some_exam),
]
GroupName = Annotated[Group, BeforeValidator(from_text(_group))]

_MODEL_CONFIG: Final = ConfigDict(
    frozen=True, hide_input_in_errors=True, extra="forbid"
)


class Referral(BaseModel):
    """A complete, well-formed referral (eligibility is checked apart).

    Field names are the contract's English column aliases, except
    ``exams`` (column ``examen``/``exam``) and ``desired_delay`` (hours).
    """

    model_config = _MODEL_CONFIG

    referral_id: Identifier
    received_at: LocalDateTime
    birth_name: Text
    first_name: Text
    used_name: Text | None = None
    birth_date: Day
    address: Text
    postcode: Postcode
    city: Text
    phone: Phone
    email: Email | None = None
    prescriber: Text
    prescriber_contact: Contact | None = None
    prescription: Text
    exams: ReferralExams
    desired_delay: Hours
    consent: YesNo
    reduced_mobility: YesNo = False
    medical_transport: YesNo = False
    suspected_emergency: YesNo = False
    preferred_center: Code | None = None

    @property
    def phone_is_mobile(self) -> bool:
        """Whether the patient's phone can receive an SMS."""
        return parse_phone(self.phone)[1]


class Slot(BaseModel):
    """A slot an imaging centre reserves for the scheme."""

    model_config = _MODEL_CONFIG

    slot_id: Identifier
    center: Code
    group: GroupName
    start: LocalDateTime
    duration_min: Minutes = 15
    exams: SlotExams
    children: YesNo = False
    accessible: YesNo = False

    @property
    def end(self) -> datetime:
        """When the slot ends (elapsed time, safe across DST changes)."""
        return after(self.start, minutes=self.duration_min)


# --------------------------------------------------------------------------
# Columns: the contract's French names and English aliases.


@dataclass(frozen=True)
class Column:
    """A spreadsheet column and the model field it fills.

    Attributes
    ----------
    field
        Model field name.
    french
        Header the templates write.
    alias
        English header also accepted.
    help
        What the column takes, in French, for the instructions sheet.
    soft
        An invalid value is a warning and is dropped, not a rejection.
    """

    field: str
    french: str
    alias: str
    help: str
    soft: bool = False


REFERRAL_COLUMNS: Final = (
    Column("referral_id", "id_demande", "referral_id",
           "Identifiant unique de la demande"),
    Column("received_at", "recue_le", "received_at",
           "Date et heure de réception (JJ/MM/AAAA HH:MM)"),
    Column("birth_name", "nom_naissance", "birth_name",
           "Nom de naissance (pas le nom marital)"),
    Column("first_name", "prenom", "first_name", "Prénom"),
    Column("used_name", "nom_usage", "used_name",
           "Nom d'usage ou marital (facultatif)"),
    Column("birth_date", "date_naissance", "birth_date",
           "Date de naissance (JJ/MM/AAAA)"),
    Column("address", "adresse", "address", "Adresse postale"),
    Column("postcode", "code_postal", "postcode",
           "Code postal à 5 chiffres (colonne au format texte)"),
    Column("city", "ville", "city", "Commune"),
    Column("phone", "telephone", "phone",
           "Téléphone du patient (06…, +33…, ou international avec +)"),
    Column("email", "email", "email",
           "Adresse e-mail du patient si possible (facultatif)", soft=True),
    Column("prescriber", "prescripteur", "prescriber",
           "Nom du médecin prescripteur"),
    Column("prescriber_contact", "contact_prescripteur",
           "prescriber_contact",
           "Messagerie sécurisée ou mobile du prescripteur, pour l'avis de "
           "rendez-vous (facultatif)", soft=True),
    Column("prescription", "ordonnance", "prescription",
           "Référence ou résumé de l'ordonnance détaillée"),
    Column("exams", "examen", "exam",
           "Examen demandé ; plusieurs examens faits au même déplacement "
           "joints par + (ex. MAMMO+ECHO_SEIN)"),
    Column("desired_delay", "delai_souhaite", "desired_delay",
           "Délai souhaité en heures : 24h ou 48h"),
    Column("consent", "consentement", "consent",
           "Consentement du patient au dispositif (oui/non)"),
    Column("reduced_mobility", "mobilite_reduite", "reduced_mobility",
           "Patient à mobilité réduite (oui/non, non par défaut)"),
    Column("medical_transport", "transport_medicalise", "medical_transport",
           "Transport médicalisé prescrit (oui/non, non par défaut)"),
    Column("suspected_emergency", "urgence_suspectee", "suspected_emergency",
           "Urgence suspectée (oui/non, non par défaut)"),
    Column("preferred_center", "centre_prefere", "preferred_center",
           "Centre (ex. MIM-1) ou groupe (MIM, SIMSE) préféré (facultatif)"),
)  # fmt: skip

SLOT_COLUMNS: Final = (
    Column("slot_id", "id_creneau", "slot_id", "Identifiant unique"),
    Column("center", "centre", "center", "Code du centre (ex. MIM-1)"),
    Column("group", "groupe", "group", "Groupe : MIM ou SIMSE"),
    Column("start", "debut", "start",
           "Date et heure de début (JJ/MM/AAAA HH:MM)"),
    Column("duration_min", "duree_min", "duration_min",
           "Durée en minutes (15 par défaut)"),
    Column("exams", "examens", "exams",
           "Codes des examens acceptés, séparés par des virgules"),
    Column("children", "enfants", "children",
           "Accueille les enfants de 6 à 17 ans (oui/non, non par défaut)"),
    Column("accessible", "accessible_pmr", "accessible",
           "Accessible aux personnes à mobilité réduite (oui/non, non par "
           "défaut)"),
)  # fmt: skip


# --------------------------------------------------------------------------
# Scheme rules


def _rule_consent(consent: bool) -> list[Issue]:
    return [] if consent else [Issue(Reason.NO_CONSENT)]


def _rule_emergency(suspected_emergency: bool) -> list[Issue]:
    return [Issue(Reason.SUSPECTED_EMERGENCY)] if suspected_emergency else []


PROMISE_HOURS: Final = 48


def _rule_urgency(desired_delay: int) -> list[Issue]:
    if desired_delay > PROMISE_HOURS:
        return [Issue(Reason.NOT_URGENT, detail=f"{desired_delay} h")]
    return []


ADULT_AGE: Final = 18
CHILD_MIN_AGE: Final = 6


def _rule_birth_date(birth_date: date, received_at: datetime) -> list[Issue]:
    if birth_date > received_at.date():
        return [
            Issue(Reason.INVALID_FIELD, "date_naissance", "date dans le futur")
        ]
    if age_on(birth_date, received_at.date()) > 120:
        return [
            Issue(Reason.INVALID_FIELD, "date_naissance", "plus de 120 ans")
        ]
    return []


def _rule_under_6(birth_date: date, received_at: datetime) -> list[Issue]:
    if 0 <= age_on(birth_date, received_at.date()) < CHILD_MIN_AGE:
        return [Issue(Reason.CHILD_UNDER_6)]
    return []


def _rule_child_exams(
    birth_date: date, received_at: datetime, exams: tuple[Exam, ...]
) -> list[Issue]:
    age = age_on(birth_date, received_at.date())
    uncovered = [e.label for e in exams if not e.for_children]
    if CHILD_MIN_AGE <= age < ADULT_AGE and uncovered:
        return [
            Issue(
                Reason.EXAM_NOT_COVERED_FOR_CHILD, detail=", ".join(uncovered)
            )
        ]
    return []


def _rule_mobility(
    reduced_mobility: bool, medical_transport: bool
) -> list[Issue]:
    if reduced_mobility and not medical_transport:
        return [Issue(Reason.MOBILITY_WITHOUT_TRANSPORT)]
    return []


SCHEME_RULES: Final[
    tuple[tuple[Callable[..., list[Issue]], tuple[str, ...]], ...]
] = (
    (_rule_consent, ("consent",)),
    (_rule_emergency, ("suspected_emergency",)),
    (_rule_urgency, ("desired_delay",)),
    (_rule_birth_date, ("birth_date", "received_at")),
    (_rule_under_6, ("birth_date", "received_at")),
    (_rule_child_exams, ("birth_date", "received_at", "exams")),
    (_rule_mobility, ("reduced_mobility", "medical_transport")),
)
"""The scheme's rules, in the order their reasons are reported.

Each entry is a pure function and the referral fields it reads, passed
positionally. A rule runs whenever all its fields are known, including on a
row rejected for other reasons. The child rules use the age on the day the
referral was received; the optimizer then checks the age on the exam date.
"""


def scheme_issues(values: Mapping[str, Any]) -> list[Issue]:
    """Apply every rule of :data:`SCHEME_RULES` that ``values`` allows."""
    issues: list[Issue] = []
    for rule, inputs in SCHEME_RULES:
        if all(name in values for name in inputs):
            issues.extend(rule(*(values[name] for name in inputs)))
    return issues


# --------------------------------------------------------------------------
# Checking rows and sheets

Record = TypeVar("Record", bound=BaseModel)


@dataclass(frozen=True)
class Rejection:
    """A rejected row: its sheet row number, its id as read, every reason."""

    row: int
    record_id: str
    issues: tuple[Issue, ...]


@dataclass(frozen=True)
class Notice:
    """A warning that rejects nothing (row ``None``: the whole sheet)."""

    row: int | None
    record_id: str
    text: str


@dataclass
class Intake(Generic[Record]):
    """What a sheet gives: accepted records, rejected rows, warnings.

    Attributes
    ----------
    accepted
        Valid records, in sheet order.
    rows
        Sheet row number of each accepted record, by id.
    rejections, notices
        Rejected rows and warnings, in sheet order.
    """

    accepted: list[Record] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    def reason_counts(self) -> dict[Reason, int]:
        """How many rejected rows carry each reason."""
        counts: dict[Reason, int] = {}
        for rejection in self.rejections:
            for reason in dict.fromkeys(i.reason for i in rejection.issues):
                counts[reason] = counts.get(reason, 0) + 1
        return counts


@cache
def _adapters(model: type[BaseModel]) -> dict[str, TypeAdapter[Any]]:
    """Per-field validators of a model, so that each field fails alone."""
    config = ConfigDict(hide_input_in_errors=True)
    return {
        name: TypeAdapter(info.rebuild_annotation(), config=config)
        for name, info in model.model_fields.items()
    }


def _field_issues(
    column: Column, error: ValidationError, exclusions: bool
) -> list[Issue]:
    """Issues of one field; exam labels are scheme exclusions only where
    the scheme's rules apply (a slot offering an unknown exam is merely
    invalid)."""
    issues = []
    for detail in error.errors():
        ctx = detail.get("ctx") or {}
        if detail["type"] != "exam_labels" or not exclusions:
            message = {
                "cell": detail["msg"],
                "exam_labels": f"examen non couvert : {detail['msg']}",
            }.get(detail["type"], "valeur invalide")
            issues.append(Issue(Reason.INVALID_FIELD, column.french, message))
            continue
        if ctx["complex"]:
            issues.append(
                Issue(
                    Reason.COMPLEX_IMAGING,
                    column.french,
                    ", ".join(ctx["complex"]),
                )
            )
        if ctx["unknown"]:
            issues.append(
                Issue(
                    Reason.UNKNOWN_EXAM,
                    column.french,
                    ", ".join(ctx["unknown"]),
                )
            )
    return issues


def check_row(
    model: type[Record],
    columns: Sequence[Column],
    raw: Mapping[str, str],
    rules: Callable[[Mapping[str, Any]], list[Issue]] | None = None,
) -> tuple[Record | None, list[Issue], list[str]]:
    """Validate one row of text cells into ``model``.

    Blank or absent cells take the field's default, or are missing when the
    field is required. ``rules`` then check the fields that parsed (the
    scheme's rules, for referrals). Returns the record (``None`` when
    rejected), the reasons and the warnings.
    """
    adapters = _adapters(model)
    values: dict[str, Any] = {}
    issues: list[Issue] = []
    warnings: list[str] = []
    for column in columns:
        text = (raw.get(column.field) or "").strip()
        if not text:
            info = model.model_fields[column.field]
            if info.is_required():
                issues.append(Issue(Reason.MISSING_FIELD, column.french))
            else:
                values[column.field] = info.get_default()
            continue
        try:
            values[column.field] = adapters[column.field].validate_python(text)
        except ValidationError as error:
            found = _field_issues(column, error, rules is not None)
            if column.soft:
                warnings.extend(
                    f"{column.french} ignoré : {i.detail}" for i in found
                )
            else:
                issues.extend(found)
    if rules is not None:
        issues.extend(rules(values))
    if issues:
        return None, issues, warnings
    return model.model_validate(values), issues, warnings


def check_referral(
    raw: Mapping[str, str],
) -> tuple[Referral | None, list[Issue], list[str]]:
    """Check one referral row for completeness and the scheme's rules.

    Returns the referral (``None`` if rejected), the reasons, the warnings.
    """
    return check_row(Referral, REFERRAL_COLUMNS, raw, scheme_issues)


def patient_key(referral: Referral) -> tuple[str, str, date]:
    """Who the patient is, for duplicates: birth name and first name
    without case or accents, and birth date."""

    def fold(text: str) -> str:
        return " ".join(strip_accents(text).casefold().split())

    return (
        fold(referral.birth_name),
        fold(referral.first_name),
        referral.birth_date,
    )


def check_referral_rows(
    rows: Iterable[tuple[int, Mapping[str, str]]],
) -> Intake[Referral]:
    """Check a sheet of referral rows, in order.

    Besides each row's own checks, a row is a duplicate when its id was
    already seen, or when the same patient already asked, in an accepted
    earlier row, for one of the same exams (the later row is rejected and
    names the earlier referral).
    """
    intake: Intake[Referral] = Intake()
    seen_ids: dict[str, int] = {}
    by_patient: dict[tuple[str, str, date], list[Referral]] = {}
    for row, raw in rows:
        referral, issues, warnings = check_referral(raw)
        record_id = _clean_text(raw.get("referral_id") or "")
        if record_id in seen_ids:
            issues.append(
                Issue(
                    Reason.DUPLICATE_REFERRAL,
                    "id_demande",
                    f"identifiant déjà vu ligne {seen_ids[record_id]}",
                )
            )
        elif referral is not None:
            issues.extend(
                Issue(
                    Reason.DUPLICATE_REFERRAL,
                    detail=(
                        "même patient et même examen que la demande "
                        f"{earlier.referral_id}"
                    ),
                )
                for earlier in by_patient.get(patient_key(referral), ())[:1]
                if set(earlier.exams) & set(referral.exams)
            )
        if record_id:
            seen_ids.setdefault(record_id, row)
        intake.notices.extend(Notice(row, record_id, w) for w in warnings)
        if referral is None or issues:
            intake.rejections.append(Rejection(row, record_id, tuple(issues)))
            continue
        intake.accepted.append(referral)
        intake.rows[referral.referral_id] = row
        by_patient.setdefault(patient_key(referral), []).append(referral)
    return intake


def check_slot_rows(
    rows: Iterable[tuple[int, Mapping[str, str]]],
) -> Intake[Slot]:
    """Check a sheet of slot rows: each row, unique ids, and one group per
    centre (a later row that puts a centre in another group is rejected)."""
    intake: Intake[Slot] = Intake()
    seen_ids: dict[str, int] = {}
    group_of: dict[str, Group] = {}
    for row, raw in rows:
        slot, issues, _ = check_row(Slot, SLOT_COLUMNS, raw)
        record_id = _clean_text(raw.get("slot_id") or "")
        if record_id in seen_ids:
            issues.append(
                Issue(
                    Reason.DUPLICATE_SLOT,
                    "id_creneau",
                    f"identifiant déjà vu ligne {seen_ids[record_id]}",
                )
            )
        elif (
            slot is not None
            and group_of.setdefault(slot.center, slot.group) != slot.group
        ):
            issues.append(
                Issue(
                    Reason.INVALID_FIELD,
                    "groupe",
                    f"le centre {slot.center} est déjà dans le groupe "
                    f"{group_of[slot.center]}",
                )
            )
        if record_id:
            seen_ids.setdefault(record_id, row)
        if slot is None or issues:
            intake.rejections.append(Rejection(row, record_id, tuple(issues)))
            continue
        intake.accepted.append(slot)
        intake.rows[slot.slot_id] = row
    return intake


def preference_notices(
    referrals: Intake[Referral], slots: Iterable[Slot]
) -> list[Notice]:
    """Warn about preferred centres that no slot belongs to."""
    known = {s.center for s in slots} | {s.group.value for s in slots}
    return [
        Notice(
            referrals.rows[r.referral_id],
            r.referral_id,
            f"centre préféré {r.preferred_center} inconnu des créneaux : "
            "préférence ignorée",
        )
        for r in referrals.accepted
        if r.preferred_center and r.preferred_center not in known
    ]
