"""One allocation from files to files, as ``cosen allocate`` and the desk
run it: read the referrals, the slots and the directory, allocate, write
every party's files as one set (with their PDFs when asked)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cosen.allocation import Allocation, AllocationSettings, allocate
from cosen.domain import Directory, Intake, Preparations, Rejection
from cosen.errors import CosenError
from cosen.io.directory import read_directory
from cosen.io.exports import CALLS_FILE, CENTRES_FOLDER, add_exports
from cosen.io.outputs import output_set
from cosen.io.pdf import add_pdfs
from cosen.io.readers import read_referrals, read_slots

__all__ = ["FileAllocation", "allocate_files"]


@dataclass
class FileAllocation:
    """What an allocation from files did.

    Attributes
    ----------
    allocation
        Its bookings and unbooked referrals.
    rejections
        The referral file's rejected rows.
    received
        Rows of the referral file.
    rejected
        Rejected rows of the other sheets, by French name (créneaux,
        centres, consignes de préparation).
    warnings
        French warnings (directory, preparations, PDFs not written).
    paths
        Every file written.
    """

    allocation: Allocation
    rejections: list[Rejection]
    received: int
    rejected: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)


def allocate_files(
    referrals: Path,
    slots: Path,
    out: Path,
    settings: AllocationSettings,
    centres: Path | None = None,
    pdf: bool = False,
) -> FileAllocation:
    """Allocate the referrals of one file into the slots of another and
    write the results into ``out`` as one set.

    The directory and preparations come from ``centres`` (a file of their
    own), else from the slot workbook's sheets. With ``pdf``, the centre
    lists and the call list are also printed to PDF (a warning, not an
    error, where LibreOffice is missing).

    Raises
    ------
    CosenError
        When a file cannot be read or written.
    """
    referral_intake = read_referrals(referrals)
    slot_intake = read_slots(slots)
    centre_intake, preparation_intake = read_directory(
        centres or slots, centres is not None, slot_intake
    )
    allocation = allocate(
        referral_intake.accepted, slot_intake.accepted, settings
    )
    received = len(referral_intake.accepted) + len(referral_intake.rejections)
    result = FileAllocation(
        allocation,
        referral_intake.rejections,
        received,
        _rejected(
            ("créneaux", slot_intake),
            ("centres", centre_intake),
            ("consignes de préparation", preparation_intake),
        ),
        [
            n.text
            for n in (*centre_intake.notices, *preparation_intake.notices)
        ],
    )
    with output_set(out) as outputs:
        result.paths = add_exports(
            outputs, allocation, referral_intake.rejections, received,
            directory=Directory(centre_intake.accepted),
            preparations=Preparations(preparation_intake.accepted),
        )  # fmt: skip
        if pdf:
            names = [
                p.relative_to(out).as_posix()
                for p in result.paths
                if p.parent.name == CENTRES_FOLDER or p.name == CALLS_FILE
            ]
            try:
                result.paths += add_pdfs(outputs, names)
            except CosenError as error:
                result.warnings.append(f"PDF non écrits : {error}")
    return result


def _rejected(*intakes: tuple[str, Intake[Any]]) -> dict[str, int]:
    return {
        name: len(intake.rejections)
        for name, intake in intakes
        if intake.rejections
    }
