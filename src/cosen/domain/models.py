"""The two records of the scheme: a referral and a reserved slot.

A record is complete and well formed by construction (pydantic, from text
or typed values); whether a referral is eligible is the scheme rules' call
(:mod:`cosen.domain.rules`), not the model's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pydantic import BaseModel, ConfigDict

from cosen.clock import after
from cosen.domain.fields import (
    BirthPlace,
    Code,
    Contact,
    Day,
    Email,
    GroupName,
    Hours,
    Identifier,
    InsNumber,
    LocalDateTime,
    Minutes,
    Phone,
    Postcode,
    ReferralExams,
    SexTrait,
    SlotExams,
    SlotState,
    SlotStatus,
    Text,
    Unavailabilities,
    YesNo,
)
from cosen.parsing import parse_phone

__all__ = ["Referral", "Slot"]

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
    unavailable: Unavailabilities = ()
    ins_number: InsNumber | None = None
    sex: SexTrait | None = None
    birth_first_names: Text | None = None
    birth_place: BirthPlace | None = None

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
    status: SlotState = SlotStatus.OPEN

    @property
    def withdrawn(self) -> bool:
        """Whether the centre withdrew the slot (``statut`` ``annule``)."""
        return self.status is SlotStatus.WITHDRAWN

    @property
    def end(self) -> datetime:
        """When the slot ends (elapsed time, safe across DST changes)."""
        return after(self.start, minutes=self.duration_min)
