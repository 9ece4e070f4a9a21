"""Where submissions are graded: this machine's worker processes, or a Dask cluster.

:func:`parcours.grading.batch.grade_batch` keeps discovery, resume by content hash, the one gradebook
writer and the summary; an executor only takes the tasks to be graded and yields each worker's
result (a :class:`~parcours.grading.results.CopyResult`, plain data) back to that writer, in completion order.

- :class:`LocalExecutor` (the default): forked worker processes (:func:`parcours.grading.worker.worker_main`).
- :class:`DaskExecutor` (``parcours corriger --grappe tcp://ordonnanceur:8786``): a Dask
  ``distributed`` cluster, or a Dask Gateway one (``gateway://passerelle:port/<nom>``). Nothing assumes a shared filesystem: a task carries the submission's bytes,
  its author and digests; the source notebook, the course's nbgrader config and the settings (limits,
  secret) go once per batch in a worker plugin, kept in memory (the secret is never written on a
  worker). Each Dask worker process grades one copy at a time in its bwrap sandbox with a warm zygote,
  as a local worker does (run one worker process per core: ``--nworkers 8 --nthreads 1``). Workers whose ``parcours``, pandas or numpy version differs from the teacher's, or
  without bwrap (unless ``--sans-isolation``), are refused before grading.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import queue as queue_mod
import shutil
import tempfile
import threading
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from parcours.grading.results import CopyResult, Failure, FailureCode
from parcours.grading.worker import Settings, Task

VERSIONED = ("parcours", "pandas", "numpy")
GRADING_LOCK = threading.Lock()
# tasks on the cluster per worker thread: one graded, one sent ahead (its bytes already there)
WINDOW_PER_THREAD = 2


class ExecutorError(RuntimeError):
    """The executor cannot grade (French message); results already yielded are kept."""


def _lost(task: Task, failure: Failure) -> CopyResult:
    """A copy whose worker never sent its result: not graded, with why."""
    return CopyResult(etudiant=task.student, td=task.td, empreinte=task.empreinte, echec=failure)


class LocalExecutor:
    """``workers`` forked processes on this machine, each with its own sandbox."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.refused: list[str] = []

    def run(
        self, tasks: Sequence[Task], settings: Settings, stop: threading.Event | None = None
    ) -> Iterator[CopyResult]:
        from parcours.grading.worker import worker_main

        stop = stop or threading.Event()
        ctx = mp.get_context("fork")
        task_q = ctx.Queue()
        result_q = ctx.Queue()
        n = max(1, min(self.workers, len(tasks)))
        for t in tasks:
            task_q.put(t)
        for _ in range(n):
            task_q.put(None)
        procs = [
            ctx.Process(target=worker_main, args=(task_q, result_q, settings)) for _ in range(n)
        ]
        # the parent keeps no open gradebook connection across the fork
        for p in procs:
            p.start()
        seen: set[str] = set()
        try:
            while len(seen) < len(tasks) and not stop.is_set():
                try:
                    raw = result_q.get(timeout=0.5)
                except queue_mod.Empty:
                    if stop.is_set():
                        break
                    if not any(p.is_alive() for p in procs):
                        for t in tasks:
                            if t.student not in seen:
                                seen.add(t.student)
                                yield _lost(t, FailureCode.WORKER_DIED.failure())
                        return
                    continue
                seen.add(raw.etudiant)
                yield raw
        finally:
            if stop.is_set():
                for p in procs:  # their sandboxes die with them (bwrap --die-with-parent)
                    p.kill()
            for p in procs:
                p.join(timeout=10)
                if p.is_alive():
                    p.kill()
                    p.join(timeout=5)


# -- Dask ------------------------------------------------------------------------------------------
def versions() -> dict[str, str]:
    """The versions a grade depends on, on this machine."""
    import numpy
    import pandas

    import parcours

    return {
        "parcours": parcours.__version__,
        "pandas": pandas.__version__,
        "numpy": numpy.__version__,
    }


