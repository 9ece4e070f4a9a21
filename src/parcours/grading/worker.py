"""One grading worker: grade submissions one after another, the next kernel already starting.

A worker process takes :class:`Task` objects from a queue and sends back one
:class:`~parcours.grading.results.CopyResult` per copy (the autograded notebook as JSON, the French
message of each check, the failure's code, alerts, timings). It never
touches the gradebook: the parent is its only writer. While a submission runs, the kernel of the
next one is already started in its own sandbox and imports pandas, matplotlib and ``parcours.data``.
"""

from __future__ import annotations

import hashlib
import queue
import re
import resource
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from parcours.grading.results import CopyResult, Failure, FailureCode, QuestionResult

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


@dataclass
class Slot:
    """A started (or failed) kernel for one copy, with the folder it runs in."""

    km: object
    work: Path
    start_error: str = ""  # why the kernel did not start, if it did not


def _launch(km, task: Task, work: Path) -> Slot:
    """Copy the submission into the kernel's folder and start the kernel."""
    from jupyter_core.utils import run_sync

    src = Path(task.notebook)
    try:
        shutil.copy2(src, work / src.name)
    except OSError:
        pass
    slot = Slot(km, work)
    try:
        run_sync(km.start_kernel)(
            extra_arguments=[
                "--HistoryManager.hist_file=:memory:",
                "--IPKernelApp.log_level=ERROR",
                *(f"--IPKernelApp.exec_lines={line}" for line in WARM_LINES),
            ]
        )
    except Exception as exc:  # noqa: BLE001 - the copy fails with « n'a pas pu démarrer »
        slot.start_error = f"{type(exc).__name__}: {exc}"[:300]
    return slot


def _start_kernel(task: Task, settings: Settings) -> Slot:
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


def _fork_kernel(task: Task, sandbox, settings: Settings) -> Slot:
    """A kernel forked by the worker's zygote, in its sandbox."""
    from parcours.grading.kernel_pool import ForkedKernelManager

    km = ForkedKernelManager(
        kernel_name="python3", sandbox=sandbox, sandbox_env=_kernel_env(task, settings)
    )
    return _launch(km, task, sandbox.work)


def _stop_kernel(slot: Slot) -> None:
    try:
        slot.km.cleanup_all()
    finally:
        shutil.rmtree(slot.work, ignore_errors=True)


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


def _failure(outputs_text: str, overflow: bool, dead: str, timed_out: bool) -> Failure | None:
    if timed_out:
        return FailureCode.TIMEOUT.failure()
    if overflow:
        return FailureCode.OUTPUT_LIMIT.failure()
    if "MemoryError" in outputs_text:
        return FailureCode.MEMORY.failure()
    if dead:
        return FailureCode.KERNEL_DIED.failure(dead)
    return None


def _kernel_errors() -> tuple[type[BaseException], ...]:
    """What a kernel that died, hung or never answered raises through nbclient."""
    import asyncio

    import zmq

    return (RuntimeError, TimeoutError, asyncio.TimeoutError, OSError, zmq.ZMQError, EOFError)


