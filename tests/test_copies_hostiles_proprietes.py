"""Property-based: any file handed in as a copy ends graded or refused with a French reason.

Hypothesis feeds the readers of copies with random bytes, truncated JSON and mutations of the
released TDs (cells deleted, duplicated or swapped, wrong types in metadata, deep or huge values
within the limits). Each copy goes through what the grader and the term do with it, without a
kernel: the notebook reader (``grading.copy_check``), the worker's reading and the trusted rebuild
against the TD's source, the manipulation scan, the class report's readers (answers, identity,
copy detection) and the feedback writer (its error reader and the student's page). No exception
may escape; a refused copy has a French reason; an accepted one gets a plan with every question.
Examples are few and derandomized: the test takes seconds and never flakes.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parcours.grading.manipulation import scan
from parcours.grading.results import (
    CopyResult,
    FailureCode,
    QuestionGrade,
    QuestionResult,
    Submission,
    TdResults,
)
from parcours.grading.trusted import rebuild
from parcours.grading.worker import _loaded_identity, _read_notebook
from parcours.term import feedback, report
from parcours.term.similarity import find_copies

pytestmark = pytest.mark.xdist_group("proprietes")

ROOT = Path(__file__).resolve().parents[1]
TDS = sorted(p.name for p in (ROOT / "exercises").iterdir() if (p / f"{p.name}.ipynb").is_file())
RELEASED = {td: (ROOT / "exercises" / td / f"{td}.ipynb").read_text("utf-8") for td in TDS}
SOURCES = {td: nbformat.read(ROOT / "solutions" / td / f"{td}.ipynb", as_version=4) for td in TDS}
REFUSED = ("Le fichier n'est pas un notebook Jupyter valide : ", "Notebook illisible (")

junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
index = st.integers(min_value=0, max_value=400)
NBGRADER_KEYS = (
    "grade_id",
    "solution",
    "grade",
    "locked",
    "points",
    "checksum",
    "task",
    "schema_version",
)
mutation = st.one_of(
    st.tuples(st.just("supprimer"), index),
    st.tuples(st.just("dupliquer"), index),
    st.tuples(st.just("echanger"), index, index),
    st.tuples(st.just("nbgrader"), index, junk),
    st.tuples(st.just("cle_nbgrader"), index, st.sampled_from(NBGRADER_KEYS), junk),
    st.tuples(st.just("source"), index, junk),
    st.tuples(st.just("type"), index, st.sampled_from(["code", "markdown", "raw", "image", 3])),
    st.tuples(st.just("sorties"), index, junk),
    st.tuples(st.just("metadonnees"), index, junk),
    st.tuples(st.just("sans_cle"), index, st.sampled_from(["source", "metadata", "outputs", "id"])),
    st.tuples(st.just("profond"), index, st.integers(min_value=1, max_value=70)),
    st.tuples(st.just("enorme"), index, st.integers(min_value=1, max_value=400_000)),
    st.tuples(
        st.just("racine"),
        st.sampled_from(["cells", "metadata", "nbformat", "nbformat_minor"]),
        junk,
    ),
    st.tuples(st.just("code"), index, st.text(max_size=60)),
)


def _mutate(data: dict, change: tuple) -> None:
    cells = data.get("cells")
    what = change[0]
    if what == "racine":
        data[change[1]] = change[2]
        return
    if not isinstance(cells, list) or not cells:
        return
    i = change[1] % len(cells)
    cell = cells[i]
    if what == "supprimer":
        del cells[i]
    elif what == "dupliquer":
        cells.insert(i, copy.deepcopy(cell))
    elif what == "echanger":
        j = change[2] % len(cells)
        cells[i], cells[j] = cells[j], cells[i]
    elif not isinstance(cell, dict):
        return
    elif what == "nbgrader":
        if isinstance(cell.get("metadata", {}), dict):
            cell.setdefault("metadata", {})["nbgrader"] = change[2]
    elif what == "cle_nbgrader":
        meta = cell.get("metadata")
        if isinstance(meta, dict) and isinstance(meta.get("nbgrader"), dict):
            meta["nbgrader"][change[2]] = change[3]
    elif what == "source":
        cell["source"] = change[2]
    elif what == "type":
        cell["cell_type"] = change[2]
    elif what == "sorties":
        cell["outputs"] = change[2]
    elif what == "metadonnees":
        cell["metadata"] = change[2]
    elif what == "sans_cle":
        cell.pop(change[2], None)
    elif what == "profond":
        deep: list = []
        for _ in range(change[2]):
            deep = [deep]
        if isinstance(cell.get("metadata", {}), dict):
            cell.setdefault("metadata", {})["profond"] = deep
    elif what == "enorme":
        cell["source"] = "x = 1  # " + "é" * change[2]
    elif what == "code":
        cell["source"] = change[2]


@st.composite
def copies(draw) -> tuple[str, bytes]:
    td = draw(st.sampled_from(TDS))
    kind = draw(st.sampled_from(["mutation", "mutation", "mutation", "octets", "tronque"]))
    if kind == "octets":
        return td, draw(st.binary(max_size=3000))
    if kind == "tronque":
        text = RELEASED[td]
        return td, text[: draw(st.integers(min_value=0, max_value=len(text)))].encode("utf-8")
    data = json.loads(RELEASED[td])
    for change in draw(st.lists(mutation, min_size=1, max_size=5)):
        _mutate(data, change)
    return td, json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass")


class _Course:
    """What the report's reader asks of a course: where a copy lies."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def submitted(self, sid: str, td: str) -> Path:
        return self.root / "submitted" / sid / td

    def autograded(self, sid: str, td: str) -> Path:
        return self.root / "autograded" / sid / td