def worker_report(isolated: bool) -> dict:
    """Run on each Dask worker: its versions, and why it has no sandbox (``""`` when it has)."""
    from parcours.grading.sandbox import sandbox_available

    return {"versions": versions(), "bac_a_sable": sandbox_available() if isolated else ""}


def refusal(report: dict, expected: dict[str, str], isolated: bool) -> str:
    """Why a worker with ``report`` may not grade (French), ``""`` when it may."""
    wrong = [
        f"{name} {report['versions'].get(name, '?')} sur le travailleur, {expected[name]} chez vous"
        for name in VERSIONED
        if report["versions"].get(name) != expected[name]
    ]
    if wrong:
        return (
            "versions différentes ("
            + " ; ".join(wrong)
            + ") : installez sur ce travailleur les mêmes versions que sur votre machine."
        )
    if isolated and report.get("bac_a_sable"):
        return (
            f"pas de bac à sable sur ce travailleur ({report['bac_a_sable']}) ; installez "
            "bubblewrap, ou relancez avec --sans-isolation en connaissance de cause."
        )
    return ""


@dataclass
class BatchFiles:
    """What a worker needs once per batch, sent as data."""

    td: str
    source_name: str
    source: bytes
    config: bytes | None  # the course's own nbgrader_config.py, None for the project's default


try:  # distributed is a teacher-side extra: the local executor does without it
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # pragma: no cover - exercised only without the extra
    WorkerPlugin = object


class GradingPlugin(WorkerPlugin):
    """Per batch, on each Dask worker: the batch's files in a private folder, warm sandboxes.

    At setup the worker starts one bwrap sandbox with its zygote per thread (the same sandbox and
    limits as a local worker, :class:`parcours.grading.kernel_pool.ZygoteSandbox`); each task borrows
    one, forks its kernel there and hands it back emptied. The settings (limits, course secret) stay
    in this object's memory; only the source notebook and the course's nbgrader config are written,
    in a folder removed at teardown, as is each submission's copy once graded.
    """

    def __init__(self, name: str, files: BatchFiles, settings: Settings, expected: dict) -> None:
        self.name = name
        self.files = files
        self.settings = settings
        self.expected = expected

    def setup(self, worker=None) -> None:
        from parcours.grading.config import DEFAULT_CONFIG

        self.refused = refusal(
            worker_report(self.settings.isolated), self.expected, self.settings.isolated
        )
        self.base = Path(tempfile.mkdtemp(prefix="parcours-grappe-"))
        source_dir = self.base / "solutions" / self.files.td
        source_dir.mkdir(parents=True)
        self.source = source_dir / self.files.source_name
        self.source.write_bytes(self.files.source)
        if self.files.config is None:
            self.config_file = DEFAULT_CONFIG
        else:
            self.config_file = self.base / "nbgrader_config.py"
            self.config_file.write_bytes(self.files.config)
        self.pool: queue_mod.Queue = queue_mod.Queue()
        self.sandboxes: list = []
        self.lock = threading.Lock()
        if not self.refused and self.settings.isolated and self.settings.forked:
            # warm: the zygote imports while the first task arrives
            self.pool.put(self._new_sandbox())

    def teardown(self, worker=None) -> None:
        with self.lock:
            for sandbox in self.sandboxes:
                sandbox.close()
            self.sandboxes.clear()
        shutil.rmtree(self.base, ignore_errors=True)

    def _new_sandbox(self):
        from parcours.grading.kernel_pool import ZygoteSandbox

        sandbox = ZygoteSandbox(self.settings.limits)
        with self.lock:
            self.sandboxes.append(sandbox)
        return sandbox

    def _borrow(self):
        """A live sandbox of this worker's pool (a new one if the last copy killed it)."""
        sandbox = self.pool.get()
        if not sandbox.alive:
            sandbox.close()
            with self.lock:
                if sandbox in self.sandboxes:
                    self.sandboxes.remove(sandbox)
            sandbox = self._new_sandbox()
        return sandbox

    def grade(
        self,
        student: str,
        name: str,
        data: bytes,
        empreinte: str,
        alerts: list,
        data_student: str = "",
    ) -> CopyResult:
        if self.refused:
            raise ExecutorError(f"Travailleur refusé : {self.refused}")
        # The checks set the author's id (and the secret) in this process's environment: two
        # copies graded at once by two threads of one process would read each other's data. One
        # copy at a time per process; a machine runs one Dask worker process per core.
        with GRADING_LOCK:
            return self._grade(student, name, data, empreinte, alerts, data_student)

    def _grade(
        self,
        student: str,
        name: str,
        data: bytes,
        empreinte: str,
        alerts: list,
        data_student: str,
    ) -> CopyResult:
        import resource

        from parcours.grading import worker as w

        folder = Path(tempfile.mkdtemp(prefix="copie-", dir=self.base))
        notebook = folder / name
        notebook.write_bytes(data)
        task = Task(
            student=student,
            td=self.files.td,
            notebook=str(notebook),
            source=str(self.source),
            root=str(self.base),
            config_file=str(self.config_file),
            empreinte=empreinte,
            alerts=list(alerts),
            data_student=data_student,
        )
        try:
            if self.settings.isolated and self.settings.forked:
                sandbox = self._borrow()
                try:
                    if not sandbox.ready():
                        raise ExecutorError(
                            "Travailleur refusé : le bac à sable n'a pas pu démarrer sur ce "
                            "travailleur."
                        )
                    slot = w._fork_kernel(task, sandbox, self.settings)
                    try:
                        result = w._grade_or_fail(task, slot, self.settings)
                    finally:
                        sandbox.reset()
                    result.memoire_mo.update({k: round(v, 1) for k, v in sandbox.memory_mb.items()})
                finally:
                    self.pool.put(sandbox)
            else:
                slot = w._start_kernel(task, self.settings)
                try:
                    result = w._grade_or_fail(task, slot, self.settings)
                finally:
                    w._stop_kernel(slot)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        result.memoire_mo["rss_max_mo"] = round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        )
        return result


