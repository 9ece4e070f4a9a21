"""Journey-map kit: a blank A3 template (PDF and spreadsheet) and a worked map from the demo data.

The book publishes the files that ``build_kit`` writes; students print the PDF or fill in the
spreadsheet. The worked map follows one real journey of a persona in the ``parcours`` table: its
steps, actions, channels and experience scores come from the data, the thoughts, irritants,
opportunities and surveys are the course's reading of those rows. Outputs are byte-reproducible
(no timestamps in the PDF or the workbook).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from parcours.data import scenario as sc

A3_LANDSCAPE = (16.535, 11.693)  # inches (420 × 297 mm)
FIXED_TIME = dt.datetime(2026, 6, 30)

# The rows of a journey map, top to bottom, with what to write in each.
ROWS = (
    ("Phase", "avant, pendant ou après l'achat"),
    ("Étape", "grande étape du parcours"),
    ("Actions du client", "ce que fait le persona, avec un verbe (« lit les avis »)"),
    ("Canal et point de contact", "canal utilisé ; point de contact = étape × canal"),
    ("Pensées", "ce que le persona se dit, ses questions, ses attentes"),
    ("Émotions (0 à 10)", "un point par action, reliés en courbe"),
    ("Irritants", "ce qui gêne, fait perdre du temps ou inquiète"),
    ("Opportunités", "idées d'amélioration pour l'entreprise"),
    ("Enquête à placer", "indicateur, canal et moment (ou « aucune » pour ne pas sur-solliciter)"),
)
ROW_NAMES = tuple(name for name, _ in ROWS)

# What a client typically thinks while doing each action (the course's reading, first person).
THOUGHTS = {
    "prend conscience d'un besoin": "« Il me faut une solution, et vite. »",
    "voit une publicité": "« Tiens, c'est peut-être ce qu'il me faut. »",
    "reçoit une recommandation": "« Si une amie le conseille, ça vaut le coup d'y regarder. »",
    "consulte les fiches produits": "« Les dimensions et la consommation sont-elles indiquées ? »",
    "lit les avis clients": "« Les avis sont-ils récents et sincères ? »",
    "pose une question": "« J'espère une réponse claire sans attendre des heures. »",
    "compare les prix": "« Est-ce moins cher ailleurs ? »",
    "demande un devis": "« Je veux un prix ferme, pose comprise. »",
    "utilise le comparateur": "« Lequel des deux modèles me convient vraiment ? »",
    "ajoute au panier": "« Les frais de livraison vont-ils tout changer ? »",
    "passe commande": "« Pourvu que ce soit simple. »",
    "paie": "« Le paiement est-il sûr ? »",
    "suit la livraison": "« Quand vais-je être livrée, exactement ? »",
    "retire sa commande": "« Ma commande sera-t-elle prête à l'heure dite ? »",
    "reçoit le colis": "« Tout est-il là, en bon état ? »",
    "installe le produit": "« Est-ce que je vais m'en sortir seule ? »",
    "utilise le produit": "« Il tient ses promesses ? »",
    "consulte la notice": "« La notice est-elle compréhensible ? »",
    "signale un problème": "« Va-t-on me prendre au sérieux ? »",
    "demande un échange": "« Combien de démarches pour un échange ? »",
    "contacte le service client": "« Pourvu que je tombe sur quelqu'un qui connaît mon dossier. »",
    "reçoit la newsletter": "« Est-ce que ça me concerne ? »",
    "utilise sa carte de fidélité": "« Mes points valent-ils quelque chose ? »",
    "laisse un avis": "« Mon avis servira-t-il à quelque chose ? »",
}
# Irritant written when an action scores low, and opportunity, per step.
IRRITANTS = {
    "besoin": "le besoin arrive sans prévenir (panne, urgence)",
    "recherche d'information": "informations incomplètes ou avis peu fiables",
    "comparaison": "comparaison difficile entre modèles, prix peu lisibles",
    "achat": "frais découverts au dernier moment, paiement laborieux",
    "réception": "retard ou suivi de livraison imprécis",
    "utilisation": "installation compliquée, notice peu claire",
    "service après-vente": "attente, démarches répétées, dossier inconnu",
    "fidélisation": "messages génériques, avantages peu visibles",
}
OPPORTUNITIES = {
    "besoin": "contenus d'aide au diagnostic (« que faire si mon lave-linge fuit ? »)",
    "recherche d'information": "fiches complètes, avis vérifiés, réponse par chat en moins de 5 min",
    "comparaison": "comparateur sur l'application, prix pose et livraison compris",
    "achat": "frais affichés dès la fiche produit, paiement en un clic",
    "réception": "créneau de livraison choisi et alerte en cas de retard",
    "utilisation": "vidéo de montage, service de pose",
    "service après-vente": "un interlocuteur qui suit le dossier jusqu'au bout",
    "fidélisation": "offre liée au dernier achat, remerciement personnalisé",
}
SURVEYS = {
    "achat": "CSAT à chaud, sur le canal de l'achat, juste après le paiement",
    "réception": "CSAT et question ouverte par SMS, 24 h après la livraison",
    "service après-vente": "CES 2.0 par e-mail à la clôture du dossier",
    "fidélisation": "NPS relationnel (baromètre semestriel)",
}
NO_SURVEY = "aucune (ne pas sur-solliciter)"
LOW_SCORE = 4  # an action scored at or below this is an irritant


@dataclass(frozen=True)
class WorkedMap:
    persona: str
    portrait: str
    journey_id: str
    client_id: str
    columns: list[dict]  # one dict per action: ROW_NAMES -> text, plus "score"

    @property
    def scores(self) -> list[float]:
        return [c["score"] for c in self.columns]

    def table(self) -> list[list[str]]:
        """Rows of the map (first cell = row name), one column per action."""
        return [[name] + [str(c[name]) for c in self.columns] for name in ROW_NAMES]


def choose_journey(parcours, persona: str = "Camille") -> str:
    """Id of the persona's journey that covers every step with the fewest actions."""
    own = parcours[parcours["persona"] == persona]
    if own.empty:
        raise ValueError(f"aucun parcours pour le persona « {persona} »")
    stats = own.groupby("id_parcours")["etape"].agg(["nunique", "size"])
    full = stats[(stats["nunique"] == stats["nunique"].max())]
    return str(full.sort_values(["size"], kind="stable").index[0])


