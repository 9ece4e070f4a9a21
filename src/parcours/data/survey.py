"""Satisfaction survey (`enquete`): NPS, CSAT, CES 2.0, expectations and perceptions, verbatims.

Levels follow ../shared/REFERENCE.md: a transactional B2C survey answered by about one client in
five (§2.4, 15–25 %), extreme opinions answering more often (non-response bias); a CSAT (share of
4–5) around 75–88 % beside an NPS near 0 to +25 (§2.2: high satisfaction can sit beside a low NPS,
as in French banking; French respondents rarely give 9 or 10, §1.1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from parcours.data import scenario as sc
from parcours.data.core import (
    DAY,
    REF_END,
    Plan,
    Portfolio,
    categorical,
    make_ids,
    pick,
    rng_for,
    to_datetime,
)

INVITED_SHARE = 1.0
STAGE_PROBS = np.array([0.5, 0.3, 0.2])  # achat, réception, service après-vente
STAGE_EFFECT = np.array([0.1, 0.0, -0.15])
OTHER_CHANNEL_PROBS = np.array([0.30, 0.20, 0.15, 0.15, 0.20])  # for réception / SAV
SURVEY_CHANNEL_PROBS = np.array([0.6, 0.2, 0.12, 0.08])
WEAK_CHANNEL_EFFECT = -0.75
# Attribute expectations (importance) and usual gaps perception − expectation, 1–7 scales.
EXPECTATION = np.array([5.8, 5.2, 5.4, 6.0, 6.2, 5.6])
USUAL_GAP = np.array([-0.35, 0.35, -0.15, -0.45, -0.05, -0.25])
PLANTED_GAP = -1.1

VERBATIMS = {
    # (tone, attribute) -> short comments; tone 0 = negative, 1 = mixed, 2 = positive.
    0: (
        ("Délai de livraison beaucoup trop long.", "Trois semaines d'attente, inadmissible."),
        ("Accueil froid, personne pour m'aider.", "Vendeur désagréable au comptoir."),
        ("Mauvais conseil, produit inadapté.", "Le vendeur ne connaissait pas le produit."),
        ("Trop cher pour la qualité.", "Prix plus élevés qu'ailleurs."),
        ("Produit abîmé dès la première semaine.", "Qualité décevante."),
        ("Produit jamais en stock.", "Rupture de stock encore une fois."),
    ),
    1: (
        ("Correct mais la livraison a pris du temps.", "Délai un peu long."),
        ("Accueil correct sans plus.", "Personnel poli mais peu disponible."),
        ("Conseils utiles mais un peu rapides.", "J'aurais aimé plus d'explications."),
        ("Prix dans la moyenne.", "Un peu cher mais correct."),
        ("Qualité correcte pour le prix.", "Produit conforme, sans plus."),
        ("J'ai dû attendre le réassort.", "Stock limité en magasin."),
    ),
    2: (
        ("Livraison rapide, rien à redire.", "Reçu en deux jours, parfait."),
        ("Accueil chaleureux, merci !", "Équipe très sympathique."),
        ("Excellent conseil du vendeur.", "Très bien conseillé, je recommande."),
        ("Bon rapport qualité/prix.", "Prix intéressants."),
        ("Produit de très bonne qualité.", "Très satisfait du produit."),
        ("Tout était disponible, top.", "Produit en stock et retiré tout de suite."),
    ),
}
_VERBATIM_ARRAY = np.array(
    [[list(VERBATIMS[t][a]) for a in range(len(sc.ATTRIBUTES))] for t in range(3)], dtype=object
)


# TD3 Q11 tells every student « plus de trois clients sur quatre sont satisfaits, et pourtant notre
# NPS est proche de zéro »: each variant's answered CSAT and NPS must make it true.
CSAT_MIN = 76.0
NPS_MAX_ABS = 12.0


def _scores(
    z: np.ndarray, csat_noise: np.ndarray, answer_draw: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    nps = np.clip(np.round(7.7 + 1.7 * z), 0, 10)
    csat = 1 + np.searchsorted(np.array([-2.3, -1.75, -1.3, 0.6]), z + csat_noise)
    # Non-response bias: the delighted and the angry answer more often.
    answered = answer_draw < np.clip(0.13 + 0.09 * np.abs(z), 0.05, 0.6)
    return nps, csat, answered


def _calibrated_shift(
    shift: float, base: np.ndarray, csat_noise: np.ndarray, answer_draw: np.ndarray
) -> float:
    """The satisfaction shift nearest the plan's that keeps CSAT > 75 % and the NPS near zero."""
    for step in range(61):
        for candidate in (shift + 0.01 * step, shift - 0.01 * step):
            nps, csat, answered = _scores(candidate + base, csat_noise, answer_draw)
            if not answered.any():
                continue
            csat_pct = (csat[answered] >= 4).mean() * 100
            nps_val = ((nps[answered] >= 9).mean() - (nps[answered] <= 6).mean()) * 100
            if csat_pct > CSAT_MIN and abs(nps_val) <= NPS_MAX_ABS:
                return candidate
    return shift


