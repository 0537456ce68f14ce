"""Notices to prescribers and patients: what each channel may say, in one
SMS, and what a rebooking or a cancellation says it replaces."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cosen.allocation import Booked
from cosen.clock import PARIS
from cosen.domain import (
    Directory,
    Exam,
    check_centre_rows,
    check_referral_rows,
    check_slot_rows,
)
from cosen.io.notices import (
    SMS_MAX_CHARS,
    Audience,
    Channel,
    booking_messages,
    cancellation_messages,
    sms_length,
    sms_text,
    transport_note,
)
from tests.factories import centre_row, referral_row, slot_row

LONGEST_NAME = "Centre hospitalier " + "Ô" * 180  # 200 characters


def booked(slot: dict[str, str] | None = None, **referral: str) -> Booked:
    referrals = check_referral_rows([(2, referral_row(**referral))])
    slots = check_slot_rows([(2, slot or slot_row())])
    (found,) = referrals.accepted
    return Booked(
        found,
        tuple(slots.accepted),
        datetime(2026, 11, 28, 9, 30, tzinfo=PARIS),
        0,
    )


def directory(**changes: str) -> Directory:
    centres = check_centre_rows([(2, centre_row(**changes))])
    assert not centres.rejections
    return Directory(centres.accepted)


def test_rebooking_says_what_it_replaces() -> None:
    earlier = booked(birth_name="Lœwenbrück")
    later = booked(
        slot_row(slot_id="S2", start="30/11/2026 08:15"),
        birth_name="Lœwenbrück",
    )
    email, sms = booking_messages(later, directory(), replaces=earlier)
    assert email.channel is Channel.EMAIL
    assert email.subject == (
        "COSEN : rendez-vous d'imagerie déplacé de LŒWENBRÜCK Zoé le "
        "30/11/2026 à 8h15"
    )
    assert (
        "Ce rendez-vous remplace celui du vendredi 27 novembre 2026 à 14h00 "
        "au centre Centre d'imagerie du Parc (MIM-1)."
    ) in email.text
    assert sms.audience is Audience.PATIENT and sms.channel is Channel.SMS
    # The street does not fit one SMS beside the old appointment.
    assert sms.text == (
        "COSEN : votre RDV du 27/11 à 14h00 est remplacé par : le 30/11/2026 "
        "à 8h15, Centre d'imagerie du Parc, Strasbourg. Tél. 03 53 48 10 01. "
        "Réf. D1"
    )


def test_rebooking_by_sms_to_the_prescriber() -> None:
    earlier = booked(prescriber_contact="06 45 12 78 90")
    later = booked(
        slot_row(slot_id="S2", start="30/11/2026 08:15"),
        prescriber_contact="06 45 12 78 90",
    )
    prescriber, _ = booking_messages(later, directory(), replaces=earlier)
    assert prescriber.text == (
        "COSEN : RDV d'imagerie de votre patient(e) déplacé au 30/11/2026 à "
        "8h15 (au lieu du 27/11 à 14h00), Centre d'imagerie du Parc. Réf. D1"
    )


def test_cancellation_says_which_appointment() -> None:
    email, sms = cancellation_messages(booked(), directory())
    assert email.subject == (
        "COSEN : rendez-vous d'imagerie de LŒWENBRÜCK Zoé du 27/11/2026 annulé"
    )
    assert email.text.startswith(
        "Bonjour,\n\nLe rendez-vous d'imagerie de votre patient(e) "
        "LŒWENBRÜCK Zoé, né(e) le 03/04/1970 (Radiographie), prévu le "
        "vendredi 27 novembre 2026 à 14h00 au centre Centre d'imagerie du "
        "Parc (MIM-1), est annulé."
    )
    assert sms.text == (
        "COSEN : votre RDV du 27/11/2026 à 14h00, Centre d'imagerie du Parc, "
        "est annulé. Tél. 03 53 48 10 01. Réf. D1"
    )


def test_the_phone_channel_gives_the_number_and_a_script() -> None:
    call, patient = booking_messages(
        booked(prescriber_contact="03 88 45 67 89", phone="03 88 11 22 33"),
        directory(),
    )
    assert (call.channel, call.recipient) == (Channel.PHONE, "03 88 45 67 89")
    assert call.note == (
        "Nommer le patient seulement à un interlocuteur du cabinet, jamais "
        "sur un répondeur."
    )
    assert "Radiographie" not in call.text and "Lœwen" not in call.text
    assert (patient.channel, patient.recipient) == (
        Channel.PHONE,
        "03 88 11 22 33",
    )
    assert patient.note == "Téléphone fixe : confirmer de vive voix."


def test_reduced_mobility_is_told_the_transport_to_book() -> None:
    visit = booked(reduced_mobility="oui", medical_transport="oui")
    assert transport_note(visit) == (
        "transport médicalisé à réserver pour le 27/11 à 14:00"
    )
    email, _ = booking_messages(visit, directory())
    assert (
        "Mobilité réduite : transport médicalisé à réserver pour le 27/11 à "
        "14:00."
    ) in email.text


def test_a_two_slot_visit_is_one_trip_in_the_email() -> None:
    referrals = check_referral_rows(
        [(2, referral_row(exams="MAMMO+ECHO_SEIN"))]
    )
    slots = check_slot_rows(
        [
            (2, slot_row(slot_id="M", exams="MAMMO")),
            (3, slot_row(slot_id="E", exams="ECHO_SEIN",
                         start="27/11/2026 14:20")),
        ]
    )  # fmt: skip
    visit = Booked(
        referrals.accepted[0],
        tuple(slots.accepted),
        datetime(2026, 11, 28, 9, 30, tzinfo=PARIS),
        0,
    )
    email, _ = booking_messages(visit, directory())
    assert "- examen : Mammographie + Échographie mammaire ;" in email.text
    assert (
        "Un seul déplacement : Mammographie à 14h00, puis Échographie "
        "mammaire à 14h20."
    ) in email.text


@pytest.mark.parametrize("contact", ["06 45 12 78 90", ""])
def test_the_longest_texts_still_fit_one_sms(contact: str) -> None:
    visit = booked(
        slot_row(center="M" * 32),
        referral_id="D" * 64,
        prescriber_contact=contact,
    )
    names = directory(center="M" * 32, name=LONGEST_NAME)
    for message in [
        *booking_messages(visit, names, replaces=visit),
        *cancellation_messages(visit, names),
    ]:
        if message.channel is Channel.SMS:
            assert sms_length(message.text) <= SMS_MAX_CHARS, message.text
            assert sms_text(message.text) == message.text
            assert "D" * 64 in message.text  # the reference is never cut


def test_sms_carry_no_health_information() -> None:
    slot = slot_row(exams="MAMMO")
    visit = booked(slot, exams="MAMMO", prescriber_contact="06 45 12 78 90")
    for message in booking_messages(visit, directory()):
        assert message.channel is Channel.SMS
        for word in ("Mammo", "mammo", "sein", "Lœwen", "LŒWEN", "1970"):
            assert word not in message.text


def test_sms_text_keeps_only_the_sms_alphabet() -> None:
    assert sms_text("Hôpital Sainte-Thérèse — «entrée» œil") == (
        'Hopital Sainte-Thérèse - "entrée" oeil'
    )
    assert sms_length("a€b") == 4


@given(st.text(max_size=80))
def test_sms_text_is_always_in_the_alphabet(text: str) -> None:
    once = sms_text(text)
    assert sms_text(once) == once
    assert all(
        c in "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;"
        "<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyz"
        "äöñüà^{}\\[~]|€"
        for c in once
    )


def test_exam_labels_reach_only_the_secure_email() -> None:
    visit = booked(exams="SCANNER")
    email, patient = booking_messages(visit, directory())
    assert "- examen : Scanner ;" in email.text
    assert Exam.SCANNER.label not in patient.text


def test_a_centre_missing_from_the_directory_is_named_by_its_code() -> None:
    email, _ = booking_messages(booked(), Directory())
    assert "- au centre MIM-1.\n" in email.text
    assert "annuaire" not in email.text
    call, _ = booking_messages(
        booked(prescriber_contact="03 88 45 67 89"), Directory()
    )
    assert "à 14h00 : centre MIM-1. Référence COSEN : D1." in call.text
