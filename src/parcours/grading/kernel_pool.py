"""A worker's kernels, forked in one sandbox from a process that has already imported everything.

Starting a kernel costs about 1.5 s of processor time (ipykernel, pandas, matplotlib), more than
running a TD's cells. :class:`ZygoteSandbox` starts, once per worker, a bwrap sandbox with the
limits of :mod:`parcours.grading.sandbox` and :mod:`parcours.grading.zygote` in it; :class:`ForkedKernelManager`
is a jupyter_client kernel manager whose kernel is forked there instead of started from scratch.
Submissions go through the sandbox one at a time: between two of them the zygote kills every
other process of the sandbox and empties ``/tmp``, and the worker empties the submission folder
(``/travail``) and the socket folder. When anything goes wrong (timeout, memory, a zygote that
stops answering) the whole sandbox is killed and the next submission gets a new one.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Any as AnyTrait

from parcours.grading.sandbox import (
    CGROUP_ROOT,
    Limits,
    _cgroup_dirs,
    bwrap_args,
    kill_sandbox,
    launcher_env,
    limits_prefix,
    sandbox_folder,
)
from parcours.grading.zygote import empty_folder

PREFIX = "parcours-z-"
OWNER_FILE = "travailleur.pid"
STALE_CGROUP_S = 3600


def process_running(pid: int) -> bool:
    """True while ``pid`` is a live process (a zombie, killed but not yet reaped, is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[:1] not in (["Z"], ["X"])


def sweep_stale() -> list[Path]:
    """Remove what killed workers left behind: sandbox folders (a copy of a submission may still
    be there) and, after an hour, empty cgroups. Returns the folders removed."""
    removed = []
    places = {tempfile.gettempdir(), sandbox_folder()}
    for folder in (f for place in sorted(places) for f in Path(place).glob(f"{PREFIX}*")):
        try:
            owner = int((folder / OWNER_FILE).read_text(encoding="ascii"))
        except (OSError, ValueError):
            continue
        if not process_running(owner):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    for group in CGROUP_ROOT.glob("*/parcours-*"):
        try:
            old = time.time() - group.stat().st_mtime > STALE_CGROUP_S
            if old and not (group / "cgroup.procs").read_text().strip():
                group.rmdir()
        except OSError:
            pass
    return removed


class ZygoteSandbox:
    """One worker's sandbox and the zygote in it (see :mod:`parcours.grading.zygote`)."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self.base = Path(tempfile.mkdtemp(prefix=PREFIX, dir=sandbox_folder()))
        (self.base / OWNER_FILE).write_text(str(os.getpid()), encoding="ascii")
        self.ipc = self.base / "ipc"
        self.work = self.base / "travail"
        self.ipc.mkdir()
        self.work.mkdir()
        self.cgroups = _cgroup_dirs(f"parcours-{uuid.uuid4().hex[:12]}", self.limits)
        cmd = (
            limits_prefix(self.limits, self.cgroups)
            # the zygote is the sandbox's pid 1: not dumpable, no bwrap process whose /proc a
            # kernel could read, and a kernel cannot kill it from inside
            + bwrap_args(self.limits, ipc=self.ipc, workdir=str(self.work), env=None, as_pid_1=True)
            + [sys.executable, "-m", "parcours.grading.zygote"]
        )
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=self.base,
            env=launcher_env(),
            start_new_session=True,
        )
        self._lock = threading.Lock()
        self._buffer = b""
        self._ready: bool | None = None
        self.broken = False
        self.memory_mb = {"rss_noyau_mo": 0.0, "rss_zygote_mo": 0.0}  # peaks, from the zygote

    @property
    def alive(self) -> bool:
        return not self.broken and self.proc.poll() is None

    def ready(self, timeout: float = 120) -> bool:
        """Wait until the zygote has imported everything (once); False when it never will."""
        if self._ready is None:
            with self._lock:
                answer = self._read(timeout)
            self._ready = bool(answer and answer.get("pret"))
            if not self._ready:
                self.kill()
        return self._ready and self.alive

    def ask(self, message: dict, timeout: float = 15) -> dict | None:
        """Send one command, return its answer; None (and the sandbox killed) when none comes."""
        if not self.ready():
            return None
        with self._lock:
            try:
                self.proc.stdin.write((json.dumps(message) + "\n").encode())
                self.proc.stdin.flush()
            except (OSError, ValueError):
                self.kill()
                return None
            answer = self._read(timeout)
        if answer is None:
            self.kill()
        return answer

    def _read(self, timeout: float) -> dict | None:
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                readable, _, _ = select.select([fd], [], [], left)
            except (OSError, ValueError):
                return None
            if not readable:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            answer = json.loads(line)
        except ValueError:
            return None
        return answer if isinstance(answer, dict) else None

    def reset(self) -> bool:
        """Leave nothing of the last submission: processes, /tmp, /travail, sockets."""
        answer = self.ask({"op": "reset"}) if self.alive else None
        clean = bool(answer and answer.get("propre"))
        for key in self.memory_mb:
            self.memory_mb[key] = max(self.memory_mb[key], float((answer or {}).get(key) or 0.0))
        if not clean:
            self.kill()
        for folder in (self.work, self.ipc):
            if not empty_folder(str(folder)):
                clean = False
                self.kill()
        return clean

    def kill(self) -> None:
        """Kill the sandbox and everything in it, at once (safe from any thread)."""
        self.broken = True
        kill_sandbox(self.proc, self.cgroups)

    def close(self) -> None:
        self.kill()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL was sent
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        shutil.rmtree(self.base, ignore_errors=True)


class ForkedProcess:
    """What jupyter_client's provisioner expects of a ``Popen``, for a kernel forked by the zygote."""

    stdin = stdout = stderr = None

    def __init__(self, sandbox: ZygoteSandbox, pid: int) -> None:
        self.sandbox = sandbox
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            answer = self.sandbox.ask({"op": "poll"}) if self.sandbox.alive else None
            if answer is None:
                self.returncode = -signal.SIGKILL
            elif answer.get("code") is not None:
                self.returncode = int(answer["code"])
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("noyau", timeout)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.sandbox.alive:
            self.sandbox.ask({"op": "signal", "sig": int(sig)})

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ForkedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel is forked by a worker's zygote, in its sandbox."""

    sandbox = AnyTrait(None, help="The worker's ZygoteSandbox.")
    sandbox_env = AnyTrait(None, help="Environment variables of this kernel (student, secret).")

    def __init__(self, **kwargs):
        kwargs.setdefault("client_class", "parcours.grading.kernel_client.SlicedKernelClient")
        super().__init__(**kwargs)
        name = uuid.uuid4().hex[:8]
        self.transport = "ipc"
        self.ip = str(self.sandbox.ipc / name)
        self.connection_file = str(self.sandbox.ipc / f"{name}.json")

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        cut = next(
            (i for i, arg in enumerate(kernel_cmd) if arg.endswith("ipykernel_launcher")), None
        )
        if cut is None:
            raise RuntimeError("La commande du noyau Python n'est pas celle d'ipykernel.")
        answer = self.sandbox.ask(
            {
                "op": "fork",
                "argv": kernel_cmd[cut + 1 :],
                "env": dict(self.sandbox_env or {}),
                "cwd": "/travail",
            }
        )
        if not answer or "pid" not in answer:
            raise RuntimeError("Le bac à sable n'a pas pu démarrer de noyau Python.")
        provisioner = self.provisioner
        provisioner.process = ForkedProcess(self.sandbox, int(answer["pid"]))
        provisioner.pid = int(answer["pid"])
        provisioner.pgid = None
        self._reconcile_connection_info(provisioner.connection_info)

    def kill_now(self) -> None:
        """Kill the whole sandbox (runaway kernel): the worker starts a new one for the next copy."""
        self.sandbox.kill()

    def cleanup_all(self) -> None:
        self.sandbox.reset()
