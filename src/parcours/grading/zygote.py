"""Inside a worker's sandbox: import the heavy modules once, then fork one kernel per submission.

Run by :mod:`parcours.grading.kernel_pool` as ``python -m parcours.grading.zygote`` under bwrap (its own PID,
user, network and mount namespaces). A fresh kernel pays about 1.5 s of processor time importing
ipykernel, pandas and matplotlib; a child forked from this process has them already. It obeys
JSON lines on stdin and answers on stdout:

- ``{"op": "fork", "argv": […], "env": {…}}``: fork a kernel (``ipykernel`` arguments), answer its pid;
- ``{"op": "poll"}``: its exit code, or ``null`` while it runs;
- ``{"op": "signal", "sig": N}``: send it a signal;
- ``{"op": "reset"}``: kill every other process of the sandbox (and reap them: the zygote is its pid 1),
  empty ``/tmp`` and ``/dev/shm``, and
  answer ``{"propre": true}`` once nothing of the previous submission is left.

Only one kernel exists at a time: the next fork waits for the reset, so a submission never shares
the sandbox with another one's processes or files. This process makes itself non-dumpable, so a
kernel (same user, no capabilities) cannot ptrace it or read its memory through ``/proc``.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import shutil
import signal
import sys
import time

PR_SET_DUMPABLE = 4
PRELOAD = (
    "numpy",
    "pandas",
    "matplotlib.pyplot",
    "matplotlib.backends.backend_agg",
    "pyarrow",
    "pyarrow.ipc",
    "IPython",
    "IPython.core.pylabtools",
    "IPython.display",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "parcours.data",
    "parcours.data.generator",
    "parcours.notebook.values",
    "parcours.notebook.verification",
)
# Never imported here: matplotlib_inline.backend_inline and parcours.notebook.kernel_export hook into the
# running IPython shell when imported, so the kernel imports them itself once its shell exists.


def _set_dumpable(flag: int) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, flag, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def _preload() -> None:
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the kernel will report it when it needs the module
            pass


def _run_kernel(argv: list[str], env: dict[str, str], cwd: str) -> None:
    """In the forked child: become a plain ipykernel process, never return."""
    code = 1
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.closerange(3, 4096)
        sys.stdin = open(0, closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
        _set_dumpable(1)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.environ.update(env)
        os.chdir(cwd)
        sys.path.insert(0, cwd)
        sys.argv = ["ipykernel_launcher", *argv]
        import random

        random.seed()
        try:
            import numpy

            numpy.random.seed()
        except Exception:  # noqa: BLE001
            pass
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - never go back to the zygote's loop
        code = 1
    finally:
        os._exit(code)


def _others() -> list[int]:
    me = os.getpid()
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]


def _reap() -> None:
    """As the sandbox's pid 1, collect every orphan a kernel left (zombies)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if not pid:
            return


def _mount_points() -> set[str]:
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as f:
            return {line.split()[4] for line in f if len(line.split()) > 4}
    except OSError:
        return set()


def empty_folder(folder: str, mounts: set[str] | None = None) -> bool:
    """Remove everything in ``folder``, also what a copy made read-only (``chmod 500``), but
    mount points (the socket folder, emptied by the worker) and the folders leading to them; True
    when nothing else is left."""
    mounts = _mount_points() if mounts is None else mounts

    def unlock(func, path, _exc):
        for target in {os.path.dirname(path), path}:
            try:
                if not os.path.islink(target):
                    os.chmod(target, 0o700)
            except OSError:
                pass
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
        except OSError:
            pass

    try:
        names = os.listdir(folder)
    except OSError:
        return not os.path.exists(folder)
    kept = set()
    for name in names:
        path = os.path.join(folder, name)
        if path in mounts:
            kept.add(name)
        elif any(m.startswith(path + "/") for m in mounts):
            kept.add(name)
            if not empty_folder(path, mounts):
                return False
        elif os.path.isdir(path) and not os.path.islink(path):
            try:
                os.chmod(path, 0o700)
            except OSError:
                pass
            shutil.rmtree(path, onerror=unlock)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass
    try:
        return set(os.listdir(folder)) <= kept
    except OSError:
        return False


class Zygote:
    def __init__(self) -> None:
        self.child: int | None = None
        self.code: int | None = None

    def fork(self, argv: list[str], env: dict[str, str], cwd: str) -> dict:
        if self.child is not None:
            return {"erreur": "un noyau tourne encore"}
        pid = os.fork()
        if pid == 0:
            _run_kernel(argv, env, cwd)
        self.child, self.code = pid, None
        return {"pid": pid}

    def poll(self) -> dict:
        if self.child is not None and self.code is None:
            try:
                pid, status = os.waitpid(self.child, os.WNOHANG)
            except ChildProcessError:
                pid, status = self.child, 0
            if pid:
                self.code = os.waitstatus_to_exitcode(status)
        return {"code": self.code}

    def signal(self, sig: int) -> dict:
        if self.child is not None and self.code is None:
            try:
                os.kill(self.child, sig)
            except OSError:
                pass
        return {"ok": True}

    def reset(self) -> dict:
        deadline = time.monotonic() + 10
        while True:
            try:
                os.kill(-1, signal.SIGKILL)  # every process of this PID namespace but 1 and me
            except OSError:
                pass
            if self.child is not None and self.code is None:
                try:
                    os.waitpid(self.child, 0)
                except ChildProcessError:
                    pass
            _reap()
            self.child, self.code = None, None
            if not _others() or time.monotonic() > deadline:
                break
            time.sleep(0.01)
        emptied = all([empty_folder(folder) for folder in ("/tmp", "/dev/shm")])
        mo = 1024  # ru_maxrss is in KiB
        return {
            "propre": emptied and not _others(),
            "rss_noyau_mo": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / mo,
            "rss_zygote_mo": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / mo,
        }


def main() -> None:
    if os.getpid() != 1 or not os.path.isdir("/proc/1"):
        sys.exit("parcours.grading.zygote ne tourne que dans le bac à sable de parcours corriger.")
    _set_dumpable(0)
    # ``python -m`` put the submission folder first on the path: the zygote never imports from it
    sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]
    os.chdir("/")
    commands = sys.stdin.buffer
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    _preload()
    zygote = Zygote()
    answers.write(json.dumps({"pret": True}) + "\n")
    answers.flush()
    for line in commands:
        try:
            msg = json.loads(line)
            op = msg.get("op")
            if op == "fork":
                answer = zygote.fork(
                    [str(a) for a in msg["argv"]],
                    {str(k): str(v) for k, v in msg.get("env", {}).items()},
                    str(msg.get("cwd", "/travail")),
                )
            elif op == "poll":
                answer = zygote.poll()
            elif op == "signal":
                answer = zygote.signal(int(msg["sig"]))
            elif op == "reset":
                answer = zygote.reset()
            else:
                answer = {"erreur": f"commande inconnue : {op}"}
        except Exception as exc:  # noqa: BLE001 - answer, keep serving
            answer = {"erreur": f"{type(exc).__name__}: {exc}"[:300]}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
