"""Complaints (`reclamations`): motive, channel, handling time, resolution and satisfaction.

Illustrative levels: a minority of buyers complain (REFERENCE.md §2.3: many dissatisfied clients
never complain to the company, about half speak to the front line), a few motives make most of the
volume (Pareto), handling takes a few days, most complaints get resolved.
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

COMPLAINING_SHARE = 0.08
MOTIVE_PROBS = np.array([0.17, 0.15, 0.07, 0.11, 0.09, 0.13, 0.10, 0.08])
PLANTED_MOTIVE_BOOST = 0.26
MOTIVE_DAYS = np.array([3.0, 6.0, 4.0, 1.5, 3.0, 5.0, 4.0, 9.0])  # median handling time
CHANNEL_PROBS = np.array([0.34, 0.26, 0.18, 0.10, 0.09, 0.03])


def complaints_frame(plan: Plan, port: Portfolio, student: str, secret: str) -> pd.DataFrame:
    rng = rng_for(student, secret, "reclamations")
    buyers = port.buyers
    who = buyers[rng.random(len(buyers)) < COMPLAINING_SHARE]
    who = np.repeat(who, 1 + rng.poisson(0.2, len(who)))
    starts = np.searchsorted(port.tx_client, who, side="left")
    ends = np.searchsorted(port.tx_client, who, side="right")
    tx = starts + (rng.random(len(who)) * (ends - starts)).astype(np.int64)
    received = port.tx_time[tx] + (rng.uniform(0.5, 20.0, len(who)) * DAY).astype(np.int64)
    keep = received <= REF_END - DAY
    who, received = who[keep], received[keep]
    order = np.argsort(received, kind="stable")
    who, received = who[order], received[order]
    n = len(who)

    probs = MOTIVE_PROBS + PLANTED_MOTIVE_BOOST * (
        np.array(sc.COMPLAINT_MOTIVES) == plan.dominant_motive
    )
    motive = pick(rng, probs, n)
    channel = pick(rng, CHANNEL_PROBS, n)
    handling = np.round(MOTIVE_DAYS[motive] * rng.lognormal(0.0, 0.65, n), 1)
    handling = np.clip(handling, 0.1, 365.0)
    closed_at = received + (handling * DAY).astype(np.int64)
    closed = closed_at <= REF_END
    resolved = closed & (rng.random(n) < 0.84)
    answered = closed & (rng.random(n) < 0.55)
    sat = (
        np.where(
            resolved,
            pick(rng, np.array([0.04, 0.06, 0.15, 0.40, 0.35]), n),
            pick(rng, np.array([0.45, 0.30, 0.15, 0.07, 0.03]), n),
        )
        + 1
    )
    # Slow handling lowers satisfaction, even when the problem is solved.
    sat = np.clip(sat - (handling > 10), 1, 5)

    closed_dt = to_datetime(closed_at)
    return pd.DataFrame(
        {
            "id_reclamation": make_ids("R", n, 5),
            "id_client": port.ids[who],
            "motif": categorical(motive, sc.COMPLAINT_MOTIVES),
            "canal": categorical(channel, sc.COMPLAINT_CHANNELS),
            "date_reclamation": to_datetime(received),
            "date_cloture": np.where(closed, closed_dt, np.datetime64("NaT")).astype(
                "datetime64[ns]"
            ),
            "delai_traitement_jours": np.where(closed, handling, np.nan),
            "resolue": resolved,
            "satisfaction_traitement": pd.array(np.where(answered, sat, np.nan), dtype="Int64"),
        }
    )
