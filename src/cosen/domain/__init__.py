"""The scheme's vocabulary: exams, reasons, referrals, slots, rules, intake.

Cell text becomes typed values in :mod:`cosen.parsing` (French formats).

- :mod:`~cosen.domain.exams`: exams covered, groups of centres;
- :mod:`~cosen.domain.reasons`: reason codes and their French sentences;
- :mod:`~cosen.domain.fields`: the field types records are made of;
- :mod:`~cosen.domain.models`: :class:`Referral` and :class:`Slot`;
- :mod:`~cosen.domain.columns`: spreadsheet columns and their names;
- :mod:`~cosen.domain.rules`: eligibility and the duplicate-patient rule;
- :mod:`~cosen.domain.intake`: checking rows and whole sheets;
- :mod:`~cosen.domain.centres`: the centre directory;
- :mod:`~cosen.domain.preparations`: what patients do before each exam.
"""

from cosen.domain.centres import (
    CENTRE_COLUMNS,
    Centre,
    Directory,
    check_centre_rows,
    directory_notices,
)
from cosen.domain.columns import REFERRAL_COLUMNS, SLOT_COLUMNS, Column
from cosen.domain.exams import (
    Exam,
    ExamLabelError,
    Group,
    exam_from_label,
    is_complex_label,
    parse_exams,
)
from cosen.domain.fields import Identifier, from_text
from cosen.domain.intake import (
    Intake,
    Notice,
    Rejection,
    RowCells,
    check_referral,
    check_referral_rows,
    check_row,
    check_slot_rows,
    preference_notices,
)
from cosen.domain.models import Referral, Slot
from cosen.domain.preparations import (
    ALWAYS_BRING,
    DEFAULT_PREPARATIONS,
    PREPARATION_COLUMNS,
    TO_VALIDATE,
    Preparation,
    Preparations,
    check_preparation_rows,
    preparation_notices,
)
from cosen.domain.reasons import Issue, Reason, count_reasons
from cosen.domain.rules import (
    ADULT_AGE,
    CHILD_MIN_AGE,
    PROMISE_HOURS,
    SCHEME_RULES,
    PatientRegister,
    patient_key,
    scheme_issues,
)

__all__ = [
    "ADULT_AGE",
    "ALWAYS_BRING",
    "CENTRE_COLUMNS",
    "CHILD_MIN_AGE",
    "DEFAULT_PREPARATIONS",
    "PREPARATION_COLUMNS",
    "PROMISE_HOURS",
    "REFERRAL_COLUMNS",
    "SCHEME_RULES",
    "SLOT_COLUMNS",
    "TO_VALIDATE",
    "Centre",
    "Column",
    "Directory",
    "Exam",
    "ExamLabelError",
    "Group",
    "Identifier",
    "Intake",
    "Issue",
    "Notice",
    "PatientRegister",
    "Preparation",
    "Preparations",
    "Reason",
    "Referral",
    "Rejection",
    "RowCells",
    "Slot",
    "check_centre_rows",
    "check_preparation_rows",
    "check_referral",
    "check_referral_rows",
    "check_row",
    "check_slot_rows",
    "count_reasons",
    "directory_notices",
    "exam_from_label",
    "from_text",
    "is_complex_label",
    "parse_exams",
    "patient_key",
    "preference_notices",
    "preparation_notices",
    "scheme_issues",
]
