"""A real throw-away PostgreSQL server for tests, from Debian's binaries (``postgresql`` package).

``with postgres_server() as url:`` gives ``postgresql://postgres@/parcours?host=<socket dir>``: the
server listens on a unix socket in a temporary folder only (no TCP port), and is stopped and
deleted afterwards. As root, the server runs as the ``postgres`` user (PostgreSQL refuses root).
:func:`skip_reason` says in French why no server can be started here (the test is then skipped).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def skip_reason() -> str:
    if _bin_dir() is None:
        return (
            "PostgreSQL absent (paquet Debian postgresql) : `make test` l'installe quand il est "
            "lancé en root."
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "L'utilisateur système postgres n'existe pas : réinstallez le paquet postgresql."
    return ""


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", "postgres", "--", *cmd]
    return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", *cmd]


@contextlib.contextmanager
def postgres_server(database: str = "parcours") -> Iterator[str]:
    bindir = _bin_dir()
    if bindir is None:
        raise RuntimeError(skip_reason())
    tmp = Path(tempfile.mkdtemp(prefix="parcours-pg-"))
    data, sock = tmp / "data", tmp / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        for p in (tmp, sock):
            os.chown(p, user.pw_uid, user.pw_gid)
        tmp.chmod(0o755)
    log = tmp / "server.log"
    try:
        subprocess.run(
            _as_server_user(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                    "--locale=C",
                ]
            ),
            check=True,
            capture_output=True,
        )
        options = f"-k {sock} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
        subprocess.run(
            _as_server_user(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-o",
                    options,
                    "-l",
                    str(log),
                    "-w",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )
        subprocess.run(
            _as_server_user([str(bindir / "createdb"), "-h", str(sock), "-U", "postgres", database])
            if (bindir / "createdb").exists()
            else ["true"],
            check=True,
            capture_output=True,
        )
        yield f"postgresql://postgres@/{database}?host={sock}"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                _as_server_user(
                    [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
                ),
                capture_output=True,
            )
        shutil.rmtree(tmp, ignore_errors=True)
