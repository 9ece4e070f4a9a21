"""Run nbgrader on one TD in a throw-away course folder: release it, fill it, autograde it.

Used by ``parcours sujets`` (refuse to release a TD whose solution does not score full marks) and by
the tests (score a solution, a blank notebook or a notebook with a typical mistake). nbgrader is
imported lazily: it costs seconds, and students never need it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_CONFIG = PROJECT_ROOT / "nbgrader_config.py"
MARKER = re.compile(r"^\s*#*\s*(BEGIN|END) SOLUTION\s*$")


class GradingError(RuntimeError):
    """nbgrader failed; the message is French and includes nbgrader's log tail."""


@dataclass
class Graded:
    """Result of autograding one submission."""

    score: float
    max_score: float
    grades: dict[str, tuple[float, float]]
    notebook: object = field(repr=False)
    manual_max_score: float = 0.0

    def output(self, grade_id: str) -> str:
        """All the text a test cell showed: streams, results, error name, message and traceback."""
        for cell in self.notebook.cells:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
                return _outputs_text(cell)
        raise KeyError(grade_id)


def _outputs_text(cell) -> str:
    parts: list[str] = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            parts += [out.get("ename", ""), out.get("evalue", ""), *out.get("traceback", [])]
        elif "data" in out:
            parts.append(str(out["data"].get("text/plain", "")))
    return "\n".join(parts)


def load_config(root: Path, config_file: Path = DEFAULT_CONFIG):
    """The course's nbgrader config, pointed at ``root`` (NbGraderAPI does not read it alone)."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    config.merge(PyFileConfigLoader(config_file.name, path=str(config_file.parent)).load_config())
    config.CourseDirectory.root = str(root)
    config.Exchange.root = str(root / "echange")
    return config


def _check(result: Mapping, what: str) -> None:
    if not result.get("success"):
        log = (result.get("log") or "") + "\n" + (result.get("error") or "")
        tail = "\n".join(log.strip().splitlines()[-25:])
        raise GradingError(f"nbgrader a échoué ({what}) :\n{tail}")


@contextlib.contextmanager
def _env(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    bin_dir = str(Path(sys.executable).parent)
    old_path = os.environ.get("PATH", "")
    if bin_dir not in old_path.split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + old_path
    try:
        # nbgrader's own dependencies warn (SQLAlchemy, traitlets): not the teacher's concern.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        os.environ["PATH"] = old_path
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class Course:
    """A temporary nbgrader course holding one TD copied from ``solutions/``."""

    def __init__(self, td: str, *, solutions: Path = PROJECT_ROOT / "solutions") -> None:
        source = solutions / td / f"{td}.ipynb"
        if not source.is_file():
            raise GradingError(f"TD introuvable : {source} n'existe pas.")
        self.td = td
        self._tmp = tempfile.TemporaryDirectory(prefix=f"parcours-{td}-")
        self.root = Path(self._tmp.name)
        (self.root / "solutions" / td).mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, self.root / "solutions" / td / f"{td}.ipynb")
        with _env():
            from nbgrader.apps import NbGraderAPI

            self.api = NbGraderAPI(config=load_config(self.root))
            _check(self.api.generate_assignment(td, force=True, create=True), f"génération de {td}")

    @property
    def source_path(self) -> Path:
        return self.root / "solutions" / self.td / f"{self.td}.ipynb"

    @property
    def release_path(self) -> Path:
        return self.root / "exercises" / self.td / f"{self.td}.ipynb"

    def submission(self, *, replace: Mapping[str, str] | None = None, blank: bool = False):
        """The released notebook with every answer cell filled with its solution (or ``replace``)."""
        import nbformat

        release = nbformat.read(self.release_path, as_version=4)
        if blank:
            return release
        source = nbformat.read(self.source_path, as_version=4)
        solutions = {
            c.metadata["nbgrader"]["grade_id"]: strip_solution_markers(c.source)
            for c in source.cells
            if c.get("metadata", {}).get("nbgrader", {}).get("solution")
        }
        replace = dict(replace or {})
        unknown = set(replace) - set(solutions)
        if unknown:
            raise KeyError(f"Cellules réponses inconnues : {sorted(unknown)}")
        for cell in release.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("solution"):
                gid = meta["grade_id"]
                cell.source = replace.get(gid, solutions[gid])
        return release

    def autograde(self, notebook, *, student: str = "etudiant_test") -> Graded:
        import nbformat
        from nbgrader.api import Gradebook

        folder = self.root / "submitted" / student / self.td
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{self.td}.ipynb")
        # No PARCOURS_ETUDIANT here: the course config's Execute step sets it to the author.
        with _env():
            _check(
                self.api.autograde(self.td, student, force=True, create=True),
                f"correction de {self.td} pour {student}",
            )
            graded_nb = nbformat.read(
                self.root / "autograded" / student / self.td / f"{self.td}.ipynb", as_version=4
            )
            with Gradebook(self.api.coursedir.db_url) as gb:
                sub = gb.find_submission_notebook(self.td, self.td, student)
                grades = {}
                manual = 0.0
                for g in sub.grades:
                    if g.cell_type == "code":
                        grades[g.name] = (float(g.auto_score or 0.0), float(g.max_score))
                    else:
                        manual += float(g.max_score)
        return Graded(
            score=sum(s for s, _ in grades.values()),
            max_score=sum(m for _, m in grades.values()),
            grades=grades,
            notebook=graded_nb,
            manual_max_score=manual,
        )

    def close(self) -> None:
        self._tmp.cleanup()

    def __enter__(self) -> Course:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def strip_solution_markers(source: str) -> str:
    """The solution code of a source cell, without the BEGIN/END SOLUTION lines."""
    return "\n".join(line for line in source.splitlines() if not MARKER.match(line))
