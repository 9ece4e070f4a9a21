"""The « tentative de manipulation probable » scan of a student's cells (no kernel needed).

No false alert on any code a fair student writes: every string of the TDs' test modules (their
solutions, the fair variants — idioms, rounding, other variants — and the typical mistakes), and
every code cell of the source and released notebooks. Each kind of attempt gives its French reason.
The batches (tests/test_corriger_corpus.py, tests/test_corriger_noyaux_forkes.py) check that the
teacher sees the alert for the corpus's attacks and that the scores do not change.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from parcours.grading.config import strip_solution_markers
from parcours.grading.manipulation import ALERT, alert, scan, scan_cell

ROOT = Path(__file__).resolve().parents[1]
TD_MODULES = sorted((ROOT / "tests").glob("test_td0*.py")) + [ROOT / "tests" / "nbgrading.py"]


def _strings(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def test_the_fixtures_cover_the_five_tds_and_their_cases():
    names = {p.name.split("_")[1] for p in TD_MODULES if p.name.startswith("test_td")}
    assert names == {"td00", "td01", "td02", "td03", "td04"}
    text = "".join(p.read_text(encoding="utf-8") for p in TD_MODULES)
    for case in ("OTHER_IDIOMS", "ROUNDED", "MORE_VARIANTS", "MISTAKES_A", "MISTAKES_B"):
        assert text.count(case) >= 5, case


@pytest.mark.parametrize("module", TD_MODULES, ids=lambda p: p.stem)
def test_no_false_alert_on_the_tds_solutions_variants_and_typical_mistakes(module):
    flagged = {line: scan_cell(text) for line, text in _strings(module) if scan_cell(text)}
    assert flagged == {}, f"fausse alerte dans {module.name} : {flagged}"


@pytest.mark.parametrize(
    "notebook",
    sorted(ROOT.glob("solutions/*/*.ipynb")) + sorted(ROOT.glob("exercises/*/*.ipynb")),
    ids=lambda p: f"{p.parent.parent.name}/{p.stem}",
)
def test_no_false_alert_on_the_source_and_released_notebooks(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    assert scan(strip_solution_markers(c) for c in code) == [], notebook


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("import builtins\nbuiltins.abs = lambda x: 0", "remplace une fonction intégrée (abs)"),
        ("print = lambda *a, **k: None", "remplace une fonction intégrée (print)"),
        ("__builtins__.len = lambda x: 0", "remplace une fonction intégrée"),
        ("setattr(__import__('builtins'), 'round', max)", "exécute du code construit"),
        ("np.allclose = lambda *a, **k: True", "modifie la bibliothèque numpy (numpy.allclose)"),
        (
            "import pandas as p\np.Series.mean = lambda s: 0",
            "modifie la bibliothèque pandas (pandas.Series.mean)",
        ),
        (
            "from pandas import testing\nsetattr(testing, 'assert_frame_equal', print)",
            "modifie la bibliothèque pandas (pandas.testing.assert_frame_equal)",
        ),
        ("import parcours\nparcours.charger = None", "modifie le module parcours"),
        ("import sys\nsys.settrace(lambda *a: None)", "installe un crochet de trace ou d'audit"),
        ("import sys\nsys.setprofile(print)", "installe un crochet de trace ou d'audit"),
        ("from sys import addaudithook\naddaudithook(print)", "(sys.addaudithook)"),
        ("import sys\nf = sys._getframe(1).f_back", "inspecte la pile d'exécution"),
        ("open('/proc/1/environ').read()", "lit /proc"),
        ("import os\nos.listdir('..')", "remonte dans les dossiers"),
        ("from pathlib import Path\nPath.cwd().parents[2]", "remonte dans les dossiers"),
        ("import socket\nsocket.socket().connect(('10.0.0.1', 80))", "ouvre une connexion réseau"),
        ("import urllib.request", "ouvre une connexion réseau (urllib)"),
        (
            "import os\nos.environ['PARCOURS_ETUDIANT'] = 'x'",
            "modifie les variables d'environnement",
        ),
        ("import ctypes", "manipule la mémoire du processus (ctypes)"),
        ("import os\nos.kill(1, 9)", "lance ou arrête des processus (os.kill)"),
        ("!cat /etc/passwd", "lance une commande du système (!cat /etc/passwd)"),
        ("get_ipython().display_pub.publish = print", "modifie IPython"),
        (
            "get_ipython().events.register('post_run_cell', print)",
            "installe un crochet dans IPython",
        ),
        (
            "class Oui(float):\n    def __eq__(self, other):\n        return True\ncsat = Oui(3)",
            "définit un type qui imite une valeur (sous-classe de float qui redéfinit __eq__)",
        ),
        (
            "import pandas as pd\nclass S(pd.Series):\n    __eq__ = lambda s, o: True",
            "sous-classe de pandas.Series",
        ),
        ("exec('x = 1')", "exécute du code construit à la volée (exec)"),
        ("print('application/vnd.parcours.export+json')", "imite le canal d'export des réponses"),
        ("open('/travail/parcours.py', 'w')", "écrit un module ou un fichier de démarrage"),
    ],
)
def test_each_kind_of_attempt_gives_its_french_reason(code, words):
    reasons = scan_cell(code)
    assert any(words in r for r in reasons), (code, reasons)


@pytest.mark.parametrize(
    "code",
    [
        "sum = ventes['ca'].sum()\nmax = ventes['ca'].max()\nlist = sorted(x)",
        "pd.options.display.max_rows = 20\npd.set_option('display.precision', 2)",
        "plt.rcParams['figure.figsize'] = (8, 4)",
        "df.index.name = 'client'\ndf.columns = ['a', 'b']\ndf['c'] = df['a'] / 2",
        "%matplotlib inline\nx = 1",
        "taux = f'{a / b:.1%}'\nlabel = 'ventes / clients'",
        "x = " + "-" * 100_000 + "1",  # deeply nested: not parseable, no alert, no crash
        "def f(:\n",  # a syntax error
    ],
)
def test_fair_code_and_unreadable_cells_raise_no_alert(code):
    assert scan_cell(code) == []


def test_one_reason_per_kind_and_a_short_alert():
    code = "import os\n" + "\n".join(f"open('/proc/{i}/environ')" for i in range(9))
    code += "\nos.fork()\nos.kill(1, 9)\nimport socket, ctypes, subprocess\nexec('1')"
    reasons = scan([code, code])
    assert len(reasons) == len({r.split(" (")[0] for r in reasons}) == 5, reasons
    text = alert(reasons)
    assert text.startswith(f"{ALERT} : lit /proc") and "et 1 autre(s) indice(s)" in text


def test_what_the_sandbox_refused_shows_in_the_student_cells_errors():
    from parcours.grading.manipulation import refused

    def cell(grade_id, ename, evalue):
        out = {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": []}
        meta = {"nbgrader": {"grade_id": grade_id}} if grade_id else {}
        return {"cell_type": "code", "metadata": meta, "outputs": [out], "source": ""}

    planted = cell("", "OSError", "[Errno 30] Read-only file system: '/etc/ipython'")
    assert refused([planted], set()) == [
        "le bac à sable a refusé une opération (OSError : [Errno 30] Read-only file system: "
        "'/etc/ipython')"
    ]
    # a test cell's message, or an honest mistake, is no refusal
    assert refused([cell("q1", "OSError", "Permission denied")], {"q1"}) == []
    assert refused([cell("", "KeyError", "'ca'"), cell("", "NameError", "x")], set()) == []