def survey_frame(plan: Plan, port: Portfolio, student: str, secret: str) -> pd.DataFrame:
    rng = rng_for(student, secret, "enquete")
    buyers = port.buyers
    invited = buyers[rng.random(len(buyers)) < INVITED_SHARE]
    # The surveyed purchase: one of the client's purchases, taken at random.
    starts = np.searchsorted(port.tx_client, invited, side="left")
    ends = np.searchsorted(port.tx_client, invited, side="right")
    tx = starts + (rng.random(len(invited)) * (ends - starts)).astype(np.int64)
    n = len(invited)

    stage = pick(rng, STAGE_PROBS, n)
    other = pick(rng, OTHER_CHANNEL_PROBS, n)
    channel = np.where(stage == 0, port.tx_channel[tx], other)  # purchase channels come first
    delay = np.where(stage == 0, 1, np.where(stage == 1, 6, 20)) * DAY
    sent = port.tx_time[tx] + delay + (rng.random(n) * 2 * DAY).astype(np.int64)
    keep = sent <= REF_END
    invited, tx, stage, channel, sent = (a[keep] for a in (invited, tx, stage, channel, sent))
    order = np.argsort(sent, kind="stable")
    invited, tx, stage, channel, sent = (a[order] for a in (invited, tx, stage, channel, sent))
    n = len(invited)

    weak = sc.SURVEYED_CHANNELS.index(plan.weak_channel)
    base = STAGE_EFFECT[stage] + WEAK_CHANNEL_EFFECT * (channel == weak) + rng.normal(0.0, 1.0, n)
    csat_noise = rng.normal(0.0, 0.55, n)
    ces_noise = rng.normal(0.0, 0.9, n)
    answer_draw = rng.random(n)
    z = _calibrated_shift(plan.nps_shift, base, csat_noise, answer_draw) + base
    nps, csat, answered = _scores(z, csat_noise, answer_draw)
    ces = np.clip(np.round(5.3 + 0.9 * z + ces_noise), 1, 7)

    expectation = np.clip(
        np.round(EXPECTATION + rng.normal(0.0, 0.8, (n, len(sc.ATTRIBUTES)))), 1, 7
    )
    gap = USUAL_GAP + PLANTED_GAP * (np.array(sc.ATTRIBUTES) == plan.gap_attribute)
    perception = np.clip(
        np.round(EXPECTATION + gap + 0.6 * z[:, None] + rng.normal(0.0, 0.9, expectation.shape)),
        1,
        7,
    )
    tone = np.where(nps <= 6, 0, np.where(nps <= 8, 1, 2))
    topic = np.where(
        tone == 2,
        np.argmax(perception - expectation, axis=1),
        np.argmin(perception - expectation, axis=1),
    )
    verbatim = _VERBATIM_ARRAY[tone, topic, rng.integers(0, 2, n)]

    def answers(values: np.ndarray) -> pd.arrays.IntegerArray:
        return pd.array(np.where(answered, values, np.nan), dtype="Int64")

    data = {
        "id_reponse": make_ids("Q", n, 5),
        "id_client": port.ids[invited],
        "date_envoi": to_datetime(sent),
        "canal_enquete": categorical(pick(rng, SURVEY_CHANNEL_PROBS, n), sc.SURVEY_CHANNELS),
        "etape": categorical(stage, sc.SURVEYED_STAGES),
        "canal": categorical(channel, sc.SURVEYED_CHANNELS),
        "point_de_contact": categorical(
            stage * len(sc.SURVEYED_CHANNELS) + channel,
            [sc.touchpoint(s, c) for s in sc.SURVEYED_STAGES for c in sc.SURVEYED_CHANNELS],
        ),
        "repondu": answered,
        "note_nps": answers(nps),
        "note_csat": answers(csat),
        "note_ces": answers(ces),
    }
    for i, attr in enumerate(sc.ATTRIBUTES):
        data[f"attente_{attr}"] = answers(expectation[:, i])
        data[f"perception_{attr}"] = answers(perception[:, i])
    data["verbatim"] = np.where(answered, verbatim, None)
    return pd.DataFrame(data)
