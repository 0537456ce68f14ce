"""The words sent about an appointment: to the prescriber, to the patient.

- The prescriber is told by secure email (health messaging: the message
  names the patient, the exam, the centre with its address, the date and
  time), by SMS (date, time, centre and reference only: an SMS can be read
  by anyone) or by phone (the number to call, and what to say: no name or
  exam, a voicemail can be heard by anyone).
- The patient gets a confirmation text, SMS-length, with no health
  information: date, time, centre and how to reach it, reference. A
  landline gets the same words by phone.

A rebooking's notices say which appointment they replace (``replaces``),
and :func:`cancellation_messages` says which one is cancelled. These are
library functions: the command line writes them to ``notifications.csv``,
the ledger will put them in its outbox.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Final

from cosen.allocation import Booked
from cosen.clock import PARIS
from cosen.domain import Directory, Exam, Referral, Slot
from cosen.io.wording import (
    clock_time,
    is_mobile,
    long_date,
    numeric_date,
    patient_name,
    phone_text,
    short_date,
)
from cosen.optimizer import visit_exams as optimizer_visit_exams

__all__ = [
    "MESSAGE_HEADER",
    "SMS_MAX_CHARS",
    "Audience",
    "Channel",
    "Message",
    "booking_messages",
    "cancellation_messages",
    "exam_labels",
    "reminder_messages",
    "sms_length",
    "sms_text",
    "transport_note",
    "visit_exams",
    "visit_summary",
]

SMS_MAX_CHARS: Final = 160


class Channel(enum.StrEnum):
    """How a message goes (the French word users read)."""

    EMAIL = "messagerie"
    SMS = "sms"
    PHONE = "téléphone"


class Audience(enum.StrEnum):
    """Who a message is for."""

    PRESCRIBER = "prescripteur"
    PATIENT = "patient"


MESSAGE_HEADER: Final = (
    "Demande", "Pour", "Nom", "Canal", "Coordonnées", "Objet", "Message",
    "Remarque",
)  # fmt: skip


@dataclass(frozen=True)
class Message:
    """One message to send.

    Attributes
    ----------
    referral_id
        The referral it is about.
    audience
        Prescriber or patient.
    name
        The prescriber's name (empty for the patient).
    channel
        Secure email, SMS or phone.
    recipient
        Email address or phone number (as people write it); empty when
        the referral gives none.
    subject
        The email's subject (empty for SMS and phone).
    text
        What to send or say.
    note
        For the telesecretariat, not sent (a number to find...).
    """

    referral_id: str
    audience: Audience
    name: str
    channel: Channel
    recipient: str
    subject: str
    text: str
    note: str = ""

    def cells(self) -> tuple[str, ...]:
        """The message as a row under :data:`MESSAGE_HEADER`."""
        return (
            self.referral_id,
            self.audience.value,
            self.name,
            self.channel.value,
            self.recipient,
            self.subject,
            self.text,
            self.note,
        )


def exam_labels(exams: Sequence[Exam]) -> str:
    """``Mammographie + Échographie mammaire``."""
    return " + ".join(exam.label for exam in exams)


def transport_note(booked: Booked) -> str:
    """For reduced mobility: the medical transport to book, and when."""
    if not booked.referral.reduced_mobility:
        return ""
    start = booked.start.astimezone(PARIS)
    return (
        f"transport médicalisé à réserver pour le {short_date(start)} à "
        f"{start:%H:%M}"
    )


def booking_messages(
    booked: Booked, directory: Directory, replaces: Booked | None = None
) -> list[Message]:
    """The prescriber's notice and the patient's confirmation of a booked
    visit; ``replaces`` is the appointment it replaces, if any."""
    return [
        _prescriber(booked, directory, replaces, cancelled=False),
        _patient(booked, directory, replaces, cancelled=False),
    ]


def reminder_messages(booked: Booked, directory: Directory) -> list[Message]:
    """The patient's reminder of a booked visit, the working day before:
    an SMS to a mobile, else an email where the patient gave one, else
    none (a landline gets the confirmation call). No health information:
    date, time, centre and how to reach it, reference."""
    referral = booked.referral
    when = _When.of(booked, directory)
    reference = referral.referral_id
    phone, street = _reach(when, directory)
    if is_mobile(referral.phone):
        text = _shortest_fit(
            [
                f"COSEN : rappel de votre RDV le {when.long_day} à "
                f"{when.hour}, {when.name}{street}.{phone} Réf. {reference}",
                f"COSEN : rappel de votre RDV le {when.day} à {when.hour}, "
                f"{when.name}.{phone} Réf. {reference}",
                f"COSEN : rappel RDV {when.day} à {when.hour}, {when.code}. "
                f"Réf. {reference}",
            ]
        )
        return [
            Message(
                reference,
                Audience.PATIENT,
                "",
                Channel.SMS,
                phone_text(referral.phone),
                "",
                text,
            )
        ]
    if not referral.email:
        return []
    body = "\n".join(
        [
            "Bonjour,",
            "",
            f"Nous vous rappelons votre rendez-vous d'imagerie le "
            f"{when.long_day} à {when.hour}, au centre :",
            *(f"  {line}" for line in when.card),
            "",
            "Si vous ne pouvez pas venir, prévenez le centre au plus tôt.",
            "",
            f"Le télésecrétariat COSEN (référence {reference})",
        ]
    )
    return [
        Message(
            reference,
            Audience.PATIENT,
            "",
            Channel.EMAIL,
            referral.email,
            f"COSEN : rappel de votre rendez-vous du {when.day} à {when.hour}",
            body,
        )
    ]


def cancellation_messages(
    booked: Booked, directory: Directory
) -> list[Message]:
    """The prescriber's and the patient's notices that the appointment
    ``booked`` is cancelled."""
    return [
        _prescriber(booked, directory, None, cancelled=True),
        _patient(booked, directory, None, cancelled=True),
    ]


# --------------------------------------------------------------------------
# SMS characters

# The GSM 03.38 alphabet: an SMS of these characters holds 160 of them;
# one other character (ç, ê, ô, œ...) cuts it to 70.
_GSM: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED: Final = frozenset("^{}\\[~]|€")
_GSM_SUBSTITUTES: Final = {
    "\u2019": "'", "\u2018": "'", "«": '"', "»": '"', "\u201c": '"',
    "\u201d": '"', "—": "-", "\u2013": "-", "…": "...", "\u00a0": " ",
    "\u202f": " ",
    "œ": "oe", "Œ": "OE", "ç": "c",
}  # fmt: skip


@cache
def _sms_char(char: str) -> str:
    if char in _GSM or char in _GSM_EXTENDED:
        return char
    if char in _GSM_SUBSTITUTES:
        return _GSM_SUBSTITUTES[char]
    plain = unicodedata.normalize("NFKD", char)
    return "".join(c for c in plain if c in _GSM) or "?"


def sms_text(text: str) -> str:
    """``text`` in the SMS alphabet: accents the alphabet lacks are dropped
    (``ô`` becomes ``o``), typographic signs become plain ones."""
    return "".join(map(_sms_char, text))


def sms_length(text: str) -> int:
    """Characters an SMS counts (the extended ones count twice)."""
    return sum(2 if c in _GSM_EXTENDED else 1 for c in text)


def _shortest_fit(variants: Sequence[str]) -> str:
    """The first variant that fits one SMS, else the last (the shortest:
    an id and a centre code at their longest fit)."""
    for variant in variants:
        text = sms_text(variant)
        if sms_length(text) <= SMS_MAX_CHARS:
            break
    return text


# --------------------------------------------------------------------------
# The words


@dataclass(frozen=True)
class _When:
    """Date, time and place of an appointment, in the words used."""

    day: str  # 27/11/2026
    long_day: str  # vendredi 27 novembre 2026
    short_day: str  # 27/11
    hour: str  # 14h30
    code: str
    name: str
    label: str  # name (code)
    city: str
    card: list[str]
    known: bool  # in the directory

    @classmethod
    def of(cls, booked: Booked, directory: Directory) -> _When:
        start = booked.start
        code = booked.slots[0].center
        centre = directory.get(code)
        return cls(
            numeric_date(start),
            long_date(start),
            short_date(start),
            clock_time(start),
            code,
            directory.name(code),
            directory.label(code),
            centre.city if centre else "",
            directory.card(code),
            centre is not None,
        )


def _reach(when: _When, directory: Directory) -> tuple[str, str]:
    """How a patient's text gives the centre: its phone (`` Tél. …``)
    and street (``, 12 rue…``), empty when the directory lacks it."""
    centre = directory.get(when.code)
    if centre is None:
        return "", ""
    return f" Tél. {centre.phone_text}.", f", {centre.place}"


def _contact(referral: Referral) -> tuple[Channel, str]:
    """How to reach a prescriber; contacts were validated at intake (an
    email address, or a phone number in E.164 form)."""
    contact = referral.prescriber_contact
    if not contact:
        return Channel.PHONE, ""
    if "@" in contact:
        return Channel.EMAIL, contact
    channel = Channel.SMS if is_mobile(contact) else Channel.PHONE
    return channel, phone_text(contact)


def visit_exams(booked: Booked) -> list[tuple[Slot, tuple[Exam, ...]]]:
    """A visit's slots in order, each with the exams done in it, as the
    optimizer shares them out (:func:`cosen.optimizer.visit_exams`: a slot
    may do any part of the exams left, so that each later slot still has
    one to do)."""
    asked = booked.referral.exams
    shares = optimizer_visit_exams(asked, [s.exams for s in booked.slots])
    if shares is None:  # never for a booking: the optimizer checked it
        raise ValueError(f"{booked.referral.referral_id}: not one trip")
    return [
        (slot, tuple(e for e in asked if e in share))
        for slot, share in zip(booked.slots, shares, strict=True)
    ]


def visit_summary(booked: Booked) -> str:
    """For a visit of several slots, each exam's time in one trip
    (``Un seul déplacement : Mammographie à 9h00, puis ...``); empty for a
    visit of one slot."""
    if len(booked.slots) < 2:
        return ""
    parts = [
        f"{exam_labels(exams)} à {clock_time(slot.start)}"
        for slot, exams in visit_exams(booked)
    ]
    return "Un seul déplacement : " + ", puis ".join(parts) + "."


def _prescriber(
    booked: Booked,
    directory: Directory,
    replaces: Booked | None,
    cancelled: bool,
) -> Message:
    referral = booked.referral
    channel, recipient = _contact(referral)
    when = _When.of(booked, directory)
    before = _When.of(replaces, directory) if replaces else None
    reference = referral.referral_id
    asked = numeric_date(referral.received_at)
    note = ""
    subject = ""
    if channel is Channel.EMAIL:
        subject, text = _prescriber_email(booked, when, before, cancelled)
    elif channel is Channel.SMS:
        text = _prescriber_sms(reference, asked, when, before, cancelled)
    else:
        text = _prescriber_call(reference, asked, when, before, cancelled)
        note = (
            "Aucun contact du prescripteur dans la demande : numéro du "
            "cabinet à rechercher. "
            if not recipient
            else ""
        ) + (
            "Nommer le patient seulement à un interlocuteur du cabinet, "
            "jamais sur un répondeur."
        )
    return Message(
        reference,
        Audience.PRESCRIBER,
        referral.prescriber,
        channel,
        recipient,
        subject,
        text,
        note,
    )


def _prescriber_email(
    booked: Booked, when: _When, before: _When | None, cancelled: bool
) -> tuple[str, str]:
    referral = booked.referral
    patient = patient_name(referral)
    born = f"né(e) le {numeric_date(referral.birth_date)}"
    exams = exam_labels(referral.exams)
    if cancelled:
        subject = (
            f"COSEN : rendez-vous d'imagerie de {patient} du {when.day} annulé"
        )
        body = [
            "Bonjour,",
            "",
            f"Le rendez-vous d'imagerie de votre patient(e) {patient}, "
            f"{born} ({exams}), prévu le {when.long_day} à {when.hour} "
            f"au centre {when.label}, est annulé.",
        ]
    else:
        moved = " déplacé" if before else ""
        subject = (
            f"COSEN : rendez-vous d'imagerie{moved} de {patient} le "
            f"{when.day} à {when.hour}"
        )
        body = [
            "Bonjour,",
            "",
            "Le rendez-vous d'imagerie demandé le "
            f"{numeric_date(referral.received_at)} pour votre patient(e) "
            f"{patient}, {born}, est fixé :",
            f"- examen : {exams} ;",
            f"- le {when.long_day} à {when.hour} ;",
            f"- au centre {when.label}" + (" :" if when.known else "."),
            *(f"  {line}" for line in when.card[1:] if when.known),
        ]
        if len(booked.slots) > 1:
            body.append(visit_summary(booked))
        if referral.reduced_mobility:
            body.append(f"Mobilité réduite : {transport_note(booked)}.")
        if before is not None:
            body.append(
                f"Ce rendez-vous remplace celui du {before.long_day} à "
                f"{before.hour} au centre {before.label}."
            )
        body += [
            "",
            "Le compte rendu du radiologue vous sera adressé par "
            "messagerie sécurisée.",
        ]
    body += ["", f"Le télésecrétariat COSEN (demande {referral.referral_id})"]
    return subject, "\n".join(body)


def _prescriber_sms(
    reference: str,
    asked: str,
    when: _When,
    before: _When | None,
    cancelled: bool,
) -> str:
    if cancelled:
        return _shortest_fit(
            [
                f"COSEN : le RDV d'imagerie de votre patient(e) du "
                f"{when.day} à {when.hour} ({when.name}) est annulé. "
                f"Réf. {reference}",
                f"COSEN : RDV imagerie du {when.day} {when.hour}, centre "
                f"{when.code}, annulé. Réf. {reference}",
                f"COSEN RDV {when.short_day} {when.hour} {when.code} annulé "
                f"réf. {reference}",
            ]
        )
    fixed = (
        f"déplacé au {when.day} à {when.hour}"
        if before
        else f"fixé le {when.day} à {when.hour}"
    )
    instead = (
        f" (au lieu du {before.short_day} à {before.hour})" if before else ""
    )
    city = f", {when.city}" if when.city else ""
    return _shortest_fit(
        [
            f"COSEN : RDV d'imagerie demandé le {asked[:5]} pour votre "
            f"patient(e) {fixed}{instead}, {when.name}{city}. "
            f"Réf. {reference}",
            f"COSEN : RDV d'imagerie de votre patient(e) {fixed}{instead}, "
            f"{when.name}. Réf. {reference}",
            f"COSEN : RDV imagerie {fixed}, centre {when.code}. "
            f"Réf. {reference}",
            f"COSEN RDV {when.short_day} {when.hour} {when.code} "
            f"réf. {reference}",
        ]
    )


def _prescriber_call(
    reference: str,
    asked: str,
    when: _When,
    before: _When | None,
    cancelled: bool,
) -> str:
    place = ", ".join(when.card[:3]) if when.known else f"centre {when.code}"
    if cancelled:
        return (
            "Bonjour, ici le télésecrétariat COSEN. Le rendez-vous "
            f"d'imagerie de votre patient(e) prévu le {when.long_day} à "
            f"{when.hour} au centre {when.name} est annulé. Référence "
            f"COSEN : {reference}."
        )
    instead = (
        f" Il remplace celui du {before.long_day} à {before.hour}."
        if before
        else ""
    )
    return (
        "Bonjour, ici le télésecrétariat COSEN. Le rendez-vous d'imagerie "
        f"demandé le {asked} pour votre patient(e) est fixé le "
        f"{when.long_day} à {when.hour} : {place}.{instead} Référence "
        f"COSEN : {reference}."
    )


def _patient(
    booked: Booked,
    directory: Directory,
    replaces: Booked | None,
    cancelled: bool,
) -> Message:
    referral = booked.referral
    when = _When.of(booked, directory)
    reference = referral.referral_id
    phone, street = _reach(when, directory)
    if cancelled:
        variants = [
            f"COSEN : votre RDV du {when.day} à {when.hour}, {when.name}, "
            f"est annulé.{phone} Réf. {reference}",
            f"COSEN : votre RDV du {when.day} à {when.hour} est annulé. "
            f"Réf. {reference}",
            f"COSEN RDV {when.short_day} {when.hour} annulé réf. {reference}",
        ]
    else:
        before = _When.of(replaces, directory) if replaces else None
        lead = (
            f"COSEN : votre RDV du {before.short_day} à {before.hour} est "
            "remplacé par : le"
            if before
            else "COSEN : votre RDV est fixé le"
        )
        variants = [
            f"{lead} {when.day} à {when.hour}, {when.name}{street}.{phone} "
            f"Réf. {reference}",
            f"{lead} {when.day} à {when.hour}, {when.name}"
            + (f", {when.city}" if when.city else "")
            + f".{phone} Réf. {reference}",
            f"{lead} {when.day} à {when.hour}, {when.name}. Réf. {reference}",
            f"COSEN RDV {when.short_day} {when.hour} {when.code} "
            f"réf. {reference}",
        ]
    mobile = is_mobile(referral.phone)
    text = _shortest_fit(variants)
    return Message(
        reference,
        Audience.PATIENT,
        "",
        Channel.SMS if mobile else Channel.PHONE,
        phone_text(referral.phone),
        "",
        text,
        "" if mobile else "Téléphone fixe : confirmer de vive voix.",
    )
