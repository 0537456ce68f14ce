"""The scheme's eligibility rules, and who counts as the same patient.

Eligibility is decided in one place, :data:`SCHEME_RULES`: small pure
functions, one per rule of ``RULES.md``, each declaring the fields it reads
so that a row missing some fields is still checked against every rule it
can be checked against, and the coordinator learns every reason at once.

The duplicate rule (the same patient asking again for an exam already
asked) is :class:`PatientRegister`, used alike by a sheet's intake and by
the ledger's import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Final

from cosen.clock import age_on
from cosen.domain.exams import Exam
from cosen.domain.identity import ins_issues
from cosen.domain.models import Referral
from cosen.domain.reasons import Issue, Reason
from cosen.parsing import strip_accents

__all__ = [
    "ADULT_AGE",
    "CHILD_MIN_AGE",
    "PROMISE_HOURS",
    "SCHEME_RULES",
    "PatientRegister",
    "patient_key",
    "scheme_issues",
]


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
    (ins_issues, ("ins_number", "sex", "birth_date")),
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
        try:
            arguments = [values[name] for name in inputs]
        except KeyError:
            continue  # a field the rule reads did not parse
        issues.extend(rule(*arguments))
    return issues


# --------------------------------------------------------------------------
# The same patient asking twice

PatientKey = tuple[str, str, date]


def patient_key(referral: Referral) -> PatientKey:
    """Who the patient is, for duplicates: birth name and first name
    without case or accents, and birth date."""
    return (
        _fold(referral.birth_name),
        _fold(referral.first_name),
        referral.birth_date,
    )


@lru_cache(maxsize=1 << 14)
def _fold(text: str) -> str:
    # Names repeat from row to row: folding is remembered.
    return " ".join(strip_accents(text).casefold().split())


def _identities(referral: Referral) -> list[object]:
    """The keys under which a patient is known: names and birth date, and
    the matricule INS when given."""
    keys: list[object] = [patient_key(referral)]
    if referral.ins_number:
        keys.append(("ins", referral.ins_number))
    return keys


class PatientRegister:
    """Referrals already asked for, by patient: the duplicate rule.

    A referral duplicates a registered one when the same patient
    (:func:`patient_key`, or the same matricule INS) asks for at least one
    of the same exams. Every registered referral of the patient is
    compared, not only the first: one asking RADIO, then SCANNER, then
    SCANNER again is a duplicate.

    Parameters
    ----------
    referrals
        Referrals already asked for (accepted earlier in the sheet, or
        still open in the ledger).
    where
        Where the registered referrals are, for the French detail
        (``"au registre"``); empty for an earlier row of the same sheet.
    """

    def __init__(self, referrals: Iterable[Referral] = (), where: str = ""):
        self._where = where
        self._by_patient: dict[object, list[Referral]] = {}
        for referral in referrals:
            self.add(referral)

    def add(self, referral: Referral) -> None:
        """Register an accepted referral."""
        for key in _identities(referral):
            self._by_patient.setdefault(key, []).append(referral)

    def twin(self, referral: Referral) -> Referral | None:
        """The first registered referral ``referral`` duplicates, if any:
        the same patient by name and birth date, or by matricule INS (the
        same matricule is the same patient, however the names are
        spelled)."""
        asked = set(referral.exams)
        return next(
            (
                other
                for key in _identities(referral)
                for other in self._by_patient.get(key, ())
                if asked & set(other.exams)
            ),
            None,
        )

    def issue(self, referral: Referral) -> Issue | None:
        """The DUPLICATE_REFERRAL issue of ``referral``, if it is one."""
        twin = self.twin(referral)
        if twin is None:
            return None
        where = f", {self._where}" if self._where else ""
        return Issue(
            Reason.DUPLICATE_REFERRAL,
            detail=(
                "même patient et même examen que la demande "
                f"{twin.referral_id}{where}"
            ),
        )
