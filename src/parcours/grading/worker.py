"""One grading worker: grade submissions one after another, the next kernel already starting.

A worker process takes :class:`Task` objects from a queue and sends back plain dicts (the
autograded notebook as JSON, the French message of each check, failures, alerts, timings). It never
touches the gradebook: the parent is its only writer. While a submission runs, the kernel of the
next one is already started in its own sandbox and imports pandas, matplotlib and ``parcours.data``.
"""

from __future__ import annotations

import hashlib
import json
import queue
import re
import resource
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

WARM_LINES = [
    "import parcours.notebook.kernel_export",
    "import numpy, pandas, matplotlib.pyplot, parcours.data",
]
IDENTITY = re.compile(r"Données (?:chargées pour|de l'étudiant\u00b7e) « ([^»]{1,80}) »")


@dataclass
class Task:
    student: str
    td: str
    notebook: str  # path of the submitted notebook
    source: str  # path of the trusted source notebook
    root: str
    config_file: str
    empreinte: str = ""
    alerts: list[str] = field(default_factory=list)
    # whose data variant the copy is graded on, when ``student`` is a pseudonym (Moodle's
    # anonymous marking): the gradebook, the feedback and the report only see ``student``
    data_student: str = ""

    @property
    def data_id(self) -> str:
        return self.data_student or self.student


@dataclass
class Settings:
    isolated: bool = True
    limits: object = None
    secret: str = ""
    forked: bool = True  # isolated kernels forked from a zygote (parcours.grading.kernel_pool)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _kernel_env(task: Task, settings: Settings) -> dict[str, str]:
    return {"PARCOURS_ETUDIANT": task.data_id, "PARCOURS_SECRET": settings.secret}


def _launch(km, task: Task, work: Path):
    """Copy the submission into the kernel's folder and start the kernel; errors are kept on ``km``
    (graded as a dead kernel)."""
    from jupyter_core.utils import run_sync

    src = Path(task.notebook)
    try:
        shutil.copy2(src, work / src.name)
    except OSError:
        pass
    km._parcours_work = work
    try:
        run_sync(km.start_kernel)(
            extra_arguments=[
                "--HistoryManager.hist_file=:memory:",
                "--IPKernelApp.log_level=ERROR",
                *(f"--IPKernelApp.exec_lines={line}" for line in WARM_LINES),
            ]
        )
    except Exception as exc:  # noqa: BLE001 - reported as a dead kernel
        km._parcours_start_error = f"{type(exc).__name__}: {exc}"[:300]
    return km


def _start_kernel(task: Task, settings: Settings):
    """A new sandboxed kernel of its own (``--sans-isolation``, or no zygote)."""
    from parcours.grading.sandbox import SandboxedKernelManager

    work = Path(tempfile.mkdtemp(prefix="parcours-copie-"))
    km = SandboxedKernelManager(
        kernel_name="python3",
        workdir=str(work),
        limits=settings.limits,
        sandbox_env=_kernel_env(task, settings),
        isolated=settings.isolated,
    )
    return _launch(km, task, work)


def _fork_kernel(task: Task, sandbox, settings: Settings):
    """A kernel forked by the worker's zygote, in its sandbox."""
    from parcours.grading.kernel_pool import ForkedKernelManager

    km = ForkedKernelManager(
        kernel_name="python3", sandbox=sandbox, sandbox_env=_kernel_env(task, settings)
    )
    return _launch(km, task, sandbox.work)


def _stop_kernel(km) -> None:
    try:
        km.cleanup_all()
    finally:
        shutil.rmtree(getattr(km, "_parcours_work", ""), ignore_errors=True)


def _read_notebook(path: Path):
    from parcours.grading.copy_check import read_copy

    nb, problem = read_copy(path)
    if nb is None:
        return None, problem
    for cell in nb.cells:
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
        cell.setdefault("metadata", {})
    return nb, ""


def _failure(outputs_text: str, overflow: bool, dead: str, timed_out: bool) -> dict | None:
    if timed_out:
        return {
            "code": "delai",
            "message": "Temps de correction dépassé : une cellule tourne sans fin (boucle infinie ?).",
        }
    if overflow:
        return {
            "code": "sortie",
            "message": "Le notebook affiche beaucoup trop de texte : l'exécution a été arrêtée.",
        }
    if "MemoryError" in outputs_text:
        return {
            "code": "memoire",
            "message": "Mémoire dépassée : une cellule demande plus de mémoire que la limite.",
        }
    if dead:
        return {"code": "noyau_mort", "message": f"Le noyau Python s'est arrêté ({dead})."}
    return None


