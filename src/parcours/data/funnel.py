"""Online purchase funnel (`entonnoir`): one row per visit and the furthest step reached.

Levels follow REFERENCE.md §2.7 (Monetate, Baymard): 50–60 % of visits view a product page, 7–9 %
add to cart, 3–4 % start a checkout, 2–3 % pay (about 70 % of carts abandoned), and mobiles
convert less than computers. In each variant one step leaks clearly more than usual, either the
add to cart or the start of the checkout: that is the planted « étape la plus fuyante » of the
purchase steps (up to the payment), never the payment, which has the fewest purchase visits. The
review, left on the confirmation page after paying, is the only step after the purchase: a few
buyers in a hundred leave one (illustrative), so its rate is usually the lowest of all, and TD2
reads it apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from parcours.data import scenario as sc
from parcours.data.core import (
    HIST_START,
    REF_END,
    Plan,
    categorical,
    make_ids,
    pick,
    rng_for,
    to_datetime,
    uniform_seconds,
)

# Rate of reaching each step from the previous one: fiche produit, panier, commande commencée,
# commande payée, avis. Without a leak: 56 % product views, 9.2 % add to cart, 4.2 % checkout,
# 2.9 % purchase; a review from about 6 % of the buyers.
STEP_RATES = np.array([0.56, 0.165, 0.46, 0.70, 0.06])
# Factor applied to the leaky step: the add to cart falls to about 5.5 % of visits, or only about
# one cart in eight goes to the checkout (a broken delivery-cost page, say).
LEAK_FACTOR = {"panier": 0.60, "commande commencée": 0.25}
DEVICE_PROBS = np.array([0.42, 0.50, 0.08])
# Mobiles start a checkout less often (Monetate: 1.55 % vs 4.14 % conversion).
DEVICE_CHECKOUT_FACTOR = np.array([1.2, 0.8, 1.0])
CHECKOUT_STEP = sc.FUNNEL_STAGES.index("commande commencée") - 1
SOURCE_PROBS = np.array([0.38, 0.18, 0.14, 0.20, 0.10])


def funnel_frame(plan: Plan, student: str, secret: str) -> pd.DataFrame:
    rng = rng_for(student, secret, "entonnoir")
    n = plan.n_sessions
    rates = STEP_RATES * rng.uniform(0.96, 1.04, len(STEP_RATES))
    rates[plan.leaky_step - 1] *= LEAK_FACTOR[sc.FUNNEL_STAGES[plan.leaky_step]]
    device = pick(rng, DEVICE_PROBS, n)
    step_rates = np.tile(rates, (n, 1))
    step_rates[:, CHECKOUT_STEP] *= DEVICE_CHECKOUT_FACTOR[device]
    passed = np.cumprod(rng.random((n, len(rates))) < step_rates, axis=1)
    reached = passed.sum(axis=1)
    when = np.sort(uniform_seconds(rng, np.full(n, HIST_START), REF_END))
    return pd.DataFrame(
        {
            "id_session": make_ids("S", n, 6),
            "date_session": to_datetime(when),
            "source": categorical(pick(rng, SOURCE_PROBS, n), sc.FUNNEL_SOURCES),
            "appareil": categorical(device, sc.DEVICES),
            "etape_atteinte": categorical(reached, sc.FUNNEL_STAGES, ordered=True),
        }
    )
