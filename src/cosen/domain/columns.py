"""Columns: the contract's French names and English aliases.

The templates write the French names; readers match either name loosely
(no case, accents, spaces, ``_`` or ``-``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["REFERRAL_COLUMNS", "SLOT_COLUMNS", "Column"]


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
    Column("unavailable", "indisponibilites", "unavailable",
           "Quand le patient ne peut pas venir (facultatif) : jours "
           "(lundi), dates (04/12/2026), périodes (du 07/12/2026 au "
           "11/12/2026), un jour ou une date suivi de matin (avant 13 h) "
           "ou après-midi, séparés par ; (ex. mardi matin ; 04/12/2026)"),
    Column("ins_number", "matricule_ins", "ins_number",
           "Matricule INS (NIR ou NIA) : 13 caractères et une clé de 2 "
           "chiffres (facultatif)"),
    Column("sex", "sexe", "sex", "Sexe, trait INS : F, M ou I (facultatif)"),
    Column("birth_first_names", "prenoms_naissance", "birth_first_names",
           "Tous les prénoms de naissance, séparés par des espaces, trait "
           "INS (facultatif)"),
    Column("birth_place", "lieu_naissance", "birth_place",
           "Code INSEE de la commune de naissance, 5 caractères (99xxx à "
           "l'étranger), trait INS (facultatif)"),
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
    Column("status", "statut", "status",
           "Vide ou ouvert ; annule quand le centre retire le créneau"),
)  # fmt: skip