def grade_task(task: Task, slot: Slot, settings: Settings) -> CopyResult:
    """Grade one submission in the (already started) kernel of ``slot``."""
    import nbformat
    from nbgrader.preprocessors import IgnorePattern, LimitOutput

    from parcours.grading.config import load_config
    from parcours.grading.nbgrader_execute import TrustedExecute

    started = time.perf_counter()
    result = CopyResult(
        etudiant=task.student, td=task.td, empreinte=task.empreinte, alertes=list(task.alerts)
    )
    nb, problem = _read_notebook(Path(task.notebook))
    if nb is None:
        result.echec = FailureCode.INVALID_NOTEBOOK.failure(problem)
        result.duree_s = round(time.perf_counter() - started, 3)
        return result
    # Whose data the student ran the notebook on: read from the outputs they handed in, before
    # grading replaces them with a run on the author's own data.
    result.identite_chargee = _loaded_identity(nb)
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
        "metadata": {"path": str(slot.work)},
    }
    timed_out = threading.Event()
    km = slot.km

    def watchdog():
        timed_out.set()
        km.kill_now()

    timer = threading.Timer(limits.wall_timeout_s, watchdog)
    timer.daemon = True
    timer.start()
    try:
        if slot.start_error:
            result.echec = FailureCode.KERNEL_START.failure(slot.start_error)
        else:
            nb, resources = ex.preprocess(nb, resources, km=km)
    except FileNotFoundError as exc:
        result.echec = FailureCode.SOURCE_MISSING.failure(str(exc))
    except _kernel_errors() as exc:
        if ex.plan is None:  # the rebuild failed: the grader's own fault, no kernel involved
            result.echec = FailureCode.INTERNAL.failure(type(exc).__name__)
        else:
            ex.note_dead(type(exc).__name__)
    except Exception as exc:  # noqa: BLE001 - the grader's own error: say so, never « noyau mort »
        result.echec = FailureCode.INTERNAL.failure(f"{type(exc).__name__} : {exc}"[:200])
    finally:
        timer.cancel()
        try:
            if ex.kc is not None:
                ex.kc.stop_channels()
        except Exception:  # noqa: BLE001
            pass
    plan = ex.plan
    internal = result.echec is not None and result.echec.code is FailureCode.INTERNAL
    if plan is not None and not internal:
        # test cells never reached (kernel died mid-way): 0 with a reason
        for gid, item in plan.tests.items():
            if gid not in ex.messages:
                ex.messages[gid] = item.blocked or (
                    "Cette question n'a pas pu être corrigée : l'exécution du notebook s'est "
                    "arrêtée avant."
                )
        from parcours.grading.trusted import error_output

        for cell in nb.cells:
            gid = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
            if gid in plan.tests and cell.get("cell_type") == "code":
                message = ex.messages.get(gid, "")
                cell["outputs"] = [error_output(message)] if message else []
        _scan(result, plan, nb.cells)
        result.alertes += plan.alerts
        result.questions = {gid: QuestionResult(message=m) for gid, m in ex.messages.items()}
        if plan.fraud and result.echec is None:
            result.echec = FailureCode.TAMPERED.failure(plan.alerts[0])
    if not internal:
        text = "\n".join(
            str(o.get("ename", "")) + str(o.get("evalue", ""))
            for c in nb.get("cells", [])
            for o in c.get("outputs", []) or []
            if o.get("output_type") == "error"
        )
        failure = _failure(text, ex.overflow, ex.dead, timed_out.is_set() or ex.timed_out)
        if failure and (result.echec is None or result.echec.code is FailureCode.TAMPERED):
            result.fail(failure)
    if result.identite_chargee and result.identite_chargee != task.data_id:
        result.alertes.append(
            f"Le notebook a été exécuté avec les données de « {result.identite_chargee} », "
            f"pas celles de « {task.data_id} » : il est corrigé avec les données de son auteur."
        )
    if task.data_student:  # a pseudonym: the graded notebook (formgrader) never shows the id
        if result.identite_chargee == task.data_student:
            result.identite_chargee = task.student
        _pseudonymise(nb, task.student)
    try:
        IgnorePattern(config=config).preprocess(nb, resources)
        LimitOutput(config=config).preprocess(nb, resources)
    except Exception:  # noqa: BLE001 - cosmetic steps only
        pass
    # no plan means the trusted rebuild never ran: never score the raw submission's outputs
    graded = plan is not None and not internal
    result.notebook = nbformat.writes(nb) if graded else None
    if result.notebook is not None and len(result.notebook) > 2 * limits.output_bytes:
        # the autograded notebook on disk stays bounded too: keep the test cells' messages only
        nb.metadata.pop("widgets", None)
        for cell in nb.cells:
            gid = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
            if cell.get("cell_type") == "code" and not (plan and gid in plan.tests):
                cell["outputs"] = []
        result.notebook = nbformat.writes(nb)
        if result.echec is None or result.echec.code is FailureCode.TAMPERED:
            result.fail(FailureCode.OUTPUT_LIMIT.failure())
    if not graded and result.echec is None:
        result.echec = FailureCode.KERNEL_START.failure()
    result.checks_s = round(float((resources.get("parcours") or {}).get("checks_s", 0.0)), 4)
    result.duree_s = round(time.perf_counter() - started, 3)
    return result


def _scan(result: CopyResult, plan, cells) -> None:
    """Flag the student's code that tries to manipulate grading, and what the sandbox refused it
    (``cells``: the notebook as it ran); the score stays as it is."""
    from parcours.grading.manipulation import alert, refused, scan

    started = time.perf_counter()
    result.manipulation = scan(plan.student_code) + refused(cells, set(plan.tests))
    if result.manipulation:
        result.alertes.insert(0, alert(result.manipulation))
    result.analyse_s = round(time.perf_counter() - started, 4)


def _grade_or_fail(task: Task, slot: Slot, settings: Settings) -> CopyResult:
    try:
        return grade_task(task, slot, settings)
    except Exception as exc:  # noqa: BLE001 - never lose a submission, and say whose fault it is
        return CopyResult(
            etudiant=task.student,
            td=task.td,
            empreinte=task.empreinte,
            alertes=list(task.alerts),
            echec=FailureCode.INTERNAL.failure(f"{type(exc).__name__} : {exc}"[:200]),
        )


def _send(results, result: CopyResult) -> None:
    result.memoire_mo["rss_max_mo"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
    )
    results.put(result)


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
            slot = _fork_kernel(task, sandbox, settings)
            try:
                result = _grade_or_fail(task, slot, settings)
            finally:
                sandbox.reset()
            result.memoire_mo.update({k: round(v, 1) for k, v in sandbox.memory_mb.items()})
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
        task, slot = pending
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
            result = _grade_or_fail(task, slot, settings)
        finally:
            _stop_kernel(slot)
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
