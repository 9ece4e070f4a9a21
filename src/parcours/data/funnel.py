"""Online purchase funnel (`entonnoir`): one row per visit and the furthest stage reached.

Levels follow REFERENCE.md §2.7 (Monetate, Baymard): about half the visits view a product, a few
per cent buy, and mobiles convert less than computers. One step of each student's funnel leaks
much more than usual: that is the planted « étape la plus fuyante ».
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from parcours import scenario as sc
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

# Rate of reaching each stage from the previous one: recherche, comparaison, décision, achat,
# post-achat (illustrative; 2 to 5 % of visits end in a purchase).
STEP_RATES = np.array([0.55, 0.33, 0.42, 0.65, 0.45])
LEAK_FACTOR = 0.38
DEVICE_PROBS = np.array([0.42, 0.50, 0.08])
# Mobiles reach the decision step less often (Monetate: 1.55 % vs 4.14 % conversion).
DEVICE_DECISION_FACTOR = np.array([1.2, 0.8, 1.0])
SOURCE_PROBS = np.array([0.38, 0.18, 0.14, 0.20, 0.10])


def funnel_frame(plan: Plan, student: str, secret: str) -> pd.DataFrame:
    rng = rng_for(student, secret, "entonnoir")
    n = plan.n_sessions
    rates = STEP_RATES * rng.uniform(0.94, 1.06, len(STEP_RATES))
    rates[plan.leaky_step - 1] *= LEAK_FACTOR
    device = pick(rng, DEVICE_PROBS, n)
    step_rates = np.tile(rates, (n, 1))
    step_rates[:, 2] *= DEVICE_DECISION_FACTOR[device]
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
