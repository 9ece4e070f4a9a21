"""One worker, one sandbox, kernels forked one after another: a copy cannot reach the next ones.

The worker's kernels are forked from a zygote that already imported pandas and matplotlib
(:mod:`parcours.grading.kernel_pool`). Here every copy goes through the same sandbox: a trap copy leaves a
background process, a fake ``parcours`` module in the submission folder and an IPython startup
file, and tries to read the zygote's memory; another kills the zygote. The honest copies graded
after them in the same worker get full marks, and nothing of the trap shows in their notebooks.
"""

from __future__ import annotations

import nbformat
import pytest
from corpus import FULL, Q01, TD, make_course, with_cell

from parcours.grading.batch import grade_batch
from parcours.grading.sandbox import Limits, sandbox_available

pytestmark = [pytest.mark.xdist_group("corriger"), pytest.mark.lent]

TRAP = r"""
import os, time
FAKE = "def charger(*a, **k):\n    raise SystemExit('PIEGE')\nDATE_REFERENCE = None\n"
STARTUP = "print('PIEGE au démarrage')\nimport builtins\nbuiltins.len = lambda x: 0\n"

def plant():
    with open("/travail/parcours.py", "w") as f:
        f.write(FAKE)
    os.makedirs("/tmp/ipython/profile_default/startup", exist_ok=True)
    with open("/tmp/ipython/profile_default/startup/00-piege.py", "w") as f:
        f.write(STARTUP)

plant()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for _ in range(600):
            try:
                plant()
            except OSError:
                pass
            time.sleep(0.05)
    os._exit(0)
try:
    open(f"/proc/{os.getppid()}/mem", "rb").read(1)
    memoire = "LU"
except OSError as exc:
    memoire = type(exc).__name__
try:
    environ = open(f"/proc/{os.getppid()}/environ", "rb").read()
    environ = "LU" if environ else "VIDE"
except OSError as exc:
    environ = type(exc).__name__
print("PIEGE", memoire, environ)
"""


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    if sandbox_available():
        pytest.skip(f"Bac à sable indisponible : {sandbox_available()}")
    root = tmp_path_factory.mktemp("cours")
    c, put = make_course(root)
    full = c.submission()
    # one worker takes the copies in this (alphabetical) order
    put("a.piege", with_cell(full, Q01, TRAP))
    put("b.honnete", full)
    put("c.tueur", with_cell(full, Q01, "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"))
    put("d.honnete", full)
    put("e.honnete", c.submission())
    result = grade_batch(TD, root=root, workers=1, limits=Limits(wall_timeout_s=120))
    return root, result


def _text(root, student):
    nb = nbformat.read(root / "autograded" / student / TD / f"{TD}.ipynb", 4)
    return "".join(o.get("text", "") for cell in nb.cells for o in cell.get("outputs", []))


def test_the_trap_cannot_read_the_zygote(batch):
    root, result = batch
    assert result.results["a.piege"].score == FULL
    line = next(x for x in _text(root, "a.piege").splitlines() if x.startswith("PIEGE"))
    assert "LU" not in line.split()[1:], line


@pytest.mark.parametrize("student", ["b.honnete", "d.honnete", "e.honnete"])
def test_copies_after_the_trap_and_the_killer_get_full_marks(batch, student):
    root, result = batch
    graded = result.results[student]
    assert graded.echec is None, graded.echec
    assert graded.score == FULL
    assert "PIEGE" not in _text(root, student)


def test_a_copy_that_kills_the_zygote_fails_alone_with_a_french_reason(batch):
    _, result = batch
    graded = result.results["c.tueur"]
    assert graded.echec is not None and graded.echec["code"] == "noyau_mort"
    assert "noyau Python" in graded.echec["message"]
