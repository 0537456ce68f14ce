"""Checking rows and sheets: every good row goes on, every bad one is
rejected with its sheet row number and all of its reasons.

:func:`check_row` validates one row of text cells into any model, field by
field, so that each field fails alone; :func:`check_referral_rows` and
:func:`check_slot_rows` add what needs the whole sheet (repeated ids,
duplicate patients, a centre's group).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from cosen.domain.columns import REFERRAL_COLUMNS, SLOT_COLUMNS, Column
from cosen.domain.exams import Group
from cosen.domain.fields import clean_text
from cosen.domain.models import Referral, Slot
from cosen.domain.reasons import Issue, Reason, count_reasons
from cosen.domain.rules import PatientRegister, scheme_issues

__all__ = [
    "Intake",
    "Notice",
    "Rejection",
    "RowCells",
    "check_referral",
    "check_referral_rows",
    "check_row",
    "check_slot_rows",
    "preference_notices",
]


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
        return count_reasons(
            (i.reason for i in rejection.issues)
            for rejection in self.rejections
        )


class RowCells(dict[str, str]):
    """A row's cell texts by field, and the fields whose cell could not be
    read (field -> French reason: too long, not in the file's encoding).

    An unreadable cell is invalid (a warning for a soft column), never
    guessed from the text that could be decoded.
    """

    def __init__(
        self,
        cells: Mapping[str, str] = {},
        unreadable: Mapping[str, str] = {},
    ) -> None:
        super().__init__(cells)
        self.unreadable = dict(unreadable)


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
    field is required; unreadable cells (:class:`RowCells`) are invalid.
    ``rules`` then check the fields that parsed (the scheme's rules, for
    referrals). Returns the record (``None`` when rejected), the reasons
    and the warnings.
    """
    unreadable = raw.unreadable if isinstance(raw, RowCells) else {}
    if not unreadable:
        record = _whole_row(model, columns, raw)
        if record is not None:
            issues = rules(record.__dict__) if rules is not None else []
            return (None if issues else record), issues, []
    return _field_by_field(model, columns, raw, unreadable, rules)


def _whole_row(
    model: type[Record], columns: Sequence[Column], raw: Mapping[str, str]
) -> Record | None:
    """The record when every cell is valid, in one validation; ``None``
    when some cell is missing or invalid (then each field is checked alone
    to say which: the result is the same, this is only faster)."""
    texts: dict[str, str] = {}
    for column in columns:
        text = (raw.get(column.field) or "").strip()
        if text:
            texts[column.field] = text
        elif model.model_fields[column.field].is_required():
            return None
    try:
        return model.model_validate(texts)
    except ValidationError:
        return None


def _field_by_field(
    model: type[Record],
    columns: Sequence[Column],
    raw: Mapping[str, str],
    unreadable: Mapping[str, str],
    rules: Callable[[Mapping[str, Any]], list[Issue]] | None,
) -> tuple[Record | None, list[Issue], list[str]]:
    adapters = _adapters(model)
    values: dict[str, Any] = {}
    issues: list[Issue] = []
    warnings: list[str] = []
    for column in columns:
        text = (raw.get(column.field) or "").strip()
        if column.field in unreadable:
            found = [
                Issue(
                    Reason.INVALID_FIELD,
                    column.french,
                    unreadable[column.field],
                )
            ]
        elif not text:
            info = model.model_fields[column.field]
            if info.is_required():
                issues.append(Issue(Reason.MISSING_FIELD, column.french))
            else:
                values[column.field] = info.get_default()
            continue
        else:
            try:
                values[column.field] = adapters[column.field].validate_python(
                    text
                )
                continue
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
    patients = PatientRegister()
    for row, raw in rows:
        referral, issues, warnings = check_referral(raw)
        record_id = clean_text(raw.get("referral_id") or "")
        if record_id in seen_ids:
            issues.append(
                Issue(
                    Reason.DUPLICATE_REFERRAL,
                    "id_demande",
                    f"identifiant déjà vu ligne {seen_ids[record_id]}",
                )
            )
        elif referral is not None and (duplicate := patients.issue(referral)):
            issues.append(duplicate)
        if record_id:
            seen_ids.setdefault(record_id, row)
        intake.notices.extend(Notice(row, record_id, w) for w in warnings)
        if referral is None or issues:
            intake.rejections.append(Rejection(row, record_id, tuple(issues)))
            continue
        intake.accepted.append(referral)
        intake.rows[referral.referral_id] = row
        patients.add(referral)
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
        record_id = clean_text(raw.get("slot_id") or "")
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
