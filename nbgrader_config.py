"""nbgrader configuration of the course « Suivi du parcours client »."""

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)

from parcours.grading.late import PenaliteRetard
from parcours.grading.nbgrader_execute import TrustedExecute
from parcours.term.nbgrader_feedback import FeedbackExporter

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "suivi_parcours_client"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.root = "."

# French stubs in the student notebooks.
c.ClearSolutions.code_stub = {
    "python": "# VOTRE CODE ICI\n"
    'raise NotImplementedError("Cellule à compléter : écrivez votre code à la place de cette ligne.")'
}
c.ClearSolutions.text_stub = "VOTRE RÉPONSE ICI"
c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "END SOLUTION"
c.ClearHiddenTests.begin_test_delimeter = "BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_test_delimeter = "END HIDDEN TESTS"

# Anything on stderr zeroes a test cell: drop warnings (pandas FutureWarning and the like).
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(?i)warning"

# A stuck cell must not block grading.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True
c.ExecutePreprocessor.timeout = 120
c.Exchange.assignment_dir = "."

# Trusted checks (parcours.grading.nbgrader_execute): each submission runs with PARCOURS_ETUDIANT set to
# its author, its locked and test cells restored from solutions/; at each test cell the kernel only
# exports the values the check reads, as data, and the check runs in the grader's process, so
# nothing a submission rebinds (builtins, numpy, parcours.charger…) can change a score.
c.Autograde.autograde_preprocessors = [
    TrustedExecute,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]

# Quiet kernels: no history file, no transport warning on the teacher's terminal.
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"]

# Late policy (parcours.grading.late), applied by AssignLatePenalties after a copy's deadline,
# extension included (``parcours etudiants prolonger``): "aucune", "refus" (the copy scores 0) or
# "penalite" (points_par_jour per started day late, at most plafond).
c.AssignLatePenalties.plugin_class = PenaliteRetard
c.PenaliteRetard.politique = "aucune"
c.PenaliteRetard.points_par_jour = 1.0
c.PenaliteRetard.plafond = 5.0

# Feedback: formgrader's « Generate Feedback » and `nbgrader generate_feedback` write the same safe
# French page as `parcours retours` (never the notebook, whose hidden tests and computed values
# would show), and copy none of parcours's own files (its result file holds raw check messages).
c.GenerateFeedback.exporter_class = FeedbackExporter
c.GenerateFeedback.preprocessors = []
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    "parcours_resultat.json",
]

# Skills map (issue 19): the diploma(s) the class follows — one or two of bts_mco, bts_ndrc,
# bac_pro_mcv, but_tc — for the competency grid (`parcours rapport --competences`), and the
# grid's thresholds in per cent: where « en cours d'acquisition », « acquis » and « maîtrisé »
# begin.
c.Parcours.diplomes = ["bts_mco", "bts_ndrc"]
c.Parcours.seuils_competences = [25, 50, 75]