def worked_map(parcours, persona: str = "Camille") -> WorkedMap:
    """The worked map of one journey of ``persona`` in the ``parcours`` table."""
    journey_id = choose_journey(parcours, persona)
    events = parcours[parcours["id_parcours"] == journey_id].sort_values("horodatage")
    columns = []
    for row in events.itertuples(index=False):
        score = float(row.score_experience)
        stage = str(row.etape)
        columns.append(
            {
                "Phase": sc.STAGE_PHASE[stage],
                "Étape": stage,
                "Actions du client": str(row.action),
                "Canal et point de contact": f"{row.canal} ({row.point_de_contact})",
                "Pensées": THOUGHTS.get(str(row.action), ""),
                "Émotions (0 à 10)": f"{score:.0f}",
                "Irritants": IRRITANTS[stage] if score <= LOW_SCORE else "—",
                "Opportunités": OPPORTUNITIES[stage],
                "Enquête à placer": SURVEYS.get(stage, NO_SURVEY),
                "score": score,
            }
        )
    # One survey per step at most: only the last action of a surveyed step carries it.
    for i, col in enumerate(columns):
        nxt = columns[i + 1]["Étape"] if i + 1 < len(columns) else None
        if nxt == col["Étape"] and col["Enquête à placer"] != NO_SURVEY:
            col["Enquête à placer"] = "(plus loin dans l'étape)"
    client_id = str(events["id_client"].iloc[0])
    return WorkedMap(persona, sc.PERSONAS[persona], journey_id, client_id, columns)


# --- drawing -----------------------------------------------------------------------------------


