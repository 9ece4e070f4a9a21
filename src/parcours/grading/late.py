"""The course's late policy, through nbgrader's own seam: a ``LateSubmissionPlugin`` that
``AssignLatePenalties`` calls with the seconds late (nbgrader already counts the student's
extension in them, so a copy within its extension is never late).

Set in the course's ``nbgrader_config.py``::

    c.AssignLatePenalties.plugin_class = PenaliteRetard
    c.PenaliteRetard.politique = "penalite"   # "aucune", "refus" or "penalite"
    c.PenaliteRetard.points_par_jour = 1.0    # per started day late
    c.PenaliteRetard.plafond = 5.0            # at most this many points
"""

from __future__ import annotations

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Enum, Float

from parcours.grading.results import started_days


def penalty_for(
    policy: str, seconds_late: float, score: float, *, per_day: float, cap: float
) -> float:
    if seconds_late <= 0 or policy == "aucune":
        return 0.0
    if policy == "refus":
        return float(score)
    return min(float(cap), per_day * started_days(seconds_late), float(score))


class PenaliteRetard(LateSubmissionPlugin):
    """Late policy of the course: none, refused (score 0), or points per started day, capped."""

    politique = Enum(
        ("aucune", "refus", "penalite"),
        default_value="aucune",
        help="aucune : pas de pénalité ; refus : note 0 ; penalite : points retirés par jour "
        "de retard commencé, jusqu'au plafond",
    ).tag(config=True)
    points_par_jour = Float(1.0, help="points retirés par jour de retard commencé").tag(config=True)
    plafond = Float(5.0, help="pénalité maximale, en points").tag(config=True)

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        return penalty_for(
            self.politique,
            total_seconds_late,
            score,
            per_day=self.points_par_jour,
            cap=self.plafond,
        )