def grade_on_worker(
    plugin_name: str, student, name, data, empreinte, alerts, source_digest: str, data_student=""
) -> CopyResult:
    """The Dask task: grade one submission with this worker's batch plugin, whose source notebook
    must be the one the task was made for."""
    import hashlib

    from distributed import get_worker

    plugin = get_worker().plugins[plugin_name]
    if hashlib.sha256(plugin.files.source).hexdigest() != source_digest:
        raise ExecutorError("Travailleur refusé : son sujet n'est pas celui de cette correction.")
    return plugin.grade(student, name, data, empreinte, alerts, data_student)


def close_gateway(part, **kwargs) -> None:
    """Close a ``dask_gateway`` Gateway or GatewayCluster (``kwargs``: its ``close``'s) once and
    for good: its ``__del__`` would close its Gateway again, which raises once that Gateway's loop
    has stopped (with distributed 2025 and later)."""
    try:
        part.close(**kwargs)
    except Exception:  # noqa: BLE001
        pass
    gateway = getattr(part, "gateway", part)
    gateway.__dict__.pop("_loop_runner", None)


def _cluster_failure(exc: BaseException) -> Failure:
    """Why a task raised on the cluster: its workers kept dying under it (Dask gave up on it), or
    an error outside the copy's grading (which never raises: :func:`worker._grade_or_fail`)."""
    if type(exc).__name__ == "KilledWorker":
        return FailureCode.WORKER_DIED.failure()
    return FailureCode.INTERNAL.failure(f"{type(exc).__name__} sur la grappe")


