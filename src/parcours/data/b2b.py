"""B2B buying centers (`centre_achat`): Boréal Pro's deals and the people who weigh on them.

Levels: buying groups of about 2–4 people in small firms up to 7–12 in large ones (REFERENCE.md
§2.5: Bonoma 1982, five to seven persons; Gartner, 6–10); sales cycles drawn lognormal with a
median near 45 days for small deals and several months for large ones (§2.6, illustrative). Deals
where the salesperson met the decision-maker are won much more often: the planted finding.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from parcours.data import scenario as sc
from parcours.data.core import (
    DAY,
    HIST_START,
    REF_END,
    Plan,
    categorical,
    make_ids,
    pick,
    rng_for,
    to_datetime,
)

SIZE_PROBS = np.array([0.30, 0.40, 0.20, 0.10])
SIZE_CONTACTS = np.array([[2, 4], [3, 6], [5, 9], [7, 12]])
SIZE_MEDIAN_EUR = np.array([4_000.0, 15_000.0, 60_000.0, 200_000.0])
OPTIONAL_ROLES = ("prescripteur", "influenceur", "payeur", "filtre", "utilisateur")
OPTIONAL_PROBS = np.array([0.28, 0.2, 0.2, 0.17, 0.15])
MET_RATE = {
    "acheteur": 0.95,
    "utilisateur": 0.6,
    "prescripteur": 0.7,
    "influenceur": 0.35,
    "payeur": 0.4,
    "filtre": 0.85,
}
SECTOR_PREFIXES = {
    "hôtellerie": ("Hôtel", "Résidence hôtelière"),
    "restauration": ("Restaurant", "Brasserie"),
    "santé": ("Clinique", "EHPAD", "Centre médical"),
    "enseignement": ("Lycée", "École", "Campus"),
    "bureaux": ("Cabinet", "Agence", "Groupe"),
    "collectivité": ("Mairie de", "Communauté de communes de"),
}
PLACE_NAMES = (
    "les Tilleuls",
    "Armor",
    "Bellevue",
    "la Gare",
    "Saint-Roch",
    "Beauséjour",
    "les Pins",
    "Val d'Orge",
    "Montclair",
    "la Source",
    "Bel Air",
    "les Chênes",
    "Mirabeau",
    "Vauban",
    "Port-Royal",
    "la Roseraie",
    "Haute-Rive",
    "Clairefontaine",
    "Sainte-Anne",
    "les Lilas",
    "Kervalon",
    "Montplaisir",
    "la Colline",
    "Beaulieu",
    "Saint-Exupéry",
    "Florian",
)


def buying_center_frame(plan: Plan, student: str, secret: str) -> pd.DataFrame:
    rng = rng_for(student, secret, "centre_achat")
    n = plan.n_deals
    size = pick(rng, SIZE_PROBS, n)
    sector = pick(rng, np.full(len(sc.B2B_SECTORS), 1.0), n)
    n_people = rng.integers(SIZE_CONTACTS[size, 0], SIZE_CONTACTS[size, 1] + 1)
    decider_met = rng.random(n) < plan.decider_met_rate
    p_win = np.where(decider_met, plan.win_met, plan.win_not_met) - 0.01 * (n_people - 4)
    won = rng.random(n) < np.clip(p_win, 0.03, 0.95)
    cycle = np.clip(
        np.round(35.0 * (1 + 0.22 * (n_people - 2)) * rng.lognormal(0.0, 0.35, n)), 1, 720
    ).astype(np.int64)
    opened = HIST_START + (rng.random(n) * (REF_END - HIST_START - cycle * DAY)).astype(np.int64)
    order = np.argsort(opened, kind="stable")
    size, sector, n_people, decider_met, won, cycle, opened = (
        a[order] for a in (size, sector, n_people, decider_met, won, cycle, opened)
    )
    closed = opened + cycle * DAY
    amount = np.clip(np.round(SIZE_MEDIAN_EUR[size] * rng.lognormal(0.0, 0.6, n), -1), 500, 2e6)
    names = np.array(
        [
            f"{SECTOR_PREFIXES[sc.B2B_SECTORS[s]][rng.integers(len(SECTOR_PREFIXES[sc.B2B_SECTORS[s]]))]}"
            f" {PLACE_NAMES[rng.integers(len(PLACE_NAMES))]}"
            for s in sector
        ],
        dtype=object,
    )

    rows_deal, rows_person, rows_role, rows_met = [], [], [], []
    person_base = 0
    for d in range(n):
        k = n_people[d]
        roles = ["décideur", "acheteur", "utilisateur"][: max(2, min(3, k))]
        extra = pick(rng, OPTIONAL_PROBS, max(0, k - len(roles)))
        roles += [OPTIONAL_ROLES[i] for i in extra]
        persons = list(range(person_base, person_base + len(roles)))
        met = [bool(decider_met[d])] + [bool(rng.random() < MET_RATE[r]) for r in roles[1:]]
        # In small firms one person often holds two roles: the boss decides and pays.
        if size[d] <= 1 and rng.random() < 0.45:
            roles.append("payeur")
            persons.append(person_base)
            met.append(met[0])
        if size[d] == 0 and k == 2 and rng.random() < 0.5:
            roles.append("utilisateur")
            persons.append(person_base)
            met.append(met[0])
        person_base += k
        rows_deal += [d] * len(roles)
        rows_person += persons
        rows_role += [sc.BUYING_ROLES.index(r) for r in roles]
        rows_met += met

    deal = np.array(rows_deal)
    person = np.array(rows_person)
    role = np.array(rows_role)
    met = np.array(rows_met, dtype=bool)
    role_names = np.array(sc.BUYING_ROLES)[role]
    function = np.array(
        [
            sc.FUNCTIONS.index(sc.ROLE_FUNCTIONS[r][rng.integers(len(sc.ROLE_FUNCTIONS[r]))])
            for r in role_names
        ]
    )
    # A person holding two roles keeps one function: the one of their first role.
    first_row = {}
    for i, p in enumerate(person):
        first_row.setdefault(p, i)
    function = function[[first_row[p] for p in person]]
    interactions = np.where(
        met, 2 + rng.poisson(2.0 + cycle[deal] / 40.0), rng.poisson(0.6, len(deal))
    ).astype(np.int64)
    interactions = np.minimum(interactions, 60)
    person_ids = make_ids("K", int(person.max()) + 1 if len(person) else 0, 5)
    deal_ids = make_ids("A", n, 4)
    return pd.DataFrame(
        {
            "id_affaire": deal_ids[deal],
            "entreprise": names[deal],
            "secteur": categorical(sector[deal], sc.B2B_SECTORS),
            "taille_entreprise": categorical(size[deal], sc.COMPANY_SIZES, ordered=True),
            "date_ouverture": to_datetime(opened[deal]),
            "date_cloture": to_datetime(closed[deal]),
            "duree_cycle_jours": cycle[deal],
            "montant": amount[deal].astype(float),
            "issue": categorical(np.where(won, 0, 1)[deal], sc.DEAL_OUTCOMES),
            "id_contact": person_ids[person],
            "fonction": categorical(function, sc.FUNCTIONS),
            "role": categorical(role, sc.BUYING_ROLES),
            "rencontre": met,
            "nb_interactions": interactions,
        }
    )
