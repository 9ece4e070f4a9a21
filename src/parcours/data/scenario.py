"""The fictional company behind every dataset: its stages, channels, personas and vocabularies.

Everything here is shared by the generator, the data dictionary, the TDs and the book, so that a
label is written once. Values students see are French; names are English.
"""

from __future__ import annotations

import datetime as dt

COMPANY = "Maison Boréal"
COMPANY_PITCH = (
    "Maison Boréal est une enseigne française d'équipement de la maison (mobilier, électroménager, "
    "bricolage, jardin) présente en magasins, sur son site web, son application, par téléphone, "
    "par e-mail, sur les réseaux sociaux et par chat. Sa division Boréal Pro équipe des "
    "entreprises : hôtels, restaurants, bureaux, établissements de santé et collectivités."
)

# Reference date of every dataset: the data stop on this day, and life-cycle rules count from it.
REFERENCE_DATE = dt.date(2026, 6, 30)
# Two years of history (transactions, journeys, surveys, complaints, deals).
HISTORY_START = dt.date(2024, 7, 1)

# Journey stages, in order (chapter 1; Lemon & Verhoef 2016 pre-purchase / purchase / post-purchase).
STAGES = (
    "besoin",
    "recherche d'information",
    "comparaison",
    "achat",
    "réception",
    "utilisation",
    "service après-vente",
    "fidélisation",
)
STAGE_PHASE = {
    "besoin": "avant l'achat",
    "recherche d'information": "avant l'achat",
    "comparaison": "avant l'achat",
    "achat": "pendant l'achat",
    "réception": "après l'achat",
    "utilisation": "après l'achat",
    "service après-vente": "après l'achat",
    "fidélisation": "après l'achat",
}

CHANNELS = (
    "magasin",
    "site web",
    "application",
    "téléphone",
    "e-mail",
    "réseaux sociaux",
    "chat",
)
DIGITAL_CHANNELS = ("site web", "application", "e-mail", "réseaux sociaux", "chat")
PURCHASE_CHANNELS = ("magasin", "site web", "application", "téléphone")
SURVEYED_CHANNELS = ("magasin", "site web", "application", "téléphone", "chat")


def touchpoint(stage: str, channel: str) -> str:
    """Label of a touchpoint: the crossing of a stage and a channel."""
    return f"{stage} – {channel}"


TOUCHPOINTS = tuple(touchpoint(s, c) for s in STAGES for c in CHANNELS)

ACTIONS = {
    "besoin": ("prend conscience d'un besoin", "voit une publicité", "reçoit une recommandation"),
    "recherche d'information": (
        "consulte les fiches produits",
        "lit les avis clients",
        "pose une question",
    ),
    "comparaison": ("compare les prix", "demande un devis", "utilise le comparateur"),
    "achat": ("ajoute au panier", "passe commande", "paie"),
    "réception": ("suit la livraison", "retire sa commande", "reçoit le colis"),
    "utilisation": ("installe le produit", "utilise le produit", "consulte la notice"),
    "service après-vente": (
        "signale un problème",
        "demande un échange",
        "contacte le service client",
    ),
    "fidélisation": ("reçoit la newsletter", "utilise sa carte de fidélité", "laisse un avis"),
}
ACTIONS_ALL = tuple(a for stage in STAGES for a in ACTIONS[stage])

# Personas: fictional characters standing for a type of client (chapter 1, « persona »).
PERSONAS = {
    "Camille": "32 ans, cadre en ville, pressée et connectée : commande sur l'application, "
    "veut être livrée vite et suivre sa commande.",
    "Bernard": "64 ans, retraité, fidèle du magasin de sa ville : aime le conseil du vendeur "
    "et paie en caisse.",
    "Inès": "24 ans, étudiante, chasseuse de bonnes affaires : compare les prix, suit les "
    "promotions sur les réseaux sociaux.",
    "Marc": "45 ans, bricoleur exigeant : lit toutes les fiches techniques, appelle le "
    "service client pour des questions précises.",
    "Sophie": "38 ans, mère de famille organisée : prépare ses achats en ligne, retire en "
    "magasin, attentive au rapport qualité/prix.",
}
PERSONA_NAMES = tuple(PERSONAS)

