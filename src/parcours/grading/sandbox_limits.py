"""Apply a kernel's limits (address space, file size, processes, cgroups), then exec the kernel.

Usage (by :mod:`parcours.grading.sandbox`): ``python -m parcours.grading.sandbox_limits --memoire B --fichier B
[--processus N] [--cgroup /sys/fs/cgroup/…/cgroup.procs] -- command…``.
"""

from __future__ import annotations

import os
import resource
import sys


def main(argv: list[str]) -> None:
    if "--" not in argv:
        sys.exit("usage: parcours.grading.sandbox_limits OPTIONS -- commande")
    cut = argv.index("--")
    opts, cmd = argv[:cut], argv[cut + 1 :]
    i = 0
    while i < len(opts):
        key, value = opts[i], opts[i + 1]
        i += 2
        if key == "--cgroup":
            try:
                with open(value, "w") as f:
                    f.write(str(os.getpid()))
            except OSError:
                pass
        elif key == "--memoire":
            n = int(value)
            resource.setrlimit(resource.RLIMIT_AS, (n, n))
        elif key == "--fichier":
            n = int(value)
            resource.setrlimit(resource.RLIMIT_FSIZE, (n, n))
        elif key == "--processus":
            n = int(value)
            try:
                resource.setrlimit(resource.RLIMIT_NPROC, (n, n))
            except (ValueError, OSError):
                pass
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
