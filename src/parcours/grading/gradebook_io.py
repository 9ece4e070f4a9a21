"""The gradebook seen by ``parcours corriger``: open it safely, back it up, write results to it.

Only the batch's parent process calls this module, so the gradebook (SQLite or PostgreSQL) never
has concurrent writers. A corrupt or unreadable gradebook raises :class:`GradebookError` with a French
message that says how to restore a backup — it is never replaced by an empty one.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path


class GradebookError(RuntimeError):
    """The gradebook cannot be used (French message)."""


def sqlite_path(db_url: str) -> Path | None:
    if db_url.startswith("sqlite:///"):
        return Path(db_url[len("sqlite:///") :])
    return None


def _backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(path.name + ".sauvegarde-*"))


def check_readable(db_url: str, *, retry: str = "relancez la correction") -> None:
    """Raise :class:`GradebookError` when an existing gradebook cannot be read."""
    path = sqlite_path(db_url)
    if path is not None:
        if not path.exists():
            return
        try:
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                row = con.execute("PRAGMA quick_check").fetchone()
                con.execute("SELECT count(*) FROM sqlite_master").fetchone()
            finally:
                con.close()
            if not row or row[0] != "ok":
                raise sqlite3.DatabaseError(str(row))
        except sqlite3.Error:
            backups = _backups(path)
            how = (
                f"Restaurez la dernière sauvegarde : cp '{backups[-1]}' '{path}'"
                if backups
                else "Aucune sauvegarde n'a été trouvée à côté ; restaurez-le depuis vos copies."
            )
            raise GradebookError(
                f"Le carnet de notes {path} est illisible ou endommagé (ce n'est plus une base "
                f"SQLite valide). Rien n'a été "
                f"modifié. {how}, puis {retry}."
            ) from None
        return
    try:
        import sqlalchemy

        engine = sqlalchemy.create_engine(db_url)
        with engine.connect() as con:
            con.execute(sqlalchemy.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any driver error is the same French answer
        raise GradebookError(
            f"Impossible d'ouvrir le carnet de notes {redact(db_url)} ({type(exc).__name__}). "
            "Vérifiez l'adresse, que le serveur tourne et que le pilote psycopg est installé."
        ) from None


def redact(db_url: str) -> str:
    import re

    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", db_url)


DEFAULT_KEPT = 10


def _prune(newest: Path, pattern: str, keep: int) -> None:
    """Remove all but the ``keep`` most recent backups like ``newest`` (their names sort by date)."""
    for old in sorted(newest.parent.glob(pattern))[:-keep]:
        if old != newest:
            old.unlink(missing_ok=True)


def backup(
    db_url: str,
    *,
    folder: Path | None = None,
    now: dt.datetime | None = None,
    keep: int = DEFAULT_KEPT,
) -> Path | None:
    """A dated copy of the gradebook before a run (SQLite: file copy; PostgreSQL: pg_dump);
    only the ``keep`` most recent copies are kept."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S-%f")
    path = sqlite_path(db_url)
    if path is not None:
        if not path.exists():
            return None
        target = path.with_name(f"{path.name}.sauvegarde-{stamp}")
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        _prune(target, f"{path.name}.sauvegarde-*", keep)
        return target
    pg_dump = shutil.which("pg_dump") or next(
        iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"))), None
    )
    if not pg_dump:
        return None
    target = (folder or Path.cwd()) / f"gradebook-postgresql.sauvegarde-{stamp}.sql"
    url = re.sub(r"^postgresql\+\w+://", "postgresql://", db_url)
    proc = subprocess.run([str(pg_dump), "--dbname", url, "-f", str(target)], capture_output=True)
    if proc.returncode != 0:
        raise GradebookError(
            "Sauvegarde du carnet de notes PostgreSQL impossible (pg_dump a échoué) : "
            "la correction n'a pas été lancée."
        )
    _prune(target, "gradebook-postgresql.sauvegarde-*.sql", keep)
    return target


# -- the batch's one writer ------------------------------------------------------------------------
def _fast_commits(dbapi_connection, _record) -> None:
    """Commits that do not wait for the disk (never a corrupt gradebook: SQLite's WAL journal,
    PostgreSQL's asynchronous commit); a machine that crashes may lose the last copies' rows, and
    the next run grades those again (it checks the gradebook, not only the result files)."""
    cursor = dbapi_connection.cursor()
    try:
        if isinstance(dbapi_connection, sqlite3.Connection):
            cursor.execute("PRAGMA synchronous=NORMAL")
        else:
            cursor.execute("SET synchronous_commit TO OFF")
    finally:
        cursor.close()


class Writer:
    """nbgrader's :class:`~nbgrader.api.Gradebook`, opened once for a whole batch.

    One engine, so SQLAlchemy compiles each query once and not once per copy; a SQLite gradebook
    is in WAL mode while the batch writes (formgrader can read meanwhile) and back to its usual
    journal when it closes, so the file alone is the whole gradebook again.
    """

    def __init__(self, db_url: str) -> None:
        from nbgrader.api import Gradebook
        from sqlalchemy import event, text

        self.db_url = db_url
        self.gradebook = Gradebook(db_url)
        self.journal = None
        engine = self.gradebook.engine
        event.listen(engine, "connect", _fast_commits)
        engine.dispose()  # connections from now on get the listener
        if sqlite_path(db_url) is not None:
            session = self.gradebook.db
            self.journal = session.execute(text("PRAGMA journal_mode")).scalar()
            session.execute(text("PRAGMA journal_mode=WAL"))
            session.commit()

    def close(self) -> None:
        from sqlalchemy import text

        session = self.gradebook.db
        try:
            session.commit()
            if self.journal and self.journal.lower() != "wal":
                session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
                session.execute(text(f"PRAGMA journal_mode={self.journal}"))
                session.commit()
        except Exception:  # noqa: BLE001 - another reader holds it: SQLite checkpoints later
            session.rollback()
        finally:
            self.gradebook.close()


def save_auto_grades(writer: Writer, config, nb, resources) -> None:
    """nbgrader's SaveAutoGrades for one notebook, into the writer's open gradebook."""
    from nbgrader.preprocessors import SaveAutoGrades

    class IntoOpenGradebook(SaveAutoGrades):
        def preprocess(self, nb, resources):
            ids = resources["nbgrader"]
            self.notebook_id, self.assignment_id = ids["notebook"], ids["assignment"]
            self.student_id, self.db_url = ids["student"], ids["db_url"]
            self.gradebook = writer.gradebook
            return super(SaveAutoGrades, self).preprocess(nb, resources)

    IntoOpenGradebook(config=config).preprocess(nb, resources)