ACQUISITION_CHANNELS = (
    "magasin",
    "site web",
    "application",
    "réseaux sociaux",
    "parrainage",
    "salon",
)

# SONCAS motives (chapter 2; §1.12 of the reference file).
SONCAS = ("sécurité", "orgueil", "nouveauté", "confort", "argent", "sympathie")

LIFECYCLE_STATUSES = ("suspect", "prospect", "nouveau", "actif", "dormant", "perdu")
# Life-cycle rules used by the generator and stated in TD4, in months before the reference date.
ACTIVE_WINDOW_MONTHS = 6  # bought within 6 months: new (first purchase) or active
LOST_AFTER_MONTHS = 12  # no purchase for more than 12 months: lost

PRODUCT_CATEGORIES = ("mobilier", "électroménager", "bricolage", "jardin", "décoration")

SURVEY_CHANNELS = ("e-mail", "SMS", "application", "téléphone")
SURVEYED_STAGES = ("achat", "réception", "service après-vente")
# Service attributes of the expectation / perception questions (SERVQUAL-style, 1-7 scales).
ATTRIBUTES = ("délai", "accueil", "conseil", "prix", "qualité", "disponibilité")

COMPLAINT_MOTIVES = (
    "livraison en retard",
    "produit défectueux",
    "erreur de facturation",
    "attente en magasin",
    "mauvais conseil",
    "rupture de stock",
    "service client injoignable",
    "remboursement tardif",
)
COMPLAINT_CHANNELS = ("téléphone", "e-mail", "magasin", "réseaux sociaux", "chat", "courrier")

# Steps of the online funnel, named after what they measure (REFERENCE.md §2.7). The buying
# decision process of the B2C model is STAGES above.
FUNNEL_STAGES = (
    "visite",
    "fiche produit",
    "panier",
    "commande commencée",
    "commande payée",
    "avis",
)
# The purchase steps end with the payment; the review comes after the purchase (TD2 Q3 looks for
# the leakiest purchase step, and reads the review rate apart).
FUNNEL_PURCHASE_STAGES = FUNNEL_STAGES[:5]
# Steps where the planted leak of a variant may sit: never the payment, so that the purchase step
# with the fewest visits is never the leakiest (TD2 Q3).
FUNNEL_LEAK_CANDIDATES = ("panier", "commande commencée")
FUNNEL_SOURCES = ("moteur de recherche", "réseaux sociaux", "e-mail", "accès direct", "publicité")
DEVICES = ("ordinateur", "mobile", "tablette")

BUYING_ROLES = (
    "acheteur",
    "utilisateur",
    "prescripteur",
    "décideur",
    "influenceur",
    "payeur",
    "filtre",
)
B2B_SECTORS = ("hôtellerie", "restauration", "santé", "enseignement", "bureaux", "collectivité")
COMPANY_SIZES = ("TPE", "PME", "ETI", "grande entreprise")
DEAL_OUTCOMES = ("gagnée", "perdue")
ROLE_FUNCTIONS = {
    "décideur": ("directeur général", "gérant", "directeur d'établissement"),
    "acheteur": ("responsable des achats", "acheteur"),
    "utilisateur": ("chef de cuisine", "responsable de l'entretien", "employé de service"),
    "prescripteur": ("architecte d'intérieur", "responsable technique", "bureau d'études"),
    "influenceur": ("consultant externe", "responsable qualité", "délégué du personnel"),
    "payeur": ("directeur administratif et financier", "comptable"),
    "filtre": ("assistant de direction", "standardiste", "secrétariat"),
}
FUNCTIONS = tuple(sorted({f for fs in ROLE_FUNCTIONS.values() for f in fs}))