def _grid(fig, n_cols: int, header: str, subtitle: str):
    """Draw the frame of an A3 map; return (axes, column x positions, row y bounds)."""
    from matplotlib.patches import Rectangle

    ax = fig.add_axes((0.02, 0.02, 0.96, 0.96))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.axis("off")
    ax.text(0, 98.5, header, fontsize=20, weight="bold", va="top", color="#1f4e79")
    ax.text(0, 95.2, subtitle, fontsize=11, va="top", color="#333333")
    left, top, bottom, right = 14.0, 90.0, 2.0, 99.7
    heights = (4, 6, 10, 10, 12, 20, 10, 10, 10)
    scale = (top - bottom) / sum(heights)
    bounds, y = [], top
    for h in heights:
        bounds.append((y - h * scale, y))
        y -= h * scale
    width = (right - left) / n_cols
    xs = [left + i * width for i in range(n_cols + 1)]
    for (name, hint), (y0, y1) in zip(ROWS, bounds, strict=True):
        ax.add_patch(
            Rectangle((0, y0), left, y1 - y0, facecolor="#dbe9f6", edgecolor="#1f4e79", lw=1)
        )
        ax.text(0.6, y1 - 0.6, name, fontsize=11, weight="bold", va="top")
        ax.text(0.6, y1 - 2.6, _wrap(hint, 32), fontsize=7, va="top", color="#444444")
        ax.plot([left, right], [y0, y0], color="#1f4e79", lw=0.8)
    ax.plot([left, right], [top, top], color="#1f4e79", lw=0.8)
    for x in xs:
        ax.plot([x, x], [bottom, top], color="#1f4e79", lw=0.6)
    return ax, xs, bounds


def _emotion_axis(ax, xs, bounds):
    y0, y1 = bounds[ROW_NAMES.index("Émotions (0 à 10)")]
    for level in range(0, 11, 2):
        y = y0 + 1 + (y1 - y0 - 2) * level / 10
        ax.plot([xs[0], xs[-1]], [y, y], color="#bbbbbb", lw=0.5, ls=":")
        ax.text(xs[0] - 0.3, y, str(level), fontsize=7, ha="right", va="center")
    return y0, y1


def _save_pdf(fig, path: Path) -> None:
    fig.savefig(
        path, format="pdf", metadata={"CreationDate": None, "Creator": None, "Producer": None}
    )


def blank_pdf(path: Path, *, columns: int = 8) -> Path:
    """The blank A3 landscape template, ready to print."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=A3_LANDSCAPE)
    ax, xs, bounds = _grid(
        fig,
        columns,
        "Carte d'expérience client",
        "Persona : ……………………………   Objectif du client : ……………………………………   "
        "Équipe : ……………………   Date : ……………",
    )
    y0, y1 = bounds[0]
    phases = (("avant l'achat", 3), ("pendant l'achat", 1), ("après l'achat", columns - 4))
    start = 0
    for label, span in phases:
        if span <= 0:
            continue
        ax.text(
            (xs[start] + xs[start + span]) / 2,
            (y0 + y1) / 2,
            label,
            ha="center",
            va="center",
            fontsize=10,
            style="italic",
        )
        if start:
            ax.plot([xs[start]] * 2, [2, y1], color="#1f4e79", lw=2)
        start += span
    _emotion_axis(ax, xs, bounds)
    _save_pdf(fig, path)
    plt.close(fig)
    return path


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) if text else ""


def worked_pdf(wmap: WorkedMap, path: Path) -> Path:
    """The worked map drawn on the A3 template, emotion curve included."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(wmap.columns)
    fig = plt.figure(figsize=A3_LANDSCAPE)
    ax, xs, bounds = _grid(
        fig,
        n,
        f"Carte d'expérience client — {wmap.persona} (exemple corrigé)",
        f"{wmap.persona}, {wmap.portrait}  Parcours {wmap.journey_id} des données de "
        "démonstration (illustratives).",
    )
    chars = max(10, int(150 / n))
    for row_i, name in enumerate(ROW_NAMES):
        if name == "Émotions (0 à 10)":
            continue
        y0, y1 = bounds[row_i]
        for j, col in enumerate(wmap.columns):
            ax.text(xs[j] + 0.3, y1 - 0.4, _wrap(col[name], chars), fontsize=6.5, va="top")
    y0, y1 = _emotion_axis(ax, xs, bounds)
    centres = [(xs[j] + xs[j + 1]) / 2 for j in range(n)]
    ys = [y0 + 1 + (y1 - y0 - 2) * s / 10 for s in wmap.scores]
    ax.plot(centres, ys, color="#1f4e79", lw=2, marker="o")
    for x, y, s in zip(centres, ys, wmap.scores, strict=True):
        color = "#c00000" if s <= LOW_SCORE else "#1f4e79"
        ax.text(x, y + 1.2, f"{s:.0f}", ha="center", fontsize=8, color=color, weight="bold")
    _save_pdf(fig, path)
    plt.close(fig)
    return path


