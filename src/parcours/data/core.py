"""Seeded randomness, the per-student plan of planted findings, and the client portfolio.

A variant is a pure function of (dataset, student id, course secret, size): every random stream is
seeded from a hash of those, so the same inputs give byte-identical frames on every machine. The
portfolio (clients and their purchases) is the backbone the other datasets hang on, so that ids
join and statuses match the purchases.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from parcours.data import scenario as sc

DAY = 86_400
REF_END = int(pd.Timestamp(sc.REFERENCE_DATE).timestamp()) + DAY - 1  # 30/06/2026 23:59:59
HIST_START = int(pd.Timestamp(sc.HISTORY_START).timestamp())
ACTIVE_LIMIT = int(
    (pd.Timestamp(sc.REFERENCE_DATE) - pd.DateOffset(months=sc.ACTIVE_WINDOW_MONTHS)).timestamp()
)
LOST_LIMIT = int(
    (pd.Timestamp(sc.REFERENCE_DATE) - pd.DateOffset(months=sc.LOST_AFTER_MONTHS)).timestamp()
)
# Planted dates keep this distance from every rule boundary, so « 6 mois » read as 182 or 183 days,
# or a boundary counted inclusively, gives the same status.
MARGIN = 6 * DAY

# Base sizes of one student's variant (multiplied by ``taille``).
N_CLIENTS = 6000
N_SESSIONS = 20000
N_DEALS = 160

# Shares of the life-cycle statuses in the portfolio (illustrative).
STATUS_SHARES = np.array([0.14, 0.14, 0.10, 0.36, 0.12, 0.14])

# Candidate places for the planted findings. Worst touchpoints are frequent cells of a journey;
# decoys are rare cells, very badly rated, that a ranking without a minimum count picks up.
WORST_TOUCHPOINTS = (
    ("réception", "site web"),
    ("service après-vente", "téléphone"),
    ("achat", "magasin"),
    ("comparaison", "application"),
    ("réception", "magasin"),
    ("recherche d'information", "site web"),
    ("service après-vente", "magasin"),
    ("achat", "application"),
)
DECOY_TOUCHPOINTS = (
    ("achat", "chat"),
    ("réception", "chat"),
    ("utilisation", "chat"),
    ("fidélisation", "téléphone"),
    ("fidélisation", "chat"),
    ("réception", "réseaux sociaux"),
)


def rng_for(student: str, secret: str, stream: str) -> np.random.Generator:
    """An independent random generator for one stream of one student's variant."""
    digest = hashlib.blake2b(f"{secret}\x1f{student}\x1f{stream}".encode(), digest_size=16).digest()
    return np.random.Generator(np.random.PCG64(int.from_bytes(digest, "little")))


def pick(rng: np.random.Generator, probs: np.ndarray, size: int | None = None) -> np.ndarray:
    """Draw category codes from one probability vector."""
    return rng.choice(len(probs), size=size, p=np.asarray(probs) / np.sum(probs))