def grade_task(task: Task, km, settings: Settings) -> dict:
    """Grade one submission in the (already started) kernel ``km``; a JSON-able dict."""
    import nbformat
    from nbgrader.preprocessors import IgnorePattern, LimitOutput

    from parcours.grading.config import load_config
    from parcours.grading.nbgrader_execute import TrustedExecute

    started = time.perf_counter()
    result = {
        "etudiant": task.student,
        "td": task.td,
        "empreinte": task.empreinte,
        "alertes": list(task.alerts),
        "questions": {},
        "echec": None,
        "identite_chargee": None,
        "notebook": None,
        "checks_s": 0.0,
    }
    nb, problem = _read_notebook(Path(task.notebook))
    if nb is None:
        result["echec"] = {"code": "notebook_invalide", "message": problem}
        result["duree_s"] = round(time.perf_counter() - started, 3)
        return result
    # Whose data the student ran the notebook on: read from the outputs they handed in, before
    # grading replaces them with a run on the author's own data.
    result["identite_chargee"] = _loaded_identity(nb)
    config = load_config(Path(task.root), Path(task.config_file))
    limits = settings.limits
    # nbclient re-reads its traits from the config at each run: set the limits there
    config.TrustedExecute.timeout = limits.cell_timeout_s
    config.TrustedExecute.interrupt_on_timeout = False
    config.TrustedExecute.max_output_bytes = limits.output_bytes
    config.TrustedExecute.startup_timeout = 120
    config.TrustedExecute.iopub_timeout = 2
    ex = TrustedExecute(config=config)
    resources = {
        "nbgrader": {"student": task.student, "assignment": task.td, "notebook": task.td},
        "parcours_source": task.source,
        "parcours_donnees": task.data_id,
        "metadata": {"path": str(getattr(km, "_parcours_work", "."))},
    }
    timed_out = threading.Event()

    def watchdog():
        timed_out.set()
        km.kill_now()

    timer = threading.Timer(limits.wall_timeout_s, watchdog)
    timer.daemon = True
    timer.start()
    start_error = getattr(km, "_parcours_start_error", "")
    try:
        if start_error:
            raise RuntimeError(start_error)
        nb, resources = ex.preprocess(nb, resources, km=km)
    except FileNotFoundError as exc:
        result["echec"] = {"code": "notebook_invalide", "message": str(exc)}
    except Exception as exc:  # noqa: BLE001 - kernel never answered, and the like
        ex._dead = ex._dead if getattr(ex, "_dead", "") else f"{type(exc).__name__}"
        if getattr(ex, "_plan", None) is None:
            result["echec"] = {
                "code": "noyau_mort",
                "message": f"Le noyau Python n'a pas pu démarrer ({type(exc).__name__}).",
            }
    finally:
        timer.cancel()
        try:
            if ex.kc is not None:
                ex.kc.stop_channels()
        except Exception:  # noqa: BLE001
            pass
    plan = getattr(ex, "_plan", None)
    if plan is not None:
        # test cells never reached (kernel died mid-way): 0 with a reason
        for gid, item in plan.tests.items():
            if gid not in ex._results:
                ex._results[gid] = item.blocked or (
                    "Cette question n'a pas pu être corrigée : l'exécution du notebook s'est "
                    "arrêtée avant."
                )
        for cell in nb.cells:
            gid = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
            if gid in plan.tests and cell.get("cell_type") == "code":
                message = ex._results.get(gid, "")
                from parcours.grading.trusted import error_output

                cell["outputs"] = [error_output(message)] if message else []
        result["alertes"] += plan.alerts
        result["questions"] = dict(ex._results)
        if plan.fraud and result["echec"] is None:
            result["echec"] = {
                "code": "fraude",
                "message": "Notebook modifié hors des cellules réponses : " + plan.alerts[0],
            }
    text = "\n".join(
        str(o.get("ename", "")) + str(o.get("evalue", ""))
        for c in nb.get("cells", [])
        for o in c.get("outputs", []) or []
        if o.get("output_type") == "error"
    )
    failure = _failure(
        text,
        getattr(ex, "_overflow", False),
        getattr(ex, "_dead", ""),
        timed_out.is_set() or getattr(ex, "_timed_out", False),
    )
    if failure and (result["echec"] is None or result["echec"]["code"] == "fraude"):
        if result["echec"]:
            result["alertes"].append(result["echec"]["message"])
        result["echec"] = failure
    if result["identite_chargee"] and result["identite_chargee"] != task.data_id:
        result["alertes"].append(
            f"Le notebook a été exécuté avec les données de « {result['identite_chargee']} », "
            f"pas celles de « {task.data_id} » : il est corrigé avec les données de son auteur."
        )
    if task.data_student:  # a pseudonym: the graded notebook (formgrader) never shows the id
        if result["identite_chargee"] == task.data_student:
            result["identite_chargee"] = task.student
        _pseudonymise(nb, task.student)
    try:
        IgnorePattern(config=config).preprocess(nb, resources)
        LimitOutput(config=config).preprocess(nb, resources)
    except Exception:  # noqa: BLE001 - cosmetic steps only
        pass
    # no plan means the trusted rebuild never ran: never score the raw submission's outputs
    result["notebook"] = nbformat.writes(nb) if plan is not None else None
    if result["notebook"] is not None and len(result["notebook"]) > 2 * limits.output_bytes:
        # the autograded notebook on disk stays bounded too: keep the test cells' messages only
        nb.metadata.pop("widgets", None)
        for cell in nb.cells:
            gid = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
            if cell.get("cell_type") == "code" and not (plan and gid in plan.tests):
                cell["outputs"] = []
        result["notebook"] = nbformat.writes(nb)
        if result["echec"] is None or result["echec"]["code"] == "fraude":
            result["echec"] = _failure("", True, "", False)
    if plan is None and result["echec"] is None:
        result["echec"] = {
            "code": "noyau_mort",
            "message": "Le noyau Python n'a pas pu démarrer : copie non corrigée.",
        }
    result["checks_s"] = round(float((resources.get("parcours") or {}).get("checks_s", 0.0)), 4)
    result["duree_s"] = round(time.perf_counter() - started, 3)
    return result


