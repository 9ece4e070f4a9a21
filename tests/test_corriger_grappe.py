"""`parcours corriger --grappe`: a real Dask scheduler and workers on 127.0.0.1, no shared folder.

Each worker runs in its own temporary folder (cwd, TMPDIR, Dask's local directory), far from the
course folder: the tasks carry the submissions' bytes and the batch plugin the source notebook.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from corpus import FULL, TD, make_course
from test_corriger import EXPECTED, LIMITS, _class, _gradebook_scores

import parcours
from parcours.grading.batch import RESULT_FILE, BatchError, course_secret_in, grade_batch
from parcours.grading.sandbox import bwrap_path, sandbox_available

pytestmark = [pytest.mark.lent, pytest.mark.xdist_group("corriger_grappe")]
BIN = Path(sys.executable).parent


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """``dask scheduler`` and ``dask worker`` processes, each in a folder of its own."""

    def __init__(self, base: Path, hidden: tuple[Path, ...] = ()) -> None:
        self.base = base
        self.hidden = hidden  # folders the workers cannot see (the course's)
        self.address = f"tcp://127.0.0.1:{_port()}"
        self.procs: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self.folders: list[Path] = []
        port = self.address.rsplit(":", 1)[1]
        self.scheduler = self._start(
            "scheduler",
            ["scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
        )

    def _start(
        self, name: str, args: list[str], pythonpath: str = "", hidden: tuple[Path, ...] = ()
    ) -> subprocess.Popen:
        folder = self.base / f"{name}-{len(self.procs)}"
        proc = _start_hidden(folder, [str(BIN / "dask"), *args], hidden, pythonpath)
        self.procs.append(proc)
        self.folders.append(folder)
        return proc

    def worker(
        self, pythonpath: str = "", without_bwrap: bool = False, threads: int = 1
    ) -> subprocess.Popen:
        n = len(self.procs)
        proc = self._start(
            "travailleur",
            [
                "worker",
                self.address,
                "--nthreads",
                str(threads),
                "--no-nanny",
                "--no-dashboard",
                "--host",
                "127.0.0.1",
                "--local-directory",
                str(self.base / f"travailleur-{n}" / "dask"),
            ],
            pythonpath,
            self.hidden + ((Path(bwrap_path()).parent,) if without_bwrap else ()),
        )
        self.workers.append(proc)
        return proc

    def wait_workers(self, n: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(n, timeout=120)

    def on_workers(self, fn, *args) -> dict:
        """``fn(*args)`` run on every worker, by worker address."""
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            return client.run(fn, *args)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _start_hidden(
    folder: Path, argv: list[str], hidden: tuple[Path, ...], pythonpath: str = ""
) -> subprocess.Popen:
    """``argv`` in ``folder`` (its cwd, TMPDIR and journal.txt), in a mount namespace where each
    ``hidden`` folder is an empty one (bwrap, as the sandbox)."""
    (folder / "tmp").mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}", TMPDIR=str(folder / "tmp"))
    env.pop("PYTHONPATH", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    hide = [a for h in hidden for a in ("--tmpfs", str(h))]
    wrap = [bwrap_path(), "--dev-bind", "/", "/", *hide, "--"] if hide else []
    with open(folder / "journal.txt", "wb") as log:
        return subprocess.Popen(
            [*wrap, *argv],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _short_folder() -> Path:
    """The cluster's folders, far from the course's (in pytest's temporary folder)."""
    folder = Path(tempfile.mkdtemp(prefix="pg-", dir="/tmp"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


@pytest.fixture
def cluster(tmp_path):
    if sandbox_available():
        pytest.skip(f"Bac à sable indisponible : {sandbox_available()}")
    c = Cluster(_short_folder(), hidden=(tmp_path,))
    c.worker()
    c.worker()
    c.wait_workers(2)
    yield c
    c.stop()


def _course(base: Path) -> Path:
    from nbgrading import course

    base.mkdir()
    _, put = make_course(base)
    _class(put, course(TD))
    return base


def _points(batch) -> dict:
    return {s: r.scores for s, r in batch.results.items()}


def _files_containing(folders, needle: bytes) -> list[Path]:
    found = []
    for folder in folders:
        for path in folder.rglob("*"):
            try:
                if path.is_file() and needle in path.read_bytes():
                    found.append(path)
            except OSError:
                pass
    return found


def test_cluster_grades_like_the_local_pool_and_never_writes_the_secret(cluster, tmp_path):
    local_root = _course(tmp_path / "local")
    remote_root = _course(tmp_path / "cours")
    local = grade_batch(TD, root=local_root, workers=2, limits=LIMITS)
    remote = grade_batch(TD, root=remote_root, grappe=cluster.address, limits=LIMITS)
    assert remote.scores == EXPECTED, {s: r.echec for s, r in remote.results.items()}
    assert _points(remote) == _points(local), "notes question par question différentes du local"
    assert _gradebook_scores(f"sqlite:///{remote_root / 'gradebook.db'}") == EXPECTED
    assert remote.workers == 2 and not remote.refused_workers
    seen = cluster.on_workers(os.listdir, str(tmp_path))
    assert list(seen.values()) == [[], []], f"les travailleurs voient le dossier du cours : {seen}"
    secret = course_secret_in(remote_root).encode()
    assert not _files_containing(cluster.folders, secret), (
        "le secret du cours écrit sur un travailleur"
    )
    # the workers' folders hold no copy of a submission or of the source once the batch is over
    assert not [p for f in cluster.folders for p in f.rglob("*.ipynb")]
    again = grade_batch(TD, root=remote_root, grappe=cluster.address, limits=LIMITS)
    assert again.graded == 0 and again.scores == EXPECTED


def _larger_class(base: Path) -> dict[str, float]:
    """The class of :func:`_course` and four more copies: work is left for both workers long
    after the first copy is graded, however slowly this machine's one writer saves."""
    from nbgrading import course

    base.mkdir()
    _, put = make_course(base)
    c = course(TD)
    _class(put, c)
    expected = dict(EXPECTED)
    for student in ("eve.plein", "fanny.plein", "gael.plein"):
        put(student, c.submission())
        expected[student] = FULL
    put("hugo.vide", c.submission(blank=True))
    expected["hugo.vide"] = 0.0
    return expected


def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(cluster, tmp_path):
    from distributed import Client

    root = tmp_path / "cours"
    expected = _larger_class(root)
    killed = []
    stop = threading.Event()

    def holding_a_result(dask_scheduler) -> list[str]:
        """Run on the scheduler (sent by value): the workers holding a graded copy's result."""
        return sorted(
            {
                ws.address
                for ts in dask_scheduler.tasks.values()
                if ts.state == "memory"
                for ws in ts.who_has
            }
        )

    def kill_a_busy_worker():
        """kill -9 a worker that holds a graded copy the batch has not saved yet, while it grades
        another if it can (the scheduler's own state: the one writer may lag behind)."""
        with Client(cluster.address, timeout=60) as client:
            while not stop.is_set() and not killed:
                holders = client.run_on_scheduler(holding_a_result)
                if holders:
                    busy = [a for a, keys in client.processing().items() if keys]
                    target = ([a for a in holders if a in busy] or holders)[0]
                    pid = client.run(os.getpid, workers=[target])[target]
                    os.kill(pid, signal.SIGKILL)
                    killed.append(target)
                stop.wait(0.02)

    killer = threading.Thread(target=kill_a_busy_worker, daemon=True)
    killer.start()
    saved = []
    try:
        batch = grade_batch(
            TD,
            root=root,
            grappe=cluster.address,
            limits=LIMITS,
            progress=lambda done, failed, total, r: saved.append(r.etudiant),
        )
    finally:
        stop.set()
        killer.join()
    assert killed, "aucun travailleur n'a été tué pendant une correction"
    assert sum(w.poll() is not None for w in cluster.workers) == 1
    assert batch.scores == expected, {s: r.echec for s, r in batch.results.items()}
    assert sorted(saved) == sorted(expected), "copie perdue ou enregistrée deux fois"
    assert _gradebook_scores(f"sqlite:///{root / 'gradebook.db'}") == expected


def test_a_worker_with_two_threads_grades_each_copy_on_its_own_authors_data(tmp_path):
    if sandbox_available():
        pytest.skip(f"Bac à sable indisponible : {sandbox_available()}")
    # the checks read the author's id from the process's environment: two threads of one
    # worker process must never grade at once
    c = Cluster(_short_folder(), hidden=(tmp_path,))
    try:
        c.worker(threads=2)
        c.wait_workers(1)
        root = tmp_path / "cours"
        expected = _larger_class(root)
        batch = grade_batch(TD, root=root, grappe=c.address, limits=LIMITS)
        assert batch.scores == expected, {s: r.echec for s, r in batch.results.items()}
        assert _gradebook_scores(f"sqlite:///{root / 'gradebook.db'}") == expected
    finally:
        c.stop()


def test_a_worker_without_bwrap_is_refused_unless_sans_isolation(tmp_path):
    if sandbox_available():
        pytest.skip(f"Bac à sable indisponible : {sandbox_available()}")
    c = Cluster(_short_folder(), hidden=(tmp_path,))
    try:
        c.worker(without_bwrap=True)
        c.wait_workers(1)
        root = _course(tmp_path / "cours")
        with pytest.raises(BatchError) as err:
            grade_batch(TD, root=root, grappe=c.address, limits=LIMITS)
        message = str(err.value)
        assert "pas de bac à sable" in message and "--sans-isolation" in message, message
        assert not list(root.glob(f"autograded/*/{TD}/{RESULT_FILE}"))
        batch = grade_batch(TD, root=root, grappe=c.address, limits=LIMITS, isolation=False)
        assert batch.scores == EXPECTED, {s: r.echec for s, r in batch.results.items()}
    finally:
        c.stop()


def test_a_worker_with_another_parcours_version_is_refused(tmp_path):
    if sandbox_available():
        pytest.skip(f"Bac à sable indisponible : {sandbox_available()}")
    base = _short_folder()
    other = base / "autre_version"  # the worker's own copy of parcours, of another version
    shutil.copytree(Path(parcours.__file__).parent, other / "parcours")
    init = other / "parcours" / "__init__.py"
    init.write_text(
        init.read_text().replace(f'__version__ = "{parcours.__version__}"', '__version__ = "0.0.9"')
    )
    c = Cluster(base / "grappe", hidden=(tmp_path,))
    try:
        c.worker(pythonpath=str(other))
        c.wait_workers(1)
        root = _course(tmp_path / "cours")
        with pytest.raises(BatchError) as err:
            grade_batch(TD, root=root, grappe=c.address, limits=LIMITS)
        message = str(err.value)
        assert "parcours 0.0.9" in message and parcours.__version__ in message, message
        assert not list(root.glob(f"autograded/*/{TD}/{RESULT_FILE}")), (
            "copie corrigée malgré le refus"
        )
    finally:
        c.stop()


def test_a_scheduler_that_disappears_stops_the_batch_and_a_rerun_finishes_it(cluster, tmp_path):
    root = _course(tmp_path / "cours")

    def kill_after_first_result():
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not list(
            root.glob(f"autograded/*/{TD}/{RESULT_FILE}")
        ):
            time.sleep(0.1)
        os.killpg(cluster.scheduler.pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_after_first_result, daemon=True)
    killer.start()
    with pytest.raises(BatchError) as err:
        grade_batch(TD, root=root, grappe=cluster.address, limits=LIMITS)
    killer.join()
    assert "ne répond plus" in str(err.value) and "relancez" in str(err.value), str(err.value)
    done = {p.parts[-3] for p in root.glob(f"autograded/*/{TD}/{RESULT_FILE}")}
    assert 1 <= len(done) < len(EXPECTED)
    rerun = grade_batch(TD, root=root, workers=2, limits=LIMITS)
    assert rerun.scores == EXPECTED
    assert {s for s, r in rerun.results.items() if r.repris} == done
    assert FULL > 0


def test_a_copy_past_its_limit_kills_only_its_sandbox(cluster, tmp_path):
    from corpus import Q01, with_cell
    from nbgrading import course

    from parcours.grading.sandbox import Limits

    root = tmp_path / "cours"
    root.mkdir()
    _, put = make_course(root)
    c = course(TD)
    full = c.submission()
    put("boucle", with_cell(full, Q01, "while True:\n    pass"))
    for student in ("ana.plein", "ben.plein", "eve.plein"):
        put(student, c.submission())
    limits = Limits(cell_timeout_s=5, wall_timeout_s=120)
    batch = grade_batch(TD, root=root, grappe=cluster.address, limits=limits)
    looping = batch.results["boucle"]
    assert looping.echec and looping.echec.code == "delai", looping.echec
    assert "boucle infinie" in looping.echec.message
    others = {s: r.score for s, r in batch.results.items() if s != "boucle"}
    assert others == dict.fromkeys(("ana.plein", "ben.plein", "eve.plein"), FULL), others
    assert all(w.poll() is None for w in cluster.workers), "un travailleur s'est arrêté"


class GatewayServer:
    """``dask-gateway-server`` on 127.0.0.1 whose clusters run as local processes (its
    UnsafeLocalBackend), in a folder of their own where the course folder is hidden."""

    PASSWORD = "mot-de-passe-passerelle"

    def __init__(self, base: Path, hidden: tuple[Path, ...]) -> None:
        import requests

        self.api = f"http://127.0.0.1:{_port()}"
        proxy_port = _port()
        self.proxy = f"gateway://127.0.0.1:{proxy_port}"
        config = base / "dask_gateway_config.py"
        dask = str(BIN / "dask")
        config.write_text(
            f"c.DaskGateway.address = {self.api.removeprefix('http://')!r}\n"
            f"c.Proxy.address = '127.0.0.1:{proxy_port}'\n"
            "c.DaskGateway.backend_class = "
            "'dask_gateway_server.backends.local.UnsafeLocalBackend'\n"
            "c.DaskGateway.authenticator_class = 'dask_gateway_server.auth.SimpleAuthenticator'\n"
            f"c.SimpleAuthenticator.password = {self.PASSWORD!r}\n"
            "c.ClusterConfig.worker_cores = 1\nc.ClusterConfig.worker_threads = 1\n"
            f"c.ClusterConfig.scheduler_cmd = [{dask!r}, 'scheduler']\n"
            f"c.ClusterConfig.worker_cmd = [{dask!r}, 'worker']\n"
            f"c.LocalBackend.clusters_directory = {str(base / 'grappes')!r}\n",
            encoding="utf-8",
        )
        self.proc = _start_hidden(
            base, [str(BIN / "dask-gateway-server"), "-f", str(config)], hidden
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.api}/api/health", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("dask-gateway-server n'a pas démarré")

    def gateway(self):
        from dask_gateway import BasicAuth, Gateway

        return Gateway(self.api, proxy_address=self.proxy, auth=BasicAuth("prof", self.PASSWORD))

    def dask_config(self) -> dict:
        """What the daskhub chart sets in each user's server (here: a password, not the hub)."""
        return {
            "gateway.address": self.api,
            "gateway.auth.type": "basic",
            "gateway.auth.kwargs": {"username": "prof", "password": self.PASSWORD},
        }

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def test_a_dask_gateway_cluster_grades_like_the_local_pool(tmp_path):
    """Une grappe créée par Dask Gateway (à côté de JupyterHub) corrige comme le pool local."""
    if sandbox_available():
        pytest.skip(f"Bac à sable indisponible : {sandbox_available()}")
    pytest.importorskip("dask_gateway_server", reason="dask-gateway-server absent (extra dev)")
    import dask

    from parcours.grading.executors import close_gateway

    server = GatewayServer(_short_folder(), hidden=(tmp_path,))
    gateway = server.gateway()
    try:
        cluster = gateway.new_cluster()
        try:
            cluster.scale(2)
            with cluster.get_client(set_as_default=False) as client:
                client.wait_for_workers(2, timeout=120)
                seen = client.run(os.listdir, str(tmp_path))
            assert list(seen.values()) == [[], []], f"les travailleurs voient le cours : {seen}"
            root = _course(tmp_path / "cours")
            with dask.config.set(server.dask_config()):
                batch = grade_batch(TD, root=root, grappe=cluster.scheduler_address, limits=LIMITS)
            assert batch.scores == EXPECTED, {s: r.echec for s, r in batch.results.items()}
            assert batch.workers == 2 and not batch.refused_workers
            assert _gradebook_scores(f"sqlite:///{root / 'gradebook.db'}") == EXPECTED
            # the teacher's cluster: still there for the next TD
            assert [c.name for c in gateway.list_clusters()] == [cluster.name]
        finally:
            close_gateway(cluster, shutdown=True)
    finally:
        close_gateway(gateway)
        server.stop()


def test_a_gateway_address_without_its_gateway_says_what_to_set(tmp_path):
    """Une adresse gateway:// sans passerelle configurée : un message en français, rien de corrigé."""
    import dask

    root = _course(tmp_path / "cours")
    with dask.config.set({"gateway.address": None}):
        with pytest.raises(BatchError) as err:
            grade_batch(TD, root=root, grappe="gateway://127.0.0.1:1/grappe-du-td", limits=LIMITS)
    assert "DASK_GATEWAY__ADDRESS" in str(err.value), err.value
    with pytest.raises(BatchError) as err:
        grade_batch(TD, root=root, grappe="gateway://", limits=LIMITS)
    assert "Adresse Dask Gateway incomplète" in str(err.value), err.value
    assert not list(root.glob(f"autograded/*/{TD}/{RESULT_FILE}"))
