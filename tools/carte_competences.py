"""Write the skills map into the TD source notebooks (issue 19); idempotent.

Each graded cell of ``solutions/tdNN_*/tdNN_*.ipynb`` gets, beside ``parcours.type`` (issue 21), in
the same ``parcours`` metadata key (nbgrader's release keeps it):

- ``section``: the MyST label of the book section that teaches the item;
- ``outils``: the toolbox entries (``boite_a_outils_<name>`` labels) the item needs;
- ``blocs``: the competency blocks it evidences (ids of ``parcours.data.competences.BLOCS``).

The map below was reviewed by hand, item by item. After a merge that touched ``solutions/``, run
``python tools/carte_competences.py`` again, then ``parcours sujets`` to regenerate ``exercises/``.
``--verifier`` only checks (exit 1 when a notebook differs from the map, or the map misses an
item). Every graded cell must have an entry and every entry a graded cell.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHORT = {"MCO": "bts_mco_", "NDRC": "bts_ndrc_", "MCV": "bac_pro_mcv_", "TC": "but_tc_"}

# grade_id: (section label, toolbox entries without their prefix, blocks « MCO1 NDRC2 MCV3 TC1 »)
CARTE: dict[str, dict[str, tuple[str, str, str]]] = {
    "td00_prise_en_main": {
        "td00_q01_panier_moyen": ("boite_a_outils", "", "MCO1 NDRC1 MCV3 TC1"),
        "td00_q02_nb_reclamations": ("boite_a_outils_len", "head len", "MCO1 NDRC1 MCV2 TC1"),
        "td00_q03_delai_moyen": ("boite_a_outils_mean", "colonne mean max", "MCO1 NDRC1 MCV2 TC1"),
        "td00_q04_non_resolues": ("boite_a_outils_filtrer", "filtrer len", "MCO1 NDRC1 MCV2 TC1"),
        "td00_q05_nb_par_canal": (
            "boite_a_outils_value_counts",
            "value_counts",
            "MCO1 NDRC1 MCV2 TC1",
        ),
        "td00_q06_canal_prioritaire": (
            "ch3_satisfaction_insatisfaction",
            "value_counts idxmax",
            "MCO1 NDRC1 MCV2 TC1",
        ),
        "td00_q07_gros_achats": (
            "boite_a_outils_sort_values",
            "sort_values head",
            "MCO1 NDRC1 MCV3 TC1",
        ),
        "td00_q08_panier_par_canal": (
            "boite_a_outils_groupby",
            "groupby mean round",
            "MCO1 NDRC2 MCV1 TC1",
        ),
        "td00_q09_graphique": (
            "boite_a_outils_plot_barh",
            "sort_values plot_barh",
            "MCO1 NDRC1 MCV3 TC1",
        ),
        "td00_q10_conclusion": ("ch3_satisfaction_insatisfaction", "", "MCO1 NDRC1 MCV2 TC1"),
    },
    "td01_experience_client": {
        "td01_q01_etapes": (
            "ch1_experience_client_parcours",
            "head nunique value_counts",
            "MCO1 NDRC2 MCV1 TC1",
        ),
        "td01_q02_points_de_contact": (
            "ch1_experience_client_points_de_contact",
            "pd_crosstab",
            "MCO1 NDRC2 MCV1 TC1",
        ),
        "td01_q03_courbe": (
            "ch1_experience_client_courbe",
            "groupby mean round",
            "MCO1 NDRC2 MCV3 TC1",
        ),
        "td01_q04_graphique": ("ch1_experience_client_courbe", "plot", "MCO1 NDRC2 MCV3 TC1"),
        "td01_q05_pire_point_de_contact": (
            "ch1_experience_client_courbe",
            "groupby agg sort_values idxmin",
            "MCO1 NDRC2 MCV3 TC1",
        ),
        "td01_q06_multicanal": (
            "ch1_experience_client_omnicanal",
            "groupby nunique mean",
            "MCO1 NDRC2 MCV1 TC1",
        ),
        "td01_q07_depart_numerique": (
            "ch1_experience_client_omnicanal",
            "drop_duplicates isin mean",
            "MCO1 NDRC2 MCV1 TC1",
        ),
        "td01_q07_drive_priorite": (
            "ch1_experience_client_omnicanal",
            "pd_series sum round",
            "MCO1 NDRC2 MCV1 TC1",
        ),
        "td01_q08_personas": (
            "ch1_experience_client_cartographie",
            "groupby mean sort_values",
            "MCO1 NDRC2 MCV3 TC1",
        ),
        "td01_q09_fonction_pic_fin": ("ch1_experience_client_courbe", "", "MCO1 NDRC2 MCV3 TC1"),
        "td01_q10_pic_fin_parcours": (
            "ch1_experience_client_courbe",
            "groupby min last mean sort_values",
            "MCO1 NDRC2 MCV3 TC1",
        ),
        "td01_q11_enjeu_a": ("ch1_experience_client_enjeux", "", "MCO1 NDRC2 MCV3 TC1"),
        "td01_q11_enjeu_b": ("ch1_experience_client_enjeux", "", "MCO1 NDRC2 MCV3 TC1"),
        "td01_q12_actions_amelioration": (
            "ch1_experience_client_composantes",
            "",
            "MCO1 NDRC2 MCV3 TC1",
        ),
    },
    "td02_processus_achat": {
        "td02_q01_visites_par_etape": (
            "ch2_processus_achat_tunnel",
            "nunique pd_series",
            "MCO1 MCO2 NDRC2 MCV1 TC1",
        ),
        "td02_q02_taux_passage": (
            "ch2_processus_achat_tunnel",
            "shift dropna round",
            "MCO1 MCO2 NDRC2 MCV1 TC1",
        ),
        "td02_q03_etape_fuyante": (
            "ch2_processus_achat_tunnel",
            "drop idxmin",
            "MCO1 MCO2 NDRC2 MCV1 TC1",
        ),
        "td02_q04_graphique": (
            "ch2_processus_achat_tunnel",
            "",
            "MCO1 MCO2 NDRC2 MCV1 TC1",
        ),
        "td02_q05_types_achat": ("ch2_processus_achat_types", "", "MCO1 NDRC1 TC2"),
        "td02_q06_soncas": ("ch2_processus_achat_soncas", "", "MCO1 NDRC1 MCV1 TC2"),
        "td02_q07_taille_centre": (
            "ch2_processus_achat_centre",
            "groupby nunique mean",
            "MCO1 NDRC1 TC2",
        ),
        "td02_q08_roles": ("ch2_processus_achat_roles", "", "MCO1 NDRC1 MCV1 TC2"),
        "td02_q09_taux_victoire_rencontre": (
            "ch2_processus_achat_centre",
            "filtrer mean",
            "MCO1 NDRC1 TC2",
        ),
        "td02_q09_taux_victoire_non_rencontre": (
            "ch2_processus_achat_centre",
            "filtrer mean",
            "MCO1 NDRC1 TC2",
        ),
        "td02_q10_correlation": ("ch2_processus_achat_b2b", "corr", "MCO1 NDRC1 TC2"),
        "td02_q11_plan_approche": ("ch2_processus_achat_centre", "", "MCO1 NDRC1 TC2"),
    },
    "td03_satisfaction": {
        "td03_q01_taux_reponse": (
            "ch3_satisfaction_methodes",
            "colonne mean",
            "MCO1 NDRC1 MCV2 TC1",
        ),
        "td03_q02_nps_global": ("ch3_satisfaction_nps", "colonne mean", "MCO1 NDRC2 MCV2 TC1"),
        "td03_q03_csat": ("ch3_satisfaction_csat", "colonne mean", "MCO1 NDRC2 MCV2 TC1"),
        "td03_q04_ces_moyen": ("ch3_satisfaction_ces", "mean", "MCO1 NDRC2 MCV2 TC1"),
        "td03_q04_part_facile": ("ch3_satisfaction_ces", "mean", "MCO1 NDRC2 MCV2 TC1"),
        "td03_q05_nps_par_canal": (
            "ch3_satisfaction_nps",
            "groupby apply sort_values round",
            "MCO1 NDRC2 MCV2 TC1",
        ),
        "td03_q05_canal_faible": ("ch3_satisfaction_nps", "idxmin", "MCO1 NDRC2 MCV2 TC1"),
        "td03_q06_graphique": ("ch3_satisfaction_nps", "plot_barh", "MCO1 NDRC2 MCV2 TC1"),
        "td03_q07_ecarts": (
            "ch3_satisfaction_servqual",
            "mean pd_series sort_values round",
            "MCO1 NDRC2 MCV2 TC1",
        ),
        "td03_q07_attribut_prioritaire": (
            "ch3_satisfaction_servqual",
            "idxmin",
            "MCO1 NDRC2 MCV2 TC1",
        ),
        "td03_q08_part_cumulee": (
            "ch3_satisfaction_insatisfaction",
            "value_counts cumsum sum round",
            "MCO1 MCV2 TC1",
        ),
        "td03_q08_motifs_80": ("ch3_satisfaction_insatisfaction", "sum", "MCO1 MCV2 TC1"),
        "td03_q09_delai_median": (
            "ch3_satisfaction_insatisfaction",
            "notna median",
            "MCO1 MCV2 TC1",
        ),
        "td03_q09_taux_resolution": ("ch3_satisfaction_insatisfaction", "mean", "MCO1 MCV2 TC1"),
        "td03_q10_strategie": ("ch3_satisfaction_strategie", "", "MCO1 NDRC2 MCV2 TC1"),
        "td03_q11_analyse": ("ch3_satisfaction_mesure", "", "MCO1 NDRC2 MCV2 TC1"),
    },
    "td04_cycle_de_vie": {
        "td04_q01_achats": (
            "ch4_fideliser_portefeuille_cycle",
            "groupby agg",
            "MCO1 NDRC1 MCV3 TC1",
        ),
        "td04_q02_dates": (
            "ch4_fideliser_portefeuille_criteres",
            "pd_timestamp pd_dateoffset",
            "MCO1 NDRC1 MCV3 TC1",
        ),
        "td04_q03_statuts": (
            "ch4_fideliser_portefeuille_criteres",
            "merge set_index notna np_select pd_series",
            "MCO1 NDRC1 MCV3 TC1",
        ),
        "td04_q04_effectifs": (
            "ch4_fideliser_portefeuille_cycle",
            "value_counts reindex",
            "MCO1 NDRC1 MCV3 TC1",
        ),
        "td04_q05_graphique": (
            "ch4_fideliser_portefeuille_cycle",
            "plot_bar",
            "MCO1 NDRC1 MCV3 TC1",
        ),
        "td04_q06_ca": (
            "ch4_fideliser_portefeuille_cycle",
            "groupby sum reindex round",
            "MCO1 MCO3 NDRC1 MCV3 TC1",
        ),
        "td04_q07_nouveaux": ("ch4_fideliser_portefeuille_interets", "sum", "MCO1 NDRC1 MCV3 TC1"),
        "td04_q07_perdus": ("ch4_fideliser_portefeuille_interets", "sum", "MCO1 NDRC1 MCV3 TC1"),
        "td04_q07_compense": ("ch4_fideliser_portefeuille_interets", "", "MCO1 NDRC1 MCV3 TC1"),
        "td04_q08_rfm": (
            "ch4_fideliser_portefeuille_rfm",
            "dt_normalize sort_values rank ex_aequo pd_qcut astype rename",
            "MCO1 NDRC1 MCV3 TC1",
        ),
        "td04_q08_segment_a_relancer": (
            "ch4_fideliser_portefeuille_rfm",
            "groupby agg sort_values idxmax",
            "MCO1 NDRC1 MCV3 TC1",
        ),
        "td04_q09_fidelisation": (
            "ch4_fideliser_portefeuille_retention",
            "unique isin mean pd_dateoffset",
            "MCO1 NDRC1 MCV3 TC1",
        ),
        "td04_q10_clv": ("ch4_fideliser_portefeuille_clv", "", "MCO1 MCO3 NDRC1 MCV3 TC1"),
        "td04_q11_campagne": ("ch4_fideliser_portefeuille_clv", "", "MCO1 MCO2 NDRC1 MCV3 TC1"),
        "td04_q12_actions": (
            "ch4_fideliser_portefeuille_criteres",
            "",
            "MCO1 MCO2 NDRC1 MCV3 TC1 TC3",
        ),
        "td04_q13_analyse": ("ch4_fideliser_portefeuille_criteres", "", "MCO1 NDRC1 MCV3 TC1"),
    },
}


def blocks(text: str) -> list[str]:
    out = []
    for code in text.split():
        prefix = code.rstrip("0123456789")
        out.append(SHORT[prefix] + code[len(prefix) :])
    return out


def entry(section: str, tools: str, codes: str) -> dict:
    return {
        "section": section,
        "outils": ["boite_a_outils_" + t for t in tools.split()],
        "blocs": blocks(codes),
    }


def apply(td: str, *, check: bool = False, solutions: Path = ROOT / "solutions") -> list[str]:
    """Write (or check) the map of one TD; return the French problems found."""
    path = solutions / td / f"{td}.ipynb"
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    wanted = CARTE.get(td, {})
    problems, seen = [], set()
    for cell in nb["cells"]:
        meta = cell.get("metadata", {})
        grading = meta.get("nbgrader", {})
        if not grading.get("grade"):
            continue
        gid = grading["grade_id"]
        seen.add(gid)
        if gid not in wanted:
            problems.append(f"{td} : {gid} n'est pas dans la carte")
            continue
        parcours = meta.setdefault("parcours", {})
        parcours.update(entry(*wanted[gid]))
    problems += [f"{td} : {gid} n'est plus un item noté" for gid in sorted(set(wanted) - seen)]
    new = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if new != text:
        if check:
            problems.append(f"{td} : le notebook ne suit pas la carte")
        else:
            path.write_text(new, encoding="utf-8")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Écrire la carte des compétences dans solutions/.")
    parser.add_argument("--verifier", action="store_true", help="vérifier seulement")
    args = parser.parse_args(argv)
    problems = []
    for td in sorted(CARTE):
        problems += apply(td, check=args.verifier)
    for p in problems:
        print(p, file=sys.stderr)
    if not problems:
        print("Carte des compétences à jour." if args.verifier else "Carte écrite.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
