"""One worker, one sandbox, kernels forked one after another: a copy cannot reach the next ones.

The worker's kernels are forked from a zygote that already imported pandas and matplotlib
(:mod:`parcours.grading.kernel_pool`). Here every copy goes through the same sandbox: a trap copy leaves a
background process, a fake ``parcours`` module in the submission folder and an IPython startup
file, and tries to read the zygote's memory; a planter writes everywhere it can; a curious copy
reads every process's environment; another tries to kill the zygote. The honest copies graded
after them in the same worker score exactly as when graded alone, nothing of the traps shows in
their notebooks, and no byte of the teacher's environment reaches any file.
"""

from __future__ import annotations

import os

import nbformat
import pytest
from corpus import FULL, Q01, Q03, TD, make_course, with_cell

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


# Writes everywhere it can (IPython and Jupyter configuration, /etc, /var, /dev, /run…), leaves a
# read-only IPython startup folder in /tmp that the zygote cannot simply delete, and lists what
# it managed to write.
PLANTER = r"""
import os, stat, sys
CONFIG = "c.InteractiveShellApp.exec_files = [{!r}]\n"
STARTUP = "print('PIEGE au démarrage')\nimport pandas\npandas.Series.mean = lambda s, *a, **k: 0\n"
site = next(p for p in sys.path if p.endswith("site-packages"))
folders = ["/", "/etc", "/etc/ipython", "/etc/jupyter", "/usr/local/etc/ipython",
    "/usr/local/etc/jupyter", "/usr/etc/ipython", "/var", "/var/tmp", "/run", "/dev", "/dev/pts",
    "/dev/mqueue", "/home", "/root", "/opt", "/srv", "/mnt", sys.prefix + "/etc/jupyter",
    sys.prefix + "/etc/ipython", site, "/tmp/ipython/profile_default/startup"]
written = []
for folder in folders:
    try:
        os.makedirs(folder, exist_ok=True)
        for name in ("ipython_kernel_config.py", "ipython_config.py", "jupyter_config.py",
                     "00-piege.py", "sitecustomize.py", "usercustomize.py", "piege.pth"):
            body = STARTUP if name.endswith(("piege.py", "customize.py")) else CONFIG.format(
                os.path.join(folder, "00-piege.py"))
            if name.endswith(".pth"):
                body = "import pandas; pandas.Series.mean = lambda s, *a, **k: 0\n"
            with open(os.path.join(folder, name), "w") as f:
                f.write(body)
        written.append(folder)
    except OSError:
        pass
for folder in ("/tmp/ipython/profile_default/startup", "/tmp/ipython/profile_default",
               "/tmp/ipython"):
    try:
        os.chmod(folder, stat.S_IRUSR | stat.S_IXUSR)
    except OSError:
        pass
print("PLANTE", " ".join(written))
"""

# Reads what every other process of the sandbox would tell: environment, command line, open
# files, memory; prints it all into its notebook.
CURIOUS = r"""
import os
vu = []
for pid in sorted(p for p in os.listdir("/proc") if p.isdigit()):
    for part in ("environ", "cmdline", "mem"):
        try:
            with open(f"/proc/{pid}/{part}", "rb") as f:
                data = f.read(100_000)
            vu.append(f"{pid}/{part}=" + data.replace(b"\0", b" ").decode("utf-8", "replace"))
        except OSError as exc:
            vu.append(f"{pid}/{part}:{type(exc).__name__}")
    try:
        vu.append(f"{pid}/fd=" + ",".join(os.readlink(f"/proc/{pid}/fd/{n}")
                                          for n in os.listdir(f"/proc/{pid}/fd")))
    except OSError as exc:
        vu.append(f"{pid}/fd:{type(exc).__name__}")
print("CURIEUX", os.getpid(), " | ".join(vu))
print("ENV", dict(os.environ))
"""

CANARY = "canari-du-prof-7f3a9c"
CSAT_MISTAKE = 'csat = repondants["note_csat"].mean()'


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    if sandbox_available():
        pytest.skip(f"Bac à sable indisponible : {sandbox_available()}")
    root = tmp_path_factory.mktemp("cours")
    c, put = make_course(root)
    full = c.submission()
    # one worker takes the copies in this (alphabetical) order
    put("a.piege", with_cell(full, Q01, TRAP))
    put("a1.planteur", with_cell(full, Q01, PLANTER))
    put("a2.csat", c.submission(replace={f"{Q03}_reponse": CSAT_MISTAKE}))
    put("a3.curieux", with_cell(full, Q01, CURIOUS))
    put("b.honnete", full)
    put("c.tueur", with_cell(full, Q01, "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"))
    put("d.honnete", full)
    put("e.honnete", c.submission())
    os.environ["PARCOURS_CANARI_PROF"] = CANARY
    try:
        result = grade_batch(TD, root=root, workers=1, limits=Limits(wall_timeout_s=120))
    finally:
        del os.environ["PARCOURS_CANARI_PROF"]
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


def test_a_planter_copy_writes_only_where_everything_is_wiped(batch):
    root, result = batch
    line = next(x for x in _text(root, "a1.planteur").splitlines() if x.startswith("PLANTE"))
    assert line.split()[1:] == ["/tmp/ipython/profile_default/startup"], line


def test_a_copy_after_the_planter_scores_as_when_graded_alone(batch):
    root, result = batch
    graded = result.results["a2.csat"]
    assert graded.echec is None, graded.echec
    lost = {gid for gid, q in graded.questions.items() if q.points != q.max}
    assert lost == {Q03}, {gid: q.message for gid, q in graded.questions.items()}
    assert "PIEGE" not in _text(root, "a2.csat")
    assert "116.2" not in _text(root, "a2.csat")


def test_no_byte_of_the_teacher_environment_reaches_any_file(batch):
    root, result = batch
    assert result.results["a3.curieux"].score == FULL
    assert "CURIEUX" in _text(root, "a3.curieux")  # the copy really looked
    for path in root.rglob("*"):
        if path.is_file() and "autograded" in path.parts:
            assert CANARY.encode() not in path.read_bytes(), path


def test_a_copy_cannot_kill_the_zygote(batch):
    # the zygote is the sandbox's pid 1: a signal sent from inside the sandbox never reaches it
    _, result = batch
    graded = result.results["c.tueur"]
    assert graded.echec is None, graded.echec
    assert graded.score == FULL


def test_the_traps_raise_the_manipulation_alert_and_the_honest_copies_none(batch):
    _, result = batch
    for student, words in (
        ("a.piege", "lit /proc"),
        ("a1.planteur", "accède aux dossiers du système (/etc)"),
        ("a3.curieux", "lit /proc"),
        ("c.tueur", "lance ou arrête des processus (os.kill)"),
    ):
        alerts = result.results[student].alertes
        assert alerts and alerts[0].startswith("Tentative de manipulation probable"), alerts
        assert words in alerts[0], (student, alerts[0])
    for student in ("a2.csat", "b.honnete", "d.honnete", "e.honnete"):
        assert result.results[student].manipulation == [], student
