"""The data dictionary: every column of every dataset, its type, meaning and allowed values.

It is written once, here, and used three ways: to validate each generated frame
(:func:`validate`), to write ``datasets/DICTIONNAIRE.md`` (:func:`to_markdown`) and to build the
book's appendix (which includes that file).
"""

from __future__ import annotations

from dataclasses import dataclass

from parcours.data import scenario as sc

KIND_LABELS = {
    "id": "identifiant (texte)",
    "category": "catégorie",
    "date": "date et heure",
    "int": "entier",
    "int_na": "entier (vide si sans réponse)",
    "float": "décimal",
    "bool": "booléen (True / False)",
    "text": "texte libre",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    description: str
    unit: str = ""
    values: tuple[str, ...] = ()
    ordered: bool = False
    low: float | None = None
    high: float | None = None
    nullable: bool = False


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    description: str
    grain: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _id(name: str, what: str) -> Column:
    return Column(name, "id", what)


CLIENT_ID = _id(
    "id_client", "Identifiant du client (C suivi de 5 chiffres), commun à toutes les tables"
)

DATASETS: dict[str, Dataset] = {}


def _register(ds: Dataset) -> None:
    DATASETS[ds.name] = ds


_register(
    Dataset(
        "clients",
        "Portefeuille clients",
        "Toutes les personnes connues de Maison Boréal, du simple contact (suspect) au client "
        "perdu. Le statut dans le cycle de vie n'est pas donné : il se déduit de ces colonnes et "
        "des transactions, à la date de référence.",
        "une ligne par personne",
        (
            CLIENT_ID,
            Column(
                "persona",
                "category",
                "Persona auquel la personne ressemble le plus",
                values=sc.PERSONA_NAMES,
            ),
            Column("age", "int", "Âge à la date de référence", "ans", low=18, high=90),
            Column(
                "canal_acquisition",
                "category",
                "Canal par lequel la personne est entrée dans le fichier",
                values=sc.ACQUISITION_CHANNELS,
            ),
            Column(
                "motif_soncas",
                "category",
                "Motivation d'achat dominante (SONCAS), estimée par les vendeurs",
                values=sc.SONCAS,
            ),
            Column("date_entree", "date", "Date d'entrée dans le fichier (statut de suspect)"),
            Column(
                "qualifie",
                "bool",
                "A montré un intérêt qualifié (compte créé, devis, "
                "demande de rappel) : un suspect qualifié devient prospect",
            ),
            Column(
                "date_depart_signale",
                "date",
                "Date à laquelle le client a fait savoir qu'il quittait l'enseigne (vide sinon)",
                nullable=True,
            ),
            Column("optin_email", "bool", "Accepte de recevoir des e-mails commerciaux"),
        ),
    )
)

_register(
    Dataset(
        "transactions",
        "Achats",
        "Les achats des clients sur deux ans, tous canaux confondus, jusqu'à la date de référence.",
        "une ligne par achat",
        (
            _id("id_transaction", "Identifiant de l'achat (T suivi de chiffres)"),
            CLIENT_ID,
            Column("date_achat", "date", "Date et heure de l'achat"),
            Column("montant", "float", "Montant TTC de l'achat", "euros", low=1, high=20000),
            Column("canal", "category", "Canal de l'achat", values=sc.PURCHASE_CHANNELS),
            Column("categorie", "category", "Univers de produits", values=sc.PRODUCT_CATEGORIES),
        ),
    )
)

_register(
    Dataset(
        "parcours",
        "Événements des parcours clients",
        "Chaque action d'un client à une étape de son parcours, sur un canal : l'étape croisée "
        "avec le canal donne le point de contact. Le ressenti est noté de 0 (très mauvais) à "
        "10 (excellent).",
        "une ligne par événement",
        (
            _id("id_parcours", "Identifiant du parcours (P suivi de chiffres)"),
            CLIENT_ID,
            Column("persona", "category", "Persona du client", values=sc.PERSONA_NAMES),
            Column(
                "etape",
                "category",
                "Étape du parcours, dans l'ordre",
                values=sc.STAGES,
                ordered=True,
            ),
            Column("action", "category", "Ce que fait le client", values=sc.ACTIONS_ALL),
            Column("canal", "category", "Canal utilisé", values=sc.CHANNELS),
            Column(
                "point_de_contact",
                "category",
                "Point de contact : « étape – canal »",
                values=sc.TOUCHPOINTS,
            ),
            Column("horodatage", "date", "Date et heure de l'événement"),
            Column("duree_min", "float", "Durée de l'interaction", "minutes", low=0.1, high=240),
            Column(
                "score_experience",
                "int",
                "Ressenti du client à ce moment",
                "note de 0 à 10",
                low=0,
                high=10,
            ),
            Column("abandon", "bool", "Le client abandonne son parcours à cet événement"),
        ),
    )
)

_attribute_columns: list[Column] = []
for _attr in sc.ATTRIBUTES:
    _attribute_columns.append(
        Column(
            f"attente_{_attr}",
            "int_na",
            f"Importance attendue : {_attr}",
            "note de 1 (faible) à 7 (très forte)",
            low=1,
            high=7,
            nullable=True,
        )
    )
    _attribute_columns.append(
        Column(
            f"perception_{_attr}",
            "int_na",
            f"Qualité perçue : {_attr}",
            "note de 1 (très mauvaise) à 7 (excellente)",
            low=1,
            high=7,
            nullable=True,
        )
    )

_register(
    Dataset(
        "enquete",
        "Enquête de satisfaction",
        "Questionnaire envoyé après une interaction (achat, réception ou service après-vente). "
        "Les notes sont vides quand le client n'a pas répondu. Échelles : NPS de 0 à 10 ; CSAT "
        "de 1 (très insatisfait) à 5 (très satisfait) ; CES 2.0 de 1 (pas du tout d'accord) à 7 "
        "(tout à fait d'accord) avec « Maison Boréal m'a facilité les choses » : plus la note est "
        "haute, moins l'effort est grand.",
        "une ligne par questionnaire envoyé",
        (
            _id("id_reponse", "Identifiant du questionnaire (Q suivi de chiffres)"),
            CLIENT_ID,
            Column("date_envoi", "date", "Date d'envoi du questionnaire"),
            Column(
                "canal_enquete",
                "category",
                "Canal par lequel le questionnaire est envoyé",
                values=sc.SURVEY_CHANNELS,
            ),
            Column("etape", "category", "Étape du parcours évaluée", values=sc.SURVEYED_STAGES),
            Column(
                "canal", "category", "Canal de l'interaction évaluée", values=sc.SURVEYED_CHANNELS
            ),
            Column(
                "point_de_contact",
                "category",
                "Point de contact évalué : « étape – canal »",
                values=tuple(
                    sc.touchpoint(s, c) for s in sc.SURVEYED_STAGES for c in sc.SURVEYED_CHANNELS
                ),
            ),
            Column("repondu", "bool", "Le client a répondu"),
            Column(
                "note_nps",
                "int_na",
                "Probabilité de recommander Maison Boréal à un proche",
                "note de 0 à 10",
                low=0,
                high=10,
                nullable=True,
            ),
            Column(
                "note_csat",
                "int_na",
                "Satisfaction à l'égard de l'interaction",
                "note de 1 à 5 (5 = très satisfait)",
                low=1,
                high=5,
                nullable=True,
            ),
            Column(
                "note_ces",
                "int_na",
                "Facilité (CES 2.0) : « Maison Boréal m'a facilité les choses »",
                "note de 1 à 7 (7 = très facile)",
                low=1,
                high=7,
                nullable=True,
            ),
            *_attribute_columns,
            Column(
                "verbatim", "text", "Commentaire libre du client (vide sans réponse)", nullable=True
            ),
        ),
    )
)

_register(
    Dataset(
        "reclamations",
        "Réclamations",
        "Les réclamations reçues par le service client, avec leur traitement.",
        "une ligne par réclamation",
        (
            _id("id_reclamation", "Identifiant de la réclamation (R suivi de chiffres)"),
            CLIENT_ID,
            Column("motif", "category", "Motif principal", values=sc.COMPLAINT_MOTIVES),
            Column("canal", "category", "Canal de la réclamation", values=sc.COMPLAINT_CHANNELS),
            Column("date_reclamation", "date", "Date de réception"),
            Column(
                "date_cloture", "date", "Date de clôture (vide si encore ouverte)", nullable=True
            ),
            Column(
                "delai_traitement_jours",
                "float",
                "Jours entre réception et clôture (vide si encore ouverte)",
                "jours",
                low=0,
                high=365,
                nullable=True,
            ),
            Column("resolue", "bool", "Le problème a été résolu"),
            Column(
                "satisfaction_traitement",
                "int_na",
                "Satisfaction à l'égard du traitement (vide si le client n'a pas répondu)",
                "note de 1 à 5",
                low=1,
                high=5,
                nullable=True,
            ),
        ),
    )
)

_register(
    Dataset(
        "entonnoir",
        "Entonnoir d'achat en ligne",
        "Les visites du site et de l'application, avec l'étape la plus avancée atteinte dans "
        "l'entonnoir : visite (toute visite), fiche produit (au moins une fiche produit vue), "
        "panier (au moins un article ajouté au panier), commande commencée (passage en caisse), "
        "commande payée (achat), avis (avis déposé après l'achat).",
        "une ligne par visite",
        (
            _id("id_session", "Identifiant de la visite (S suivi de chiffres)"),
            Column("date_session", "date", "Date et heure de la visite"),
            Column("source", "category", "Origine de la visite", values=sc.FUNNEL_SOURCES),
            Column("appareil", "category", "Appareil utilisé", values=sc.DEVICES),
            Column(
                "etape_atteinte",
                "category",
                "Étape la plus avancée atteinte",
                values=sc.FUNNEL_STAGES,
                ordered=True,
            ),
        ),
    )
)

_register(
    Dataset(
        "centre_achat",
        "Centres d'achat B2B (Boréal Pro)",
        "Les affaires de la division Boréal Pro et les membres du centre d'achat de chaque "
        "entreprise cliente. Une même personne peut tenir plusieurs rôles : elle apparaît alors "
        "sur plusieurs lignes avec le même identifiant de contact.",
        "une ligne par rôle tenu par un contact dans une affaire",
        (
            _id("id_affaire", "Identifiant de l'affaire (A suivi de chiffres)"),
            Column("entreprise", "text", "Raison sociale de l'entreprise cliente"),
            Column("secteur", "category", "Secteur de l'entreprise", values=sc.B2B_SECTORS),
            Column(
                "taille_entreprise",
                "category",
                "Taille de l'entreprise",
                values=sc.COMPANY_SIZES,
                ordered=True,
            ),
            Column("date_ouverture", "date", "Premier contact commercial de l'affaire"),
            Column("date_cloture", "date", "Signature ou abandon de l'affaire"),
            Column("duree_cycle_jours", "int", "Durée du cycle de vente", "jours", low=1, high=720),
            Column("montant", "float", "Montant du devis", "euros", low=500, high=2_000_000),
            Column("issue", "category", "Issue de l'affaire", values=sc.DEAL_OUTCOMES),
            _id("id_contact", "Identifiant de la personne dans l'entreprise (K suivi de chiffres)"),
            Column("fonction", "category", "Fonction de la personne", values=sc.FUNCTIONS),
            Column("role", "category", "Rôle dans le centre d'achat", values=sc.BUYING_ROLES),
            Column("rencontre", "bool", "Le commercial de Boréal Pro a rencontré la personne"),
            Column(
                "nb_interactions",
                "int",
                "Échanges du commercial avec la personne (rendez-vous, appels, e-mails)",
                low=0,
                high=60,
            ),
        ),
    )
)

DATASET_NAMES = tuple(DATASETS)


def validate(name: str, frame) -> None:
    """Raise ``ValueError`` (French message) if ``frame`` does not match the dictionary."""
    import pandas as pd

    spec = DATASETS[name]
    if list(frame.columns) != spec.column_names:
        raise ValueError(
            f"Table « {name} » : colonnes {list(frame.columns)} au lieu de {spec.column_names}."
        )
    problems: list[str] = []
    for col in spec.columns:
        s = frame[col.name]
        if not col.nullable and s.isna().any():
            problems.append(f"{col.name} contient des valeurs manquantes")
        if col.kind == "category":
            if not isinstance(s.dtype, pd.CategoricalDtype):
                problems.append(f"{col.name} n'est pas une catégorie")
            elif list(s.cat.categories) != list(col.values) or s.cat.ordered != col.ordered:
                problems.append(f"{col.name} : modalités inattendues")
        elif col.kind == "date" and not pd.api.types.is_datetime64_any_dtype(s):
            problems.append(f"{col.name} n'est pas une date")
        elif col.kind == "bool" and s.dtype != bool:
            problems.append(f"{col.name} n'est pas booléen")
        elif col.kind == "int" and s.dtype.kind != "i":
            problems.append(f"{col.name} n'est pas entier")
        elif col.kind == "int_na" and str(s.dtype) != "Int64":
            problems.append(f"{col.name} n'est pas un entier à valeurs manquantes (Int64)")
        elif col.kind == "float" and s.dtype.kind != "f":
            problems.append(f"{col.name} n'est pas décimal")
        elif col.kind in ("id", "text") and s.dtype != object:
            problems.append(f"{col.name} n'est pas du texte")
        if col.low is not None and s.notna().any():
            lo, hi = s.min(), s.max()
            if lo < col.low or hi > col.high:
                problems.append(f"{col.name} sort de [{col.low}, {col.high}] ({lo} à {hi})")
        if col.kind == "id" and s.duplicated().any() and col.name in _UNIQUE_IDS.get(name, ()):
            problems.append(f"{col.name} contient des doublons")
    if problems:
        raise ValueError(f"Table « {name} » invalide : " + " ; ".join(problems) + ".")


_UNIQUE_IDS = {
    "clients": ("id_client",),
    "transactions": ("id_transaction",),
    "enquete": ("id_reponse",),
    "reclamations": ("id_reclamation",),
    "entonnoir": ("id_session",),
}


def _allowed(col: Column) -> str:
    parts = []
    if col.unit:
        parts.append(col.unit)
    if col.values:
        shown = ", ".join(f"`{v}`" for v in col.values)
        if len(col.values) > 12:
            shown = ", ".join(f"`{v}`" for v in col.values[:6]) + f", … ({len(col.values)} valeurs)"
        parts.append(("dans l'ordre : " if col.ordered else "") + shown)
    elif col.low is not None and not col.unit:
        parts.append(f"de {col.low:g} à {col.high:g}")
    return " ; ".join(parts)


def to_markdown(*, heading_level: int = 1) -> str:
    """The dictionary as Markdown, in French, one table per dataset."""
    h = "#" * heading_level
    lines = [
        f"{h} Dictionnaire des données",
        "",
        f"Toutes les tables décrivent la même entreprise fictive, {sc.COMPANY}. "
        f"{sc.COMPANY_PITCH} Les données s'arrêtent à la date de référence du "
        f"{sc.REFERENCE_DATE:%d/%m/%Y}. Chaque étudiant reçoit sa propre variante : même "
        "structure, autres chiffres. Les identifiants `id_client` relient les tables entre elles.",
        "",
        "Ce fichier est produit par `parcours donnees` à partir du dictionnaire défini dans le "
        "code (`parcours.data.dictionary`) : ne le modifiez pas à la main.",
        "",
    ]
    for ds in DATASETS.values():
        lines += [
            f"{h}# `{ds.name}` — {ds.title}",
            "",
            ds.description,
            "",
            f'Grain : {ds.grain}. Chargement dans un TD : `charger("{ds.name}")`.',
            "",
            "| Colonne | Type | Description | Unité ou valeurs |",
            "| --- | --- | --- | --- |",
        ]
        for col in ds.columns:
            kind = KIND_LABELS[col.kind] + (" ordonnée" if col.ordered else "")
            if col.nullable and col.kind != "int_na":
                kind += ", peut être vide"
            lines.append(f"| `{col.name}` | {kind} | {col.description} | {_allowed(col)} |")
        lines.append("")
    return "\n".join(lines)
