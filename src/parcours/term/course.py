"""The teacher's nbgrader course: its folder, its config and its gradebook (SQLite or PostgreSQL).

Every term command (``etudiants``, ``collecter``, ``notes``, ``retours``, ``rapport``, ``publier``)
opens the course the same way: the folder given by ``--racine`` (default: the current folder), its
``nbgrader_config.py`` (the project's when the folder has none), and the gradebook URL given by
``--db`` or by the config (nbgrader's default: ``sqlite:///<racine>/gradebook.db``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from parcours.grading.config import DEFAULT_CONFIG, _env

CONFIG_NAME = "nbgrader_config.py"
GROUPS_FILE = "groupes.json"


def add_course_arguments(parser) -> None:
    """``--racine`` and ``--db``, shared by the term commands."""
    parser.add_argument(
        "--racine",
        metavar="DOSSIER",
        type=Path,
        default=Path("."),
        help="dossier du cours nbgrader (défaut : dossier courant)",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="base des notes (défaut : celle de nbgrader_config.py, sinon "
        "sqlite:///RACINE/gradebook.db ; PostgreSQL : postgresql://…)",
    )


@dataclass
class CourseFolder:
    """An nbgrader course folder, its settings and gradebook URL (full config loaded on demand)."""

    root: Path
    config_file: Path
    db_url: str
    course_id: str
    settings: dict
    _config: object = None
    _readable: bool = False

    def setting(self, key: str, default: str) -> str:
        """A ``c.CourseDirectory.<key> = "…"`` value of the course config."""
        return str(self.settings.get(key) or default)

    @property
    def config(self):
        """The course's full nbgrader config (executes nbgrader_config.py: slow imports)."""
        if self._config is None:
            self._config = _load_config(self.config_file, self.root, self.db_url)
        return self._config

    @property
    def groups_path(self) -> Path:
        return self.root / GROUPS_FILE

    def submitted(self, student: str, td: str) -> Path:
        return self.root / "submitted" / student / td

    def autograded(self, student: str, td: str) -> Path:
        return self.root / "autograded" / student / td

    def check_gradebook(self) -> None:
        """``ValueError`` with the same French message and restore hint as ``corriger`` when the
        gradebook exists but cannot be read (checked once per course object)."""
        if self._readable:
            return
        from parcours.grading.gradebook_io import GradebookError, check_readable

        try:
            check_readable(self.db_url, retry="relancez la commande")
        except GradebookError as exc:
            raise ValueError(str(exc)) from None
        self._readable = True

    @contextlib.contextmanager
    def gradebook(self) -> Iterator[object]:
        """nbgrader's ``Gradebook`` on this course's database (created when missing)."""
        self.check_gradebook()
        with _env():
            from parcours.grading.nbgrader_light import gradebook_api

            try:
                gb = gradebook_api().Gradebook(self.db_url, course_id=self.course_id)
            except Exception as exc:  # noqa: BLE001 - any driver error becomes a French message
                raise ValueError(
                    f"Base des notes inaccessible ({_safe_url(self.db_url)}) : "
                    f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
                ) from None
            try:
                yield gb
            finally:
                gb.close()

    def api(self):
        """nbgrader's ``NbGraderAPI`` with this course's config (it does not read it itself)."""
        self.check_gradebook()
        config = self.config
        with _env():
            from parcours.grading.nbgrader_light import full_nbgrader

            full_nbgrader()
            from nbgrader.apps import NbGraderAPI

            return NbGraderAPI(config=config)


def _safe_url(url: str) -> str:
    """The URL without its password."""
    import re

    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def config_assignments(config_file: Path, section: str) -> dict:
    """``{key: expression}`` of the ``c.<section>.<key> = …`` assignments of a config, read
    without running it (running it imports nbgrader: seconds)."""
    import ast

    try:
        tree = ast.parse(Path(config_file).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"Configuration {config_file} illisible : {exc}") from None
    found = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target = node.targets[0]
        if (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Attribute)
            and target.value.attr == section
        ):
            found[target.attr] = node.value
    return found


def read_settings(config_file: Path) -> dict:
    """Literal ``c.CourseDirectory.<key> = value`` assignments of an nbgrader config."""
    import ast

    return {
        key: value.value
        for key, value in config_assignments(config_file, "CourseDirectory").items()
        if isinstance(value, ast.Constant)
    }


def _load_config(config_file: Path, root: Path, db_url: str):
    with _env():
        from traitlets.config import Config
        from traitlets.config.loader import PyFileConfigLoader

        from parcours.grading.nbgrader_light import full_nbgrader

        full_nbgrader()
        config = Config()
        try:
            config.merge(
                PyFileConfigLoader(config_file.name, path=str(config_file.parent)).load_config()
            )
        except Exception as exc:  # noqa: BLE001
            raise ValueError(f"Configuration {config_file} illisible : {exc}") from None
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = db_url
    return config


def open_course(root: Path | str = ".", *, db: str | None = None) -> CourseFolder:
    """The course folder ``root``; raise ``ValueError`` (French) when it is not usable."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise ValueError(f"Dossier du cours introuvable : {root}.")
    config_file = root / CONFIG_NAME
    if not config_file.is_file():
        config_file = DEFAULT_CONFIG
    settings = read_settings(config_file)
    if db:
        if "://" not in db:
            raise ValueError(
                f"Adresse de base invalide : « {db} ». Exemples : sqlite:///gradebook.db, "
                "postgresql://utilisateur@serveur/notes."
            )
    url = db or settings.get("db_url") or f"sqlite:///{root / 'gradebook.db'}"
    course_id = settings.get("course_id") or "default_course"
    return CourseFolder(
        root=root,
        config_file=config_file,
        db_url=str(url),
        course_id=str(course_id),
        settings=settings,
    )
