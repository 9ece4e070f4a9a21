"""Journey events (`parcours`): who did what, at which stage, on which channel, and how it felt.

Vectorised: journeys are a (journey × stage) grid of event counts, flattened with ``np.repeat``;
no Python loop runs per row, so a million events take a few seconds.
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
    pick_rows,
    rng_for,
    to_datetime,
)

N_STAGES = len(sc.STAGES)
N_CHANNELS = len(sc.CHANNELS)
ACHAT = sc.STAGES.index("achat")

# Channel mix per stage (rows: stages, columns: CHANNELS), illustrative of an omnichannel retailer
# whose journeys mostly start on digital channels. Empty cells get a trace of RARE.
CHANNEL_MIX = np.array(
    [  # magasin, site web, application, téléphone, e-mail, réseaux sociaux, chat
        [0.18, 0.24, 0.10, 0.02, 0.16, 0.28, 0.02],  # besoin
        [0.18, 0.38, 0.18, 0.05, 0.03, 0.12, 0.06],  # recherche d'information
        [0.22, 0.40, 0.20, 0.06, 0.02, 0.05, 0.05],  # comparaison
        [0.40, 0.35, 0.20, 0.05, 0.00, 0.00, 0.00],  # achat
        [0.30, 0.35, 0.20, 0.05, 0.10, 0.00, 0.00],  # réception
        [0.12, 0.33, 0.25, 0.10, 0.05, 0.15, 0.00],  # utilisation
        [0.25, 0.15, 0.08, 0.30, 0.12, 0.05, 0.05],  # service après-vente
        [0.22, 0.15, 0.20, 0.00, 0.33, 0.10, 0.00],  # fidélisation
    ]
)
RARE = 0.0025
# How personas lean towards channels (multipliers on the mix).
PERSONA_CHANNEL_TILT = np.array(
    [
        [0.5, 1.2, 2.2, 0.5, 1.0, 1.3, 1.5],  # Camille
        [2.8, 0.5, 0.2, 1.8, 0.8, 0.3, 0.3],  # Bernard
        [0.6, 1.2, 1.4, 0.3, 1.0, 2.2, 1.2],  # Inès
        [1.3, 1.3, 0.5, 1.8, 0.6, 0.5, 1.2],  # Marc
        [1.2, 1.4, 0.9, 0.7, 1.2, 0.8, 0.8],  # Sophie
    ]
)
# Chance that a stage appears in a journey that reaches it (skipped steps), and extra events.
PRE_STAGE_KEEP = np.array([0.75, 0.88, 0.65])
POST_STAGE_KEEP = np.array([0.92, 0.62, 0.28, 0.45])
EXTRA_EVENTS = np.array([0.2, 1.0, 0.6, 0.5, 0.4, 0.3, 0.6, 0.5])
# Days from the purchase (anchor) to each stage's events: overlapping windows give back-steps.
STAGE_OFFSET_DAYS = np.array(
    [[-21, -6], [-12, -1], [-4, 0.2], [0, 0.05], [0.5, 8], [6, 35], [10, 70], [25, 120]]
)
CHANNEL_MEDIAN_MIN = np.array([15.0, 6.0, 4.0, 8.0, 1.5, 3.0, 7.0])
# Persona × channel affinity for the felt score (illustrative).
PERSONA_CHANNEL_SCORE = np.array(
    [
        [-0.6, 0.2, 0.5, -0.5, 0.0, 0.1, 0.2],
        [0.5, -0.5, -0.8, 0.2, -0.2, -0.5, -0.6],
        [-0.2, 0.1, 0.2, -0.3, 0.0, 0.4, 0.1],
        [0.1, 0.2, -0.2, 0.3, 0.0, -0.2, 0.0],
        [0.1, 0.2, 0.0, -0.1, 0.1, 0.0, 0.0],
    ]
)
WORST_MARGIN = (1.0, 1.6)  # points below the next frequent touchpoint
DECOY_SCORE = 0.7
WEAK_CHANNEL_EFFECT = -0.5


def journeys_frame(plan: Plan, port: Portfolio, student: str, secret: str) -> pd.DataFrame:
    rng = rng_for(student, secret, "parcours")

    # Which clients have a journey: every buyer (around a purchase, sometimes two), each prospect,
    # and some suspects (an unqualified first look).
    n_tx = len(port.tx_client)
    tx_last = np.r_[port.tx_client[1:] != port.tx_client[:-1], True] if n_tx else np.array([], bool)
    last_tx = np.flatnonzero(tx_last)
    other_tx = np.flatnonzero(~tx_last)
    second = other_tx[rng.random(len(other_tx)) < 0.3 * len(last_tx) / max(len(other_tx), 1)]
    anchor_tx = np.concatenate([last_tx, second])
    prospects = np.flatnonzero(port.status == 1)
    suspects = np.flatnonzero(port.status == 0)
    suspects = suspects[rng.random(len(suspects)) < 0.3]

    n_buy = len(anchor_tx)
    j_client = np.concatenate([port.tx_client[anchor_tx], prospects, suspects])
    n_j = len(j_client)
    bought = np.arange(n_j) < n_buy
    anchor = np.empty(n_j, dtype=np.int64)
    anchor[:n_buy] = port.tx_time[anchor_tx]
    n_look = n_j - n_buy
    anchor[n_buy:] = port.entry[j_client[n_buy:]] + (rng.random(n_look) * 60 * DAY).astype(np.int64)
    anchor = np.minimum(anchor, REF_END - DAY)

    # Stage grid: buyers go through purchase; others stop at a last stage reached.
    last_stage = np.full(n_j, N_STAGES - 1)
    stop = pick(rng, np.array([0.15, 0.35, 0.30, 0.20]), n_look)
    is_suspect = np.arange(n_j) >= n_buy + len(prospects)
    stop = np.where(is_suspect[n_buy:], np.minimum(stop, 1), stop)
    last_stage[n_buy:] = stop
    stage_idx = np.arange(N_STAGES)
    keep = np.empty((n_j, N_STAGES), dtype=bool)
    keep[:, :3] = rng.random((n_j, 3)) < PRE_STAGE_KEEP
    keep[:, ACHAT] = True
    keep[:, 4:] = rng.random((n_j, 4)) < POST_STAGE_KEEP
    keep &= stage_idx <= last_stage[:, None]
    keep[np.arange(n_j), last_stage] = True
    counts = keep * (1 + rng.poisson(EXTRA_EVENTS, (n_j, N_STAGES)))

    cell = np.repeat(np.arange(n_j * N_STAGES), counts.ravel())
    journey, stage = cell // N_STAGES, cell % N_STAGES
    n = len(journey)
    client = j_client[journey]
    persona = port.persona[client]

    lo, hi = STAGE_OFFSET_DAYS[stage, 0], STAGE_OFFSET_DAYS[stage, 1]
    offset = (lo + rng.random(n) * (hi - lo)) * DAY
    time = anchor[journey] + offset.astype(np.int64)
    # The purchase event itself happens at the moment of the purchase.
    first_of_cell = np.r_[True, cell[1:] != cell[:-1]]
    at_purchase = bought[journey] & (stage == ACHAT) & first_of_cell
    time[at_purchase] = anchor[journey[at_purchase]]

    mix = CHANNEL_MIX + RARE * (CHANNEL_MIX == 0)
    channel = pick_rows(rng, mix[stage] * PERSONA_CHANNEL_TILT[persona])
    purchase_channel = np.array([sc.CHANNELS.index(c) for c in sc.PURCHASE_CHANNELS])
    tx_channel = np.full(n_j, -1)
    tx_channel[:n_buy] = purchase_channel[port.tx_channel[anchor_tx]]
    buy_evt = bought[journey] & (stage == ACHAT)
    channel[buy_evt] = tx_channel[journey[buy_evt]]
    # The decoy touchpoint stays rare (8 to 20 events), below any sensible minimum count.
    d_stage, d_channel = (
        sc.STAGES.index(plan.decoy_touchpoint[0]),
        sc.CHANNELS.index(plan.decoy_touchpoint[1]),
    )
    in_decoy = np.flatnonzero((stage == d_stage) & (channel == d_channel))
    wanted = int(rng.integers(8, 21))
    if len(in_decoy) > wanted:
        channel[in_decoy[wanted:]] = int(np.argmax(CHANNEL_MIX[d_stage]))
    elif len(in_decoy) < wanted:
        pool = np.flatnonzero((stage == d_stage) & (channel != d_channel) & ~buy_evt)
        moved = rng.choice(pool, size=min(len(pool), wanted - len(in_decoy)), replace=False)
        channel[moved] = d_channel

    # Keep what happened before the reference date; order events in time within each journey.
    seen = time <= REF_END
    order = np.lexsort((time, journey))
    order = order[seen[order]]
    journey, stage, channel, time, client, persona = (
        a[order] for a in (journey, stage, channel, time, client, persona)
    )
    n = len(journey)

    last_evt = np.r_[journey[1:] != journey[:-1], True]
    abandon = last_evt & ~bought[journey]
    action = stage * 3 + rng.integers(0, 3, n)
    action[abandon & (stage == ACHAT)] = ACHAT * 3  # « ajoute au panier », never paid

    worst = sc.STAGES.index(plan.worst_touchpoint[0]), sc.CHANNELS.index(plan.worst_touchpoint[1])
    decoy = sc.STAGES.index(plan.decoy_touchpoint[0]), sc.CHANNELS.index(plan.decoy_touchpoint[1])
    weak = sc.CHANNELS.index(plan.weak_channel)
    client_effect = rng.normal(0.0, 0.7, len(port.ids))
    score = (
        plan.stage_scores[stage]
        + PERSONA_CHANNEL_SCORE[persona, channel]
        + client_effect[client]
        + WEAK_CHANNEL_EFFECT * (channel == weak)
        + rng.normal(0.0, 1.5, n)
    )
    # Plant the worst touchpoint: its mean sits clearly below every other frequent touchpoint.
    cell = stage * N_CHANNELS + channel
    worst_cell = worst[0] * N_CHANNELS + worst[1]
    sums = np.bincount(cell, weights=score, minlength=N_STAGES * N_CHANNELS)
    counts = np.bincount(cell, minlength=N_STAGES * N_CHANNELS)
    means = sums / np.maximum(counts, 1)
    frequent = counts >= 20
    frequent[[worst_cell, decoy[0] * N_CHANNELS + decoy[1]]] = False
    target = means[frequent].min() - rng.uniform(*WORST_MARGIN)
    score[cell == worst_cell] += target - means[worst_cell]
    is_decoy = (stage == decoy[0]) & (channel == decoy[1])
    score[is_decoy] = DECOY_SCORE + rng.normal(0.0, 0.8, int(is_decoy.sum()))
    score[abandon] -= 1.0
    score = np.clip(np.round(score), 0, 10).astype(np.int64)

    duration = np.clip(
        np.round(CHANNEL_MEDIAN_MIN[channel] * rng.lognormal(0.0, 0.6, n), 1), 0.1, 240.0
    )
    journey_ids = make_ids("P", n_j, 6 if n_j < 1_000_000 else 7)
    return pd.DataFrame(
        {
            "id_parcours": journey_ids[journey],
            "id_client": port.ids[client],
            "persona": categorical(persona, sc.PERSONA_NAMES),
            "etape": categorical(stage, sc.STAGES, ordered=True),
            "action": categorical(action, sc.ACTIONS_ALL),
            "canal": categorical(channel, sc.CHANNELS),
            "point_de_contact": categorical(stage * N_CHANNELS + channel, sc.TOUCHPOINTS),
            "horodatage": to_datetime(time),
            "duree_min": duration,
            "score_experience": score,
            "abandon": abandon,
        }
    )