def _grade_or_fail(task: Task, km, settings: Settings) -> dict:
    try:
        return grade_task(task, km, settings)
    except Exception as exc:  # noqa: BLE001 - never lose a submission
        return {
            "etudiant": task.student,
            "td": task.td,
            "empreinte": task.empreinte,
            "alertes": list(task.alerts),
            "questions": {},
            "echec": {"code": "noyau_mort", "message": f"Correction impossible ({exc})."[:300]},
            "identite_chargee": None,
            "notebook": None,
            "duree_s": 0.0,
        }


def _send(results, result: dict) -> None:
    result["rss_max_mo"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    results.put(json.dumps(result))


def _forked_loop(tasks, results, settings: Settings) -> bool:
    """One sandbox for the worker, a kernel forked in it per submission; False if it cannot start."""
    from parcours.grading.kernel_pool import ZygoteSandbox

    sandbox = ZygoteSandbox(settings.limits)
    try:
        if not sandbox.ready():
            return False
        while True:
            task = tasks.get()
            if task is None:
                return True
            if not sandbox.alive:
                sandbox.close()
                sandbox = ZygoteSandbox(settings.limits)
                sandbox.ready()
            km = _fork_kernel(task, sandbox, settings)
            try:
                result = _grade_or_fail(task, km, settings)
            finally:
                sandbox.reset()
            result.update({k: round(v, 1) for k, v in sandbox.memory_mb.items()})
            _send(results, result)
    finally:
        sandbox.close()


def worker_main(tasks, results, settings: Settings) -> None:
    """Worker process loop: one kernel per submission, forked or started in advance."""
    import signal
    import warnings

    # Ctrl-C reaches the whole terminal group: the batch's parent alone decides to stop us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warnings.simplefilter("ignore")
    if settings.isolated and settings.forked and _forked_loop(tasks, results, settings):
        return
    pending = None
    finished = False
    while True:
        if pending is None:
            if finished:
                break
            task = tasks.get()
            if task is None:
                break
            pending = (task, _start_kernel(task, settings))
        task, km = pending
        following = None
        if not finished:
            try:
                nxt = tasks.get(timeout=0.05)
            except queue.Empty:
                nxt = False
            if nxt is None:
                finished = True
            elif nxt:
                following = (nxt, _start_kernel(nxt, settings))
        try:
            result = _grade_or_fail(task, km, settings)
        finally:
            _stop_kernel(km)
        _send(results, result)
        pending = following


def _pseudonymise(nb, student: str) -> None:
    """The setup line of every output names ``student`` (a pseudonym) instead of the data's id."""
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []) or []:
            if "text" in out:
                text = "".join(out["text"]) if isinstance(out["text"], list) else str(out["text"])
                out["text"] = IDENTITY.sub(
                    lambda m: m.group(0).replace(f"« {m.group(1)} »", f"« {student} »"), text
                )


def _loaded_identity(nb) -> str | None:
    """The id of the setup cell's « Données chargées pour « … » » line, if the student ran it."""
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []) or []:
            found = IDENTITY.search(str(out.get("text", "")))
            if found:
                return found.group(1)
    return None