# --- spreadsheet -------------------------------------------------------------------------------

GUIDE = (
    "Mode d'emploi de la carte d'expérience client",
    "1. Choisissez un persona et l'objectif qu'il poursuit ; une carte par persona.",
    "2. Ligne Étape : découpez le parcours en grandes étapes, de la découverte à l'après-achat.",
    "3. Ligne Actions : une colonne par action du persona, avec un verbe.",
    "4. Ligne Canal et point de contact : le canal de chaque action (étape × canal).",
    "5. Ligne Pensées : ce qu'il se dit, ses questions et ses attentes, à la première personne.",
    "6. Ligne Émotions : une note de 0 à 10 par action (données d'enquête si vous en avez), "
    "puis tracez la courbe.",
    "7. Lignes Irritants et Opportunités : partez des creux de la courbe.",
    "8. Ligne Enquête à placer : indicateur (CSAT, CES, NPS), canal et moment, aux étapes "
    "sensibles seulement ; écrivez « aucune » ailleurs pour ne pas sur-solliciter.",
    "9. Vérifiez : point de vue du client, pas de processus interne, points de contact précis, "
    "chiffres sourcés, actions prioritaires.",
)


def _sheet(wb, title: str, rows: list[list[str]], widths: int = 28):
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    ws = wb.create_sheet(title)
    thin = Side(style="thin", color="1F4E79")
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
            if c == 1:
                cell.font = Font(bold=True)
                cell.fill = PatternFill("solid", fgColor="DBE9F6")
        ws.row_dimensions[r].height = 60
    ws.column_dimensions["A"].width = 26
    for c in range(2, len(rows[0]) + 1):
        ws.column_dimensions[ws.cell(row=1, column=c).column_letter].width = widths
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return ws


def workbook(path: Path, wmap: WorkedMap | None = None, *, columns: int = 8) -> Path:
    """Editable spreadsheet: the guide, the blank map and (if given) the worked map."""
    from openpyxl import Workbook

    wb = Workbook()
    guide = wb.active
    guide.title = "Mode d'emploi"
    for i, line in enumerate(GUIDE, start=1):
        guide.cell(row=i, column=1, value=line)
    guide.column_dimensions["A"].width = 110
    blank = [[name] + [""] * columns for name in ROW_NAMES]
    blank[0][1:] = ["avant l'achat"] * 3 + ["pendant l'achat"] + ["après l'achat"] * (columns - 4)
    _sheet(wb, "Carte vierge", blank)
    if wmap is not None:
        ws = _sheet(wb, f"Exemple {wmap.persona}", wmap.table(), widths=24)
        ws.insert_rows(1)
        ws.cell(row=1, column=1, value=f"{wmap.persona} : {wmap.portrait}")
    wb.properties.created = FIXED_TIME
    wb.properties.creator = "Parcours"
    wb.save(path)
    _freeze_zip(path)
    return path


def _freeze_zip(path: Path) -> None:
    """Rewrite an .xlsx with fixed entry dates and modification time (same bytes every build)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info.filename)) for info in src.infolist()]
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            out.writestr(
                zipfile.ZipInfo(info.filename, FIXED_TIME.timetuple()[:6]),
                data,
                compress_type=zipfile.ZIP_DEFLATED,
            )


KIT_FILES = {
    "blank_pdf": "carte_experience_vierge_A3.pdf",
    "workbook": "carte_experience.xlsx",
    "worked_pdf": "carte_experience_exemple_camille_A3.pdf",
}


def build_kit(outdir: Path, parcours=None, *, persona: str = "Camille") -> dict[str, Path]:
    """Write the kit's files into ``outdir`` (demo data unless ``parcours`` is given)."""
    if parcours is None:
        from parcours.data import charger

        parcours = charger("parcours")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    wmap = worked_map(parcours, persona)
    return {
        "blank_pdf": blank_pdf(outdir / KIT_FILES["blank_pdf"]),
        "workbook": workbook(outdir / KIT_FILES["workbook"], wmap),
        "worked_pdf": worked_pdf(wmap, outdir / KIT_FILES["worked_pdf"]),
    }
