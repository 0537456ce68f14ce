"""The centre directory: who patients and prescribers are sent to.

A slot names its centre by code (``MIM-1``); the directory (the contract's
``Centres`` sheet, in the slot workbook or a file of its own) gives the
name, address and phone that centre lists, the call list and every notice
show. A slot whose centre is missing from the directory is still used: it
is shown by its code, with a warning (:func:`directory_notices`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from typing import Final

from pydantic import BaseModel, ConfigDict

from cosen.domain.columns import Column
from cosen.domain.fields import (
    Code,
    Email,
    GroupName,
    Phone,
    Postcode,
    Text,
    clean_text,
)
from cosen.domain.intake import Intake, Notice, Rejection, check_row
from cosen.domain.models import Slot
from cosen.domain.reasons import Issue, Reason
from cosen.parsing import national_phone

__all__ = [
    "CENTRE_COLUMNS",
    "Centre",
    "Directory",
    "check_centre_rows",
    "directory_notices",
]


class Centre(BaseModel):
    """An imaging centre as patients and prescribers read it."""

    model_config = ConfigDict(
        frozen=True, hide_input_in_errors=True, extra="forbid"
    )

    center: Code
    name: Text
    group: GroupName
    address: Text
    postcode: Postcode
    city: Text
    phone: Phone
    email: Email | None = None
    access: Text | None = None

    @property
    def place(self) -> str:
        """Street address and town on one line."""
        return f"{self.address}, {self.postcode} {self.city}"

    @cached_property
    def phone_text(self) -> str:
        """The phone number as people write it (``03 88 …``)."""
        return national_phone(self.phone)


CENTRE_COLUMNS: Final = (
    Column("center", "centre", "center",
           "Code du centre, comme dans les créneaux (ex. MIM-1)"),
    Column("name", "nom", "name",
           "Nom du centre, tel que le lisent patients et prescripteurs"),
    Column("group", "groupe", "group", "Groupe : MIM ou SIMSE"),
    Column("address", "adresse", "address", "Adresse (numéro et voie)"),
    Column("postcode", "code_postal", "postcode",
           "Code postal à 5 chiffres (colonne au format texte)"),
    Column("city", "ville", "city", "Commune"),
    Column("phone", "telephone", "phone", "Téléphone du centre"),
    Column("email", "email", "email", "Adresse e-mail (facultatif)",
           soft=True),
    Column("access", "acces", "access",
           "Accès en une phrase : entrée, stationnement, accessibilité "
           "(facultatif)"),
)  # fmt: skip


class Directory(Mapping[str, Centre]):
    """Centres by code; a code it lacks is shown as the code itself.

    Parameters
    ----------
    centres
        The directory's centres (each code once).

    Raises
    ------
    ValueError
        When a code appears twice.
    """

    def __init__(self, centres: Iterable[Centre] = ()) -> None:
        self._centres: dict[str, Centre] = {}
        for centre in centres:
            if centre.center in self._centres:
                raise ValueError(f"centre {centre.center} listed twice")
            self._centres[centre.center] = centre

    def __getitem__(self, code: str) -> Centre:
        return self._centres[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._centres)

    def __len__(self) -> int:
        return len(self._centres)

    def name(self, code: str) -> str:
        """The centre's name, or its code when unknown."""
        centre = self._centres.get(code)
        return centre.name if centre else code

    def label(self, code: str) -> str:
        """Name and code (``Centre des Tilleuls (MIM-1)``), or the code."""
        centre = self._centres.get(code)
        return f"{centre.name} ({code})" if centre else code

    def card(self, code: str) -> list[str]:
        """The centre as a visiting card: name, address, phone, access."""
        centre = self._centres.get(code)
        if centre is None:
            return [f"{code} (centre absent de l'annuaire)"]
        lines = [centre.name, centre.place, f"tél. {centre.phone_text}"]
        if centre.access:
            access = centre.access
            if not access.casefold().startswith("accès"):
                access = f"accès : {access}"
            lines.append(access)
        return lines


def check_centre_rows(
    rows: Iterable[tuple[int, Mapping[str, str]]],
) -> Intake[Centre]:
    """Check a sheet of centre rows: each row, and each code once (a later
    row repeating a code is rejected and names the first)."""
    intake: Intake[Centre] = Intake()
    seen: dict[str, int] = {}
    for row, raw in rows:
        centre, issues, warnings = check_row(Centre, CENTRE_COLUMNS, raw)
        record_id = clean_text(raw.get("center") or "")
        if centre is not None and centre.center in seen:
            issues.append(
                Issue(
                    Reason.INVALID_FIELD,
                    "centre",
                    f"centre déjà décrit ligne {seen[centre.center]}",
                )
            )
        intake.notices.extend(Notice(row, record_id, w) for w in warnings)
        if centre is None or issues:
            intake.rejections.append(Rejection(row, record_id, tuple(issues)))
            continue
        seen[centre.center] = row
        intake.accepted.append(centre)
        intake.rows[centre.center] = row
    return intake


def directory_notices(
    directory: Directory, slots: Sequence[Slot]
) -> list[Notice]:
    """Warnings about the slots' centres: missing from the directory (shown
    by their code) or in another group there."""
    used: dict[str, Slot] = {}
    for slot in slots:
        used.setdefault(slot.center, slot)
    if not used:
        return []
    if not directory:
        return [
            Notice(
                None,
                "",
                "aucun annuaire des centres (feuille Centres) : centres "
                "désignés par leur code sur les listes et les avis",
            )
        ]
    notices = []
    for code, slot in sorted(used.items()):
        centre = directory.get(code)
        if centre is None:
            notices.append(
                Notice(
                    None,
                    code,
                    f"centre {code} absent de l'annuaire : désigné par son "
                    "code sur les listes et les avis",
                )
            )
        elif centre.group != slot.group:
            notices.append(
                Notice(
                    None,
                    code,
                    f"centre {code} : groupe {centre.group} dans l'annuaire "
                    f"mais {slot.group} dans les créneaux",
                )
            )
    return notices