def _feedback_page(td: str, result: CopyResult, questions, errors) -> str:
    grades = {
        gid: QuestionGrade(gid, "code", 0.0, item.points or 1.0, False) for gid, item in questions
    }
    sub = Submission("etu", td, grades, result=result.to_json())
    results = TdResults(
        td, [(g, "code", q.max_score) for g, q in grades.items()], {"etu": sub}, set()
    )
    return feedback.render(
        td=td,
        student="etu",
        name="Étudiant Test",
        results=results,
        sources={},
        teacher_comments={},
        errors=errors,
    )


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(copies())
def test_any_file_ends_graded_or_refused_with_a_french_reason(handed_in):
    td, payload = handed_in
    with tempfile.TemporaryDirectory(prefix="parcours-prop-") as tmp:
        course = _Course(Path(tmp))
        folder = course.submitted("etu", td)
        folder.mkdir(parents=True)
        path = folder / f"{td}.ipynb"
        path.write_bytes(payload)

        # the class report's and the feedback writer's readers survive the raw copy
        skipped: list = []
        raw = report._read_nb(course, "etu", td, skipped)
        assert (raw is None) == bool(skipped)
        assert isinstance(feedback.notebook_errors(path), dict)

        nb, problem = _read_notebook(path)  # what the worker does on arrival
        result = CopyResult(etudiant="etu", td=td)
        if nb is None:
            assert problem.startswith(REFUSED), problem
            assert skipped and skipped[0][1] == problem
            result.echec = FailureCode.INVALID_NOTEBOOK.failure(problem)
            page = _feedback_page(td, result, [], {})
            assert problem.split(" : ", 1)[0] in page or "notebook" in page.lower()
            return

        # accepted: the report reads its answers and the loaded identity
        answers = report.answers_by_question(raw)
        for _cell, code in answers.values():
            report.literal_answer(code)
        for cell in raw.get("cells", []):
            report._outputs_text(cell)
        find_copies({"etu": {c: code for c, code in answers.values()}, "autre": {}})
        _loaded_identity(nb)

        # the trusted rebuild plans every question of the TD, and the scan reads the student's code
        rebuilt, plan = rebuild(nb, copy.deepcopy(SOURCES[td]))
        source_tests = {
            c.metadata.nbgrader.grade_id
            for c in SOURCES[td].cells
            if c.cell_type == "code"
            and c.metadata.get("nbgrader", {}).get("grade")
            and not c.metadata.nbgrader.get("solution")
            and not c.metadata.nbgrader.get("task")
        }
        assert set(plan.tests) == source_tests
        assert all(isinstance(a, str) and a for a in plan.alerts)
        scan(plan.student_code)
        text = nbformat.writes(rebuilt)  # what the worker hands to the batch

        # the feedback writer reads the autograded notebook and writes the student's page
        graded = course.autograded("etu", td)
        graded.mkdir(parents=True)
        (graded / f"{td}.ipynb").write_text(text, encoding="utf-8")
        errors = feedback.notebook_errors(graded / f"{td}.ipynb")
        result.questions = {gid: QuestionResult(message="Réponse fausse.") for gid in plan.tests}
        page = _feedback_page(td, result, list(plan.tests.items()), errors)
        assert "<html" in page


def test_a_duplicated_cell_is_read_and_rebuilt_without_a_duplicate_id(tmp_path):
    # found by the property above: the copy's two cells with one id reached the autograded
    # notebook, and nbformat complained (in English) each time a reader opened it
    td = "td00_prise_en_main"
    data = json.loads(RELEASED[td])
    data["cells"].insert(0, copy.deepcopy(data["cells"][0]))
    path = tmp_path / f"{td}.ipynb"
    path.write_text(json.dumps(data), encoding="utf-8")
    nb, problem = _read_notebook(path)
    assert nb is not None, problem
    rebuilt, _plan = rebuild(nb, copy.deepcopy(SOURCES[td]))
    ids = [c.get("id") for c in rebuilt.cells]
    assert len(ids) == len(set(ids)), ids
    nbformat.writes(rebuilt)


def test_a_notebook_without_cell_ids_is_read_as_it_is(tmp_path):
    # nbformat before 4.5 has no cell ids: none may be added (its schema forbids them)
    td = "td00_prise_en_main"
    data = json.loads(RELEASED[td])
    data["nbformat_minor"] = 0
    for cell in data["cells"]:
        cell.pop("id", None)
    path = tmp_path / f"{td}.ipynb"
    path.write_text(json.dumps(data), encoding="utf-8")
    nb, problem = _read_notebook(path)
    assert nb is not None, problem
    rebuilt, _plan = rebuild(nb, copy.deepcopy(SOURCES[td]))
    nbformat.writes(rebuilt)
