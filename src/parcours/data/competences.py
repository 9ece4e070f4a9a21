"""The diplomas' competency blocks, written once with their official wording.

Sources: ``shared/REFERENCE.md`` §3. Each block has an id used in the TD notebooks' map
(``metadata.parcours.blocs``), its diploma, its number and unit, its official wording and the
competences it groups. A block whose wording we could not check against the official text is
``verifie=False``: everything that shows it (book, report, exports) must say so, with
``NON_VERIFIE``.

The course config names the diploma(s) a class follows (``c.Parcours.diplomes`` in
``nbgrader_config.py``; a class may follow two).
"""

from __future__ import annotations

from dataclasses import dataclass

NON_VERIFIE = "intitulé non vérifié sur le texte officiel"


@dataclass(frozen=True)
class Bloc:
    id: str
    diplome: str  # a key of DIPLOMES
    numero: str  # « Bloc 1 », « C1 »
    intitule: str
    unite: str = ""
    competences: tuple[str, ...] = ()
    verifie: bool = True

    @property
    def libelle(self) -> str:
        """« BTS MCO — Bloc 1 (U41) : Développer la relation client… », with the unverified
        mark when it applies."""
        unite = f" ({self.unite})" if self.unite else ""
        mark = "" if self.verifie else f" [{NON_VERIFIE}]"
        return f"{DIPLOMES[self.diplome].court} — {self.numero}{unite} : {self.intitule}{mark}"


@dataclass(frozen=True)
class Diplome:
    id: str
    court: str
    nom: str
    texte: str  # the official text the wording comes from
    verifie: bool = True


DIPLOMES: dict[str, Diplome] = {
    d.id: d
    for d in (
        Diplome(
            "bts_mco",
            "BTS MCO",
            "BTS Management commercial opérationnel",
            "Arrêté du 15 octobre 2018, JORF n° 0257 du 7 novembre 2018 (NOR ESRS1827364A)",
        ),
        Diplome(
            "bts_ndrc",
            "BTS NDRC",
            "BTS Négociation et digitalisation de la relation client",
            "Référentiel du BTS NDRC",
        ),
        Diplome(
            "bac_pro_mcv",
            "Bac pro MCV",
            "Baccalauréat professionnel Métiers du commerce et de la vente (options A et B)",
            "Référentiel du baccalauréat professionnel Métiers du commerce et de la vente",
        ),
        Diplome(
            "but_tc",
            "BUT TC",
            "BUT Techniques de commercialisation",
            "Programme national du BUT TC (2022), non consulté : compétences citées de mémoire",
            verifie=False,
        ),
    )
}