class DaskExecutor:
    """Grade on the Dask cluster whose scheduler is at ``address`` (``tcp://hôte:8786``)."""

    def __init__(self, address: str, files: BatchFiles, connect_timeout: float = 20) -> None:
        self.address = address
        self.files = files
        self.connect_timeout = connect_timeout
        self.refused: list[str] = []
        self.workers = 0
        self._gateway = self._gateway_cluster = None

    def _client(self):
        if self.address.startswith("gateway://"):
            return self._gateway_client()
        try:
            from distributed import Client
        except ImportError:
            raise ExecutorError(
                "La correction sur une grappe demande le paquet « distributed » : installez "
                "parcours[enseignant]."
            ) from None
        try:
            return Client(self.address, timeout=self.connect_timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ExecutorError(
                f"Ordonnanceur Dask injoignable à {self.address} ({type(exc).__name__}) : "
                "vérifiez l'adresse et que « dask scheduler » tourne."
            ) from None

    def _gateway_client(self):
        """A client of the Dask Gateway cluster at ``gateway://proxy:port/<name>`` (its
        ``scheduler_address``), with the gateway's certificates; the gateway's address and
        authentication come from Dask's configuration (``gateway.address``, ``gateway.auth``),
        as the daskhub chart sets them in each user's server."""
        try:
            from dask_gateway import Gateway
        except ImportError:
            raise ExecutorError(
                "Une adresse gateway:// demande le paquet « dask-gateway » : installez "
                "parcours[enseignant]."
            ) from None
        import re

        found = re.fullmatch(r"(gateway://[^/]+)/([^/]+)/?", self.address)
        if not found:
            raise ExecutorError(
                f"Adresse Dask Gateway incomplète : {self.address} ; donnez celle de la grappe, "
                "gateway://passerelle:port/<nom de la grappe> (son scheduler_address)."
            )
        proxy, name = found.groups()
        try:
            gateway = self._gateway = Gateway(proxy_address=proxy)
        except ValueError:
            raise ExecutorError(
                "Adresse de la passerelle Dask Gateway inconnue : réglez gateway.address dans la "
                "configuration de Dask (variable DASK_GATEWAY__ADDRESS), comme la carte daskhub "
                "le fait sur chaque serveur du hub."
            ) from None
        try:
            self._gateway_cluster = gateway.connect(name)
            return self._gateway_cluster.get_client(set_as_default=False)
        except Exception as exc:  # noqa: BLE001 - HTTP, TLS and unknown-cluster errors alike
            self._close_gateway()
            raise ExecutorError(
                f"Grappe Dask Gateway « {name} » injoignable ({type(exc).__name__}) : vérifiez "
                "qu'elle tourne (gateway.list_clusters()) et l'adresse de la passerelle."
            ) from None

    def _close_gateway(self) -> None:
        """Our connection to a Dask Gateway cluster, never the cluster: it was not ours to start."""
        for part in (self._gateway_cluster, self._gateway):
            if part is not None:
                close_gateway(part)
        self._gateway = self._gateway_cluster = None

    def run(
        self, tasks: Sequence[Task], settings: Settings, stop: threading.Event | None = None
    ) -> Iterator[CopyResult]:
        stop = stop or threading.Event()
        client = self._client()
        plugin_name = f"parcours-{uuid.uuid4().hex[:12]}"
        registered = False
        seen: set[str] = set()
        try:
            expected = versions()
            try:
                reports = client.run(worker_report, settings.isolated)
            except Exception as exc:  # noqa: BLE001
                raise ExecutorError(f"Travailleurs Dask injoignables ({exc}).") from None
            good = []
            for address, report in sorted(reports.items()):
                why = refusal(report, expected, settings.isolated)
                if why:
                    self.refused.append(f"{address} : {why}")
                else:
                    good.append(address)
            if not good:
                detail = " ".join(self.refused) or "aucun travailleur connecté à l'ordonnanceur."
                raise ExecutorError(f"Aucun travailleur Dask ne peut corriger : {detail}")
            self.workers = len(good)  # one copy at a time per worker process
            client.register_plugin(GradingPlugin(plugin_name, self.files, settings, expected))
            registered = True
            source_digest = hashlib.sha256(self.files.source).hexdigest()
            from distributed import as_completed

            # A bounded window of tasks on the cluster: the teacher's process and the scheduler
            # hold a few submissions' bytes at a time, not the whole class's.
            waiting = deque(tasks)
            window = max(2, WINDOW_PER_THREAD * self._threads(client, good))
            pending: dict[str, tuple] = {}
            arriving = as_completed([], loop=client.loop)

            def submit_more() -> None:
                while waiting and len(pending) < window:
                    t = waiting.popleft()
                    future = client.submit(
                        grade_on_worker,
                        plugin_name,
                        t.student,
                        Path(t.notebook).name,
                        Path(t.notebook).read_bytes(),
                        t.empreinte,
                        t.alerts,
                        source_digest,
                        t.data_student,
                        key=f"{plugin_name}-{t.student}",
                        pure=False,
                        workers=good,
                        allow_other_workers=False,
                    )
                    pending[future.key] = (future, t)
                    arriving.add(future)

            submit_more()
            idle = 0
            while pending and not stop.is_set():
                finished = arriving.next_batch(block=False)
                if not finished:
                    if client.status not in ("running", "connecting", "newly-created"):
                        raise self._gone(len(seen), len(tasks)) from None
                    idle += 1
                    if idle % 100 == 0 and not self._alive(client, good):
                        raise ExecutorError(
                            "Plus aucun travailleur Dask accepté n'est connecté : correction "
                            f"arrêtée, {len(seen)} copie(s) sur {len(tasks)} corrigées et "
                            "enregistrées ; relancez la même commande une fois les travailleurs "
                            "revenus."
                        ) from None
                    stop.wait(0.1)
                    continue
                idle = 0
                for future in finished:
                    if future.key not in pending:
                        continue
                    task = pending[future.key][1]
                    status = future.status
                    if status in ("lost", "pending"):
                        # its worker died holding the result: the scheduler computes it again
                        arriving.add(future)
                        continue
                    if status not in ("finished", "error"):  # cancelled: the scheduler went away
                        raise self._gone(len(seen), len(tasks))
                    try:  # a scheduler that dies now leaves the result out of reach
                        raw = future.result() if status == "finished" else None
                        exc = future.exception() if status == "error" else None
                    except Exception:  # noqa: BLE001
                        raise self._gone(len(seen), len(tasks)) from None
                    if isinstance(exc, ExecutorError):  # a refusal, raised on the worker
                        raise ExecutorError(str(exc))
                    if exc is not None:
                        raw = _lost(task, _cluster_failure(exc))
                    del pending[future.key]
                    submit_more()
                    if raw.etudiant in seen:
                        continue
                    seen.add(raw.etudiant)
                    yield raw
                    # saved by the batch's writer: its worker may forget it
                    future.release()
            if pending:  # Ctrl-C: what is still running on the cluster is dropped
                client.cancel([f for f, _ in pending.values()])
        finally:
            if registered:
                try:
                    client.unregister_worker_plugin(plugin_name)
                except Exception:  # noqa: BLE001 - the scheduler may be gone
                    pass
            try:
                client.close(timeout=5)
            except Exception:  # noqa: BLE001
                pass
            self._close_gateway()

    @staticmethod
    def _threads(client, good: list[str]) -> int:
        """How many copies the accepted workers grade at once (one per worker thread)."""
        try:
            workers = client.scheduler_info(n_workers=-1)["workers"]
        except Exception:  # noqa: BLE001
            return len(good)
        return sum(workers.get(a, {}).get("nthreads", 1) for a in good) or len(good)

    @staticmethod
    def _alive(client, good: list[str]) -> bool:
        try:
            connected = set(client.scheduler_info(n_workers=-1)["workers"])
        except Exception:  # noqa: BLE001 - the scheduler's own loss is told apart elsewhere
            return True
        return bool(connected & set(good))

    def _gone(self, done: int, total: int) -> ExecutorError:
        return ExecutorError(
            f"L'ordonnanceur Dask {self.address} ne répond plus : correction arrêtée. {done} copie(s) "
            f"sur {total} sont corrigées et enregistrées ; relancez la même commande pour corriger "
            "seulement les autres."
        )