def pick_rows(rng: np.random.Generator, prob_rows: np.ndarray) -> np.ndarray:
    """Draw one category code per row, each row with its own probabilities (vectorised)."""
    cum = np.cumsum(prob_rows, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(len(prob_rows))[:, None]
    return np.minimum((u > cum).sum(axis=1), prob_rows.shape[1] - 1)


def uniform_seconds(rng: np.random.Generator, low, high, size: int | None = None) -> np.ndarray:
    """Integer seconds drawn uniformly in [low, high]: one per element of the bounds, or ``size``."""
    low = np.asarray(low, dtype=np.int64)
    high = np.asarray(high, dtype=np.int64)
    shape = np.broadcast_shapes(low.shape, high.shape, () if size is None else (size,))
    return low + (rng.random(shape) * (high - low)).astype(np.int64)


_ID_CACHE: dict[tuple[str, int], np.ndarray] = {}


def make_ids(prefix: str, n: int, width: int) -> np.ndarray:
    """Identifiers such as C00001 as an object array (built once, then sliced: ids are shared)."""
    known = _ID_CACHE.get((prefix, width))
    if known is None or len(known) < n:
        size = max(n, 2 * (0 if known is None else len(known)), 1024)
        known = np.array([f"{prefix}{i:0{width}d}" for i in range(1, size + 1)], dtype=object)
        _ID_CACHE[(prefix, width)] = known
    return known[:n].copy()


def categorical(codes: np.ndarray, values, ordered: bool = False) -> pd.Categorical:
    return pd.Categorical.from_codes(
        codes.astype(np.int16), categories=list(values), ordered=ordered
    )


def to_datetime(seconds: np.ndarray) -> np.ndarray:
    return np.asarray(seconds, dtype=np.int64).astype("datetime64[s]").astype("datetime64[ns]")


@dataclass(frozen=True)
class Plan:
    """What the variant plants, and where: the findings that move between students."""

    n_clients: int
    n_sessions: int
    n_deals: int
    status_shares: np.ndarray
    persona_weights: np.ndarray
    worst_touchpoint: tuple[str, str]
    decoy_touchpoint: tuple[str, str]
    stage_scores: np.ndarray
    weak_channel: str
    gap_attribute: str
    dominant_motive: str
    leaky_step: int  # index in FUNNEL_STAGES of the stage reached worst from the previous one
    nps_shift: float
    win_met: float
    win_not_met: float
    decider_met_rate: float


def make_plan(student: str, secret: str, size: float = 1.0) -> Plan:
    rng = rng_for(student, secret, "plan")
    shares = STATUS_SHARES * rng.uniform(0.8, 1.2, len(STATUS_SHARES))
    return Plan(
        n_clients=max(200, int(round(N_CLIENTS * size * rng.uniform(0.92, 1.08)))),
        n_sessions=max(500, int(round(N_SESSIONS * size * rng.uniform(0.9, 1.1)))),
        n_deals=max(20, int(round(N_DEALS * size * rng.uniform(0.9, 1.1)))),
        status_shares=shares / shares.sum(),
        persona_weights=rng.dirichlet(np.full(len(sc.PERSONA_NAMES), 12.0)),
        worst_touchpoint=WORST_TOUCHPOINTS[rng.integers(len(WORST_TOUCHPOINTS))],
        decoy_touchpoint=DECOY_TOUCHPOINTS[rng.integers(len(DECOY_TOUCHPOINTS))],
        # Typical emotion curve (illustrative): a dip at comparison, a high at purchase, a low at
        # after-sales service; each student's curve moves around it.
        stage_scores=np.array([6.0, 6.4, 5.6, 7.0, 6.2, 7.4, 4.8, 6.8])
        + rng.uniform(-0.35, 0.35, len(sc.STAGES)),
        weak_channel=sc.SURVEYED_CHANNELS[rng.integers(len(sc.SURVEYED_CHANNELS))],
        gap_attribute=sc.ATTRIBUTES[rng.integers(len(sc.ATTRIBUTES))],
        dominant_motive=sc.COMPLAINT_MOTIVES[rng.integers(len(sc.COMPLAINT_MOTIVES))],
        # Same draw as before the funnel was recalibrated, mapped onto the leak candidates.
        leaky_step=sc.FUNNEL_STAGES.index(
            sc.FUNNEL_LEAK_CANDIDATES[
                int(rng.integers(1, len(sc.FUNNEL_STAGES))) % len(sc.FUNNEL_LEAK_CANDIDATES)
            ]
        ),
        nps_shift=float(rng.uniform(-0.15, 0.3)),
        win_met=float(rng.uniform(0.45, 0.62)),
        win_not_met=float(rng.uniform(0.12, 0.26)),
        decider_met_rate=float(rng.uniform(0.45, 0.7)),
    )


# Persona tastes (illustrative): purchase channel, SONCAS motive, acquisition channel, age.
PERSONA_PURCHASE_CHANNEL = np.array(
    [  # magasin, site web, application, téléphone
        [0.15, 0.30, 0.52, 0.03],  # Camille
        [0.80, 0.08, 0.02, 0.10],  # Bernard
        [0.20, 0.45, 0.33, 0.02],  # Inès
        [0.45, 0.35, 0.08, 0.12],  # Marc
        [0.40, 0.40, 0.17, 0.03],  # Sophie
    ]
)
PERSONA_SONCAS = np.array(
    [  # sécurité, orgueil, nouveauté, confort, argent, sympathie
        [0.10, 0.15, 0.30, 0.30, 0.10, 0.05],
        [0.30, 0.05, 0.05, 0.20, 0.10, 0.30],
        [0.05, 0.15, 0.30, 0.05, 0.40, 0.05],
        [0.35, 0.25, 0.10, 0.10, 0.15, 0.05],
        [0.20, 0.05, 0.05, 0.25, 0.35, 0.10],
    ]
)
PERSONA_ACQUISITION = np.array(
    [  # magasin, site web, application, réseaux sociaux, parrainage, salon
        [0.10, 0.30, 0.35, 0.20, 0.05, 0.00],
        [0.60, 0.10, 0.00, 0.02, 0.18, 0.10],
        [0.10, 0.25, 0.20, 0.40, 0.05, 0.00],
        [0.35, 0.35, 0.05, 0.05, 0.10, 0.10],
        [0.30, 0.35, 0.10, 0.10, 0.15, 0.00],
    ]
)
PERSONA_AGE = np.array([[32, 5], [64, 6], [24, 3], [45, 8], [38, 5]])
CATEGORY_PROBS = np.array([0.22, 0.18, 0.30, 0.15, 0.15])
CATEGORY_MEDIAN_EUR = np.array([420.0, 360.0, 65.0, 110.0, 45.0])


@dataclass
class Portfolio:
    """Clients and their purchases as arrays (built once, shared by every dataset)."""

    ids: np.ndarray
    status: np.ndarray  # index in LIFECYCLE_STATUSES
    persona: np.ndarray
    age: np.ndarray
    acquisition: np.ndarray
    soncas: np.ndarray
    entry: np.ndarray  # seconds
    qualified: np.ndarray
    departure: np.ndarray  # seconds, -1 when none
    optin: np.ndarray
    tx_client: np.ndarray
    tx_time: np.ndarray
    tx_amount: np.ndarray
    tx_channel: np.ndarray
    tx_category: np.ndarray

    @property
    def buyers(self) -> np.ndarray:
        return np.flatnonzero(self.status >= 2)


def make_portfolio(plan: Plan, student: str, secret: str) -> Portfolio:
    rng = rng_for(student, secret, "clients")
    n = plan.n_clients
    status = np.sort(pick(rng, plan.status_shares, n))
    rng.shuffle(status)
    persona = pick(rng, plan.persona_weights, n)
    age = np.clip(
        np.round(rng.normal(PERSONA_AGE[persona, 0], PERSONA_AGE[persona, 1])), 18, 90
    ).astype(np.int64)
    acquisition = pick_rows(rng, PERSONA_ACQUISITION[persona])
    soncas = pick_rows(rng, PERSONA_SONCAS[persona])
    optin = rng.random(n) < 0.62

    first = np.zeros(n, dtype=np.int64)
    last = np.zeros(n, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    departure = np.full(n, -1, dtype=np.int64)
    lo_active, hi_active = ACTIVE_LIMIT + MARGIN, REF_END - 6 * 3600
    for code, name in enumerate(sc.LIFECYCLE_STATUSES):
        idx = np.flatnonzero(status == code)
        k = len(idx)
        if name == "nouveau":
            first[idx] = uniform_seconds(rng, lo_active, hi_active - 3 * DAY, k)
            last[idx] = uniform_seconds(rng, first[idx], hi_active)
            count[idx] = 1 + rng.poisson(0.6, k)
        elif name == "actif":
            first[idx] = uniform_seconds(rng, HIST_START, ACTIVE_LIMIT - MARGIN, k)
            last[idx] = uniform_seconds(rng, lo_active, hi_active, k)
            count[idx] = 2 + rng.poisson(4.0, k)
        elif name == "dormant":
            last[idx] = uniform_seconds(rng, LOST_LIMIT + MARGIN, ACTIVE_LIMIT - MARGIN, k)
            first[idx] = uniform_seconds(rng, HIST_START, last[idx])
            count[idx] = 1 + rng.poisson(2.0, k)
        elif name == "perdu":
            told = rng.random(k) < 0.3  # « n'achète plus, et l'a parfois fait savoir »
            last[idx] = np.where(
                told,
                uniform_seconds(rng, LOST_LIMIT + MARGIN, REF_END - 45 * DAY, k),
                uniform_seconds(rng, HIST_START + 20 * DAY, LOST_LIMIT - MARGIN, k),
            )
            first[idx] = uniform_seconds(rng, HIST_START, last[idx])
            count[idx] = 1 + rng.poisson(1.5, k)
            departure[idx[told]] = uniform_seconds(rng, last[idx[told]] + DAY, REF_END - DAY)
    count[status < 2] = 0
    # One purchase means first == last.
    single = (status >= 2) & (count == 1)
    first[single] = last[single]

    qualified = status >= 1
    buyer = status >= 2
    entry = np.where(
        buyer,
        first - (rng.exponential(120.0, n) * DAY).astype(np.int64),
        uniform_seconds(rng, HIST_START - 365 * DAY, REF_END - DAY, n),
    )

    # Purchases: the first and the last, and the others spread between them.
    tx_client = np.repeat(np.arange(n), count)
    k_in_client = np.arange(len(tx_client)) - np.repeat(np.cumsum(count) - count, count)
    is_first = k_in_client == 0
    is_last = k_in_client == np.repeat(count - 1, count)
    between = uniform_seconds(rng, first[tx_client], last[tx_client])
    tx_time = np.where(is_first, first[tx_client], np.where(is_last, last[tx_client], between))
    order = np.lexsort((tx_time, tx_client))
    tx_client, tx_time = tx_client[order], tx_time[order]
    tx_channel = pick_rows(rng, PERSONA_PURCHASE_CHANNEL[persona[tx_client]])
    tx_category = pick(rng, CATEGORY_PROBS, len(tx_client))
    tx_amount = np.clip(
        np.round(CATEGORY_MEDIAN_EUR[tx_category] * rng.lognormal(0.0, 0.7, len(tx_client)), 2),
        1.0,
        20000.0,
    )
    return Portfolio(
        ids=make_ids("C", n, 5),
        status=status,
        persona=persona,
        age=age,
        acquisition=acquisition,
        soncas=soncas,
        entry=entry,
        qualified=qualified,
        departure=departure,
        optin=optin,
        tx_client=tx_client,
        tx_time=tx_time,
        tx_amount=tx_amount,
        tx_channel=tx_channel,
        tx_category=tx_category,
    )


def clients_frame(p: Portfolio) -> pd.DataFrame:
    departure = to_datetime(np.where(p.departure >= 0, p.departure, 0))
    departure = np.where(p.departure >= 0, departure, np.datetime64("NaT"))
    return pd.DataFrame(
        {
            "id_client": p.ids,
            "persona": categorical(p.persona, sc.PERSONA_NAMES),
            "age": p.age,
            "canal_acquisition": categorical(p.acquisition, sc.ACQUISITION_CHANNELS),
            "motif_soncas": categorical(p.soncas, sc.SONCAS),
            "date_entree": to_datetime(p.entry),
            "qualifie": p.qualified,
            "date_depart_signale": departure.astype("datetime64[ns]"),
            "optin_email": p.optin,
        }
    )


def transactions_frame(p: Portfolio) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id_transaction": make_ids("T", len(p.tx_client), 6),
            "id_client": p.ids[p.tx_client],
            "date_achat": to_datetime(p.tx_time),
            "montant": p.tx_amount,
            "canal": categorical(p.tx_channel, sc.PURCHASE_CHANNELS),
            "categorie": categorical(p.tx_category, sc.PRODUCT_CATEGORIES),
        }
    )