BLOCS: dict[str, Bloc] = {
    b.id: b
    for b in (
        Bloc(
            "bts_mco_1",
            "bts_mco",
            "Bloc 1",
            "Développer la relation client et assurer la vente conseil",
            "U41",
            (
                "Assurer la veille informationnelle",
                "Réaliser des études commerciales",
                "Vendre",
                "Entretenir la relation client",
            ),
        ),
        # Blocs 2 to 4: same arrêté, wording from memory (REFERENCE.md: check against the annex).
        Bloc(
            "bts_mco_2",
            "bts_mco",
            "Bloc 2",
            "Animer et dynamiser l'offre commerciale",
            "U42",
            verifie=False,
        ),
        Bloc(
            "bts_mco_3",
            "bts_mco",
            "Bloc 3",
            "Assurer la gestion opérationnelle",
            "U5",
            verifie=False,
        ),
        Bloc(
            "bts_mco_4",
            "bts_mco",
            "Bloc 4",
            "Manager l'équipe commerciale",
            "U6",
            verifie=False,
        ),
        Bloc(
            "bts_ndrc_1",
            "bts_ndrc",
            "Bloc 1",
            "Relation client et négociation-vente",
            "U4",
            (
                "Cibler et prospecter la clientèle",
                "Négocier et accompagner la relation client",
                "Organiser et animer un évènement commercial",
                "Exploiter et mutualiser l'information commerciale",
            ),
        ),
        Bloc(
            "bts_ndrc_2",
            "bts_ndrc",
            "Bloc 2",
            "Relation client à distance et digitalisation",
            "U5",
            (
                "Maîtriser la relation omnicanale",
                "Animer la relation client digitale",
                "Développer la relation client en e-commerce",
            ),
        ),
        Bloc(
            "bts_ndrc_3",
            "bts_ndrc",
            "Bloc 3",
            "Relation client et animation de réseaux",
            "U6",
        ),
        Bloc(
            "bac_pro_mcv_1",
            "bac_pro_mcv",
            "Bloc 1",
            "Conseiller et vendre",
            "U31",
            ("Réaliser la vente dans un cadre omnicanal",),
        ),
        Bloc(
            "bac_pro_mcv_2",
            "bac_pro_mcv",
            "Bloc 2",
            "Suivre les ventes",
            "U32",
            (
                "Assurer le suivi de la commande du produit et/ou du service",
                "Traiter les retours et les réclamations du client",
                "S'assurer de la satisfaction du client",
            ),
        ),
        Bloc(
            "bac_pro_mcv_3",
            "bac_pro_mcv",
            "Bloc 3",
            "Fidéliser la clientèle et développer la relation client",
            "U33",
            (
                "Traiter et exploiter l'information ou le contact client",
                "Contribuer à des actions de fidélisation et de développement de la relation "
                "client",
                "Évaluer les actions de fidélisation",
            ),
        ),
        Bloc(
            "but_tc_1",
            "but_tc",
            "Compétence 1",
            "Conduire les actions marketing",
            verifie=False,
        ),
        Bloc(
            "but_tc_2",
            "but_tc",
            "Compétence 2",
            "Vendre une offre commerciale",
            verifie=False,
        ),
        Bloc(
            "but_tc_3",
            "but_tc",
            "Compétence 3",
            "Communiquer l'offre commerciale",
            verifie=False,
        ),
    )
}

# The four usual French levels, lowest first; a share of points at or above the n-th threshold
# (per cent) reaches level n + 1.
NIVEAUX = ("non acquis", "en cours d'acquisition", "acquis", "maîtrisé")
SEUILS_DEFAUT = (25.0, 50.0, 75.0)


def blocs_du_diplome(diplome: str) -> list[Bloc]:
    return [b for b in BLOCS.values() if b.diplome == diplome]


def choisir_diplomes(diplomes) -> list[str]:
    """The diplomas a class follows, checked (``ValueError`` in French for an unknown one)."""
    if isinstance(diplomes, str):
        diplomes = [diplomes]
    chosen = list(diplomes or [])
    unknown = [d for d in chosen if d not in DIPLOMES]
    if unknown:
        raise ValueError(
            "Diplôme inconnu dans c.Parcours.diplomes : "
            + ", ".join(f"« {d} »" for d in unknown)
            + ". Choix possibles : "
            + ", ".join(DIPLOMES)
            + "."
        )
    return chosen or list(DIPLOMES)


def niveau(part: float, seuils=SEUILS_DEFAUT) -> str:
    """The level of a share of points (per cent)."""
    reached = sum(part >= s for s in seuils)
    return NIVEAUX[reached]


def verifier_seuils(seuils) -> tuple[float, float, float]:
    """Three increasing thresholds in per cent (``ValueError`` in French otherwise)."""
    try:
        values = tuple(float(s) for s in seuils)
    except (TypeError, ValueError):
        values = ()
    if len(values) != 3 or not all(0 < a < b < c <= 100 for a, b, c in [values]):
        raise ValueError(
            f"c.Parcours.seuils_competences doit donner trois pourcentages croissants entre 0 et "
            f"100 (début de « {NIVEAUX[1]} », d'« {NIVEAUX[2]} », de « {NIVEAUX[3]} ») ; "
            f"reçu : {seuils!r}."
        )
    return values
