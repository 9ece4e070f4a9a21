"""The course's late policy, as nbgrader's AssignLatePenalties calls it (its plugin seam)."""

from __future__ import annotations

import pytest
from traitlets.config import Config

from parcours.grading.late import PenaliteRetard
from parcours.grading.results import Submission, late_text, started_days

HOUR = 3600


@pytest.mark.parametrize(
    ("seconds", "days"), [(0, 0), (1, 1), (24 * HOUR, 1), (24 * HOUR + 1, 2), (49 * HOUR, 3)]
)
def test_a_started_day_counts(seconds, days):
    assert started_days(seconds) == days


def _plugin(**settings) -> PenaliteRetard:
    config = Config()
    for key, value in settings.items():
        setattr(config.PenaliteRetard, key, value)
    return PenaliteRetard(config=config)


def test_policies_read_from_the_course_config():
    assert _plugin().late_submission_penalty("e1", 12.0, 5 * HOUR) == 0
    assert _plugin(politique="refus").late_submission_penalty("e1", 12.0, 5 * HOUR) == 12.0
    penalty = _plugin(politique="penalite", points_par_jour=1.5, plafond=4.0)
    assert penalty.late_submission_penalty("e1", 12.0, 5 * HOUR) == 1.5
    assert penalty.late_submission_penalty("e1", 12.0, 30 * HOUR) == 3.0
    assert penalty.late_submission_penalty("e1", 12.0, 100 * HOUR) == 4.0  # the cap
    assert penalty.late_submission_penalty("e1", 1.0, 100 * HOUR) == 1.0  # never below 0
    assert penalty.late_submission_penalty("e1", 12.0, 0) == 0  # on time (or within extension)


def test_bad_policy_is_refused():
    from traitlets import TraitError

    with pytest.raises(TraitError):
        _plugin(politique="double")


def test_late_text_in_french():
    sub = Submission("e1", "td")
    assert late_text(sub) == ""
    sub.seconds_late, sub.penalty = 30 * HOUR, 2.0
    assert late_text(sub) == "retard 2 j : −2 pts"
    sub.penalty = 0.5
    assert late_text(sub) == "retard 2 j : −0,5 pt"
    sub.penalty = 0
    assert late_text(sub) == "retard 2 j"
