"""Bring submissions into nbgrader's ``submitted/<etudiant>/<TD>/<TD>.ipynb`` (with the
``timestamp.txt`` nbgrader reads for late penalties) from a Moodle archive, a folder of
``<etudiant>/…ipynb`` or nbgrader's exchange, and say in French what happened to each student.

Every imported file is also kept in ``collectes/<TD>/<etudiant>/vN_<horodatage>.ipynb``: a
re-import that differs from the current copy becomes a new version (reported), an identical one is
left alone, and nothing is ever overwritten without its previous version being kept.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from parcours.term.anonymous import claimed_identity, is_pseudonym
from parcours.term.anonymous import label as anon_label
from parcours.term.atomic import write_bytes_atomic, write_json_atomic
from parcours.term.classlist import Student, class_list, normalise_name
from parcours.term.wording import agree

DEFAULT_MAX_MB = 500.0
ARCHIVE_DIR = "collectes"


@dataclass
class Candidate:
    """One submitted notebook found in the source, before it is matched to a student."""

    label: str  # what the teacher recognises: Moodle folder name or source folder
    data: bytes
    modified: datetime
    participant: str | None = None
    student: str | None = None
    filename: str = ""
    team: str | None = None  # Moodle team submission: the group's name
    problem: str = ""  # why the entry could not be read (damaged, encrypted…), French
    notebook: bool = True  # False: another file of the submission (a .docx…), kept out


@dataclass
class Line:
    """One line of the French collection table."""

    statut: str
    etudiant: str = ""
    nom: str = ""
    source: str = ""
    detail: str = ""
    possibles: tuple[str, ...] = ()  # « ambiguë »: the homonyms it may be


# Plural of each status in the summary line (« 24 importées »); invariable ones are left out.
PLURALS = {
    "importée": "importées",
    "nouvelle version": "nouvelles versions",
    "inchangée": "inchangées",
    "doublon": "doublons",
    "non reconnue": "non reconnues",
    "ambiguë": "ambiguës",
    "illisible": "illisibles",
    "absente": "absentes",
    "à identifier": "à identifier",
}


@dataclass
class CollectReport:
    td: str
    lines: list[Line] = field(default_factory=list)
    deadline: datetime | None = None
    deadline_source: str = ""

    def by_status(self, statut: str) -> list[Line]:
        return [line for line in self.lines if line.statut == statut]

    def table(self) -> str:
        """The report as a French plain-text table, grouped by status."""
        order = [
            "importée",
            "nouvelle version",
            "inchangée",
            "en retard",
            "doublon",
            "non reconnue",
            "ambiguë",
            "illisible",
            "pas de notebook",
            "à identifier",
            "absente",
        ]
        rows = [("Statut", "Identifiant", "Nom", "Source", "Détail")]
        for statut in order:
            for line in self.by_status(statut):
                rows.append((statut, line.etudiant, line.nom, line.source, line.detail))
        widths = [min(90 if i == 4 else 40, max(len(r[i]) for r in rows)) for i in range(5)]
        out = []
        for r in rows:
            out.append(
                "  ".join(
                    (c if len(c) <= w else c[: w - 1] + "…").ljust(w)
                    for c, w in zip(r, widths, strict=True)
                ).rstrip()
            )
        counts = ", ".join(
            f"{n} {PLURALS.get(s, s) if n > 1 else s}"
            for s in order
            if (n := len(self.by_status(s)))
        )
        head = ""
        if self.deadline is not None:
            head = f"Date limite appliquée : {self.deadline:%d/%m/%Y à %H:%M} ({self.deadline_source}).\n"
        return head + "\n".join(out) + f"\nBilan {self.td} : {counts}."


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _is_notebook(data: bytes) -> bool:
    from parcours.grading.copy_check import InvalidCopy, check_cells, depth_ok

    try:
        nb = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError, MemoryError):  # UnicodeDecodeError is a ValueError
        return False
    if not isinstance(nb, dict) or not depth_ok(nb):
        return False
    try:
        check_cells(nb)
    except InvalidCopy:
        return False
    return True


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[bytes, str]:
    """The bytes of one archive entry, or ``b""`` and the French reason it cannot be read."""
    import zlib

    if info.flag_bits & 0x1:
        return b"", "fichier chiffré (protégé par un mot de passe) dans l'archive"
    try:
        return archive.read(info), ""
    except NotImplementedError:
        return b"", "méthode de compression non prise en charge"
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError):
        return b"", "entrée endommagée dans l'archive (contrôle CRC faux ou données tronquées)"


# --- sources -------------------------------------------------------------------------------------


def read_moodle_archive(path: Path, *, max_mb: float = DEFAULT_MAX_MB) -> list[Candidate]:
    """The notebooks of a Moodle archive; unsafe or oversized archives are refused whole."""
    from parcours.term.moodle import parse_entry_name

    limit = max_mb * 1024 * 1024
    size = path.stat().st_size
    if size > limit:
        raise ValueError(
            f"Archive refusée : {path.name} pèse {size / 1e6:.1f} Mo, plus que la limite de "
            f"{max_mb:g} Mo (option --taille-max)."
        )
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise ValueError(f"{path.name} n'est pas une archive .zip lisible.") from None
    with archive:
        infos = archive.infolist()
        total = 0
        for info in infos:
            name = info.filename
            parts = name.replace("\\", "/").split("/")
            if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
                raise ValueError(
                    f"Archive refusée : l'entrée « {name} » sort du dossier (chemin absolu ou "
                    "« .. »). Rien n'a été importé."
                )
            total += info.file_size
        if total > limit:
            raise ValueError(
                f"Archive refusée : une fois décompressée elle ferait {total / 1e6:.1f} Mo, plus "
                f"que la limite de {max_mb:g} Mo (option --taille-max)."
            )
        found = []
        for info in infos:
            if info.is_dir():
                continue
            parsed = parse_entry_name(info.filename)
            if not parsed:
                continue
            name, participant, filename = parsed
            if "/." in "/" + filename:
                continue
            is_notebook = filename.lower().endswith(".ipynb")
            data, problem = _read_entry(archive, info) if is_notebook else (b"", "")
            found.append(
                Candidate(
                    label=f"{name}_{participant}",
                    data=data,
                    problem=problem,
                    modified=datetime(*info.date_time),
                    participant=participant,
                    filename=filename,
                    notebook=is_notebook,
                )
            )
    return found


def read_folder(path: Path) -> list[Candidate]:
    """``<etudiant>/…/*.ipynb`` under ``path`` (checkpoints ignored)."""
    found = []
    for student_dir in sorted(p for p in path.iterdir() if p.is_dir()):
        for nb in sorted(student_dir.rglob("*.ipynb")):
            if ".ipynb_checkpoints" in nb.parts:
                continue
            found.append(
                Candidate(
                    label=f"{student_dir.name}/{nb.relative_to(student_dir)}",
                    data=nb.read_bytes(),
                    modified=datetime.fromtimestamp(nb.stat().st_mtime),
                    student=student_dir.name,
                    filename=nb.name,
                )
            )
    return found


# --- matching ------------------------------------------------------------------------------------


def _name_of(candidate: Candidate) -> str:
    return candidate.label.rsplit("_", 1)[0]


def match(
    candidates: list[Candidate], students: list[Student], worksheet=None, teams=None
) -> tuple[dict[str, list[Candidate]], list[Line]]:
    """Candidates per student id, and the lines for those that match nobody or several.
    ``teams`` (normalised group name → (name, member ids)) turns a Moodle team folder
    ``<groupe>_<id du groupe>_assignsubmission_file`` into one copy, stored for one member."""
    teams = teams or {}
    by_id = {s.id: s for s in students}
    by_email = {s.email.lower(): s for s in students if s.email}
    by_name: dict[str, list[Student]] = {}
    for s in students:
        by_name.setdefault(normalise_name(f"{s.prenom} {s.nom}"), []).append(s)
    matched: dict[str, list[Candidate]] = {}
    problems: list[Line] = []
    for c in candidates:
        if c.student is not None:  # folder source: the folder is the id
            if c.student in by_id:
                matched.setdefault(c.student, []).append(c)
            else:
                problems.append(
                    Line("non reconnue", source=c.label, detail="identifiant absent de la liste")
                )
            continue
        name = _name_of(c)
        how = "nom"
        if c.participant and _anonymous(name, worksheet, c.participant):
            from parcours.term.anonymous import pseudonym

            c.student = pseudonym(c.participant)
            matched.setdefault(c.student, []).append(c)
            continue
        team = teams.get(normalise_name(name))
        if team is not None and not by_name.get(normalise_name(name)):
            c.team = team[0]
            c.student = _team_copy_owner(c, team[1])
            matched.setdefault(c.student, []).append(c)
            continue
        if worksheet is not None and c.participant in worksheet.by_participant:
            row = worksheet.rows[worksheet.by_participant[c.participant]]
            email = worksheet.value(row, "email").lower()
            if email and email in by_email:
                c.student = by_email[email].id
                matched.setdefault(c.student, []).append(c)
                continue
            name = worksheet.value(row, "name") or name
            how = "nom (feuille)"
        hits = by_name.get(normalise_name(name), [])
        if len(hits) == 1:
            c.student = hits[0].id
            matched.setdefault(c.student, []).append(c)
        elif hits:
            problems.append(
                Line(
                    "ambiguë",
                    nom=name,
                    source=c.label,
                    detail="homonymes : " + ", ".join(s.id for s in hits) + " — donnez la feuille",
                    possibles=tuple(s.id for s in hits),
                )
            )
        else:
            problems.append(
                Line("non reconnue", nom=name, source=c.label, detail=f"aucun étudiant à ce {how}")
            )
    return matched, problems


def _anonymous(name: str, worksheet, participant: str) -> bool:
    """Moodle's anonymous marking: a ``Participant_<n>`` folder whose worksheet row (if any)
    has neither a name nor an e-mail."""
    if normalise_name(name) != "participant":
        return False
    if worksheet is None or participant not in worksheet.by_participant:
        return True
    row = worksheet.rows[worksheet.by_participant[participant]]
    return not worksheet.value(row, "name") and not worksheet.value(row, "email")


def _team_copy_owner(c: Candidate, members: list[str]) -> str:
    """The member whose data the copy ran on (its setup output), else the first member."""
    from parcours.term.report import IDENTITY

    found = IDENTITY.search(c.data.decode("utf-8", errors="replace"))
    if found and found.group(1).strip() in members:
        return found.group(1).strip()
    return sorted(members)[0]


TEAMS_FILE = "equipes.json"


def read_teams(course, groups_file: Path | None = None) -> dict[str, tuple[str, list[str]]]:
    """Groups of the class list (its group column), or of a ``--groupes`` file (Identifiant;
    Groupe), as ``normalised group name → (group name, member ids)``."""
    from parcours.term.tabular import header_key, read_rows

    pairs = [(s.id, s.groupe) for s in class_list(course) if s.groupe]
    if groups_file is not None:
        header, rows, _facts = read_rows(groups_file)
        keys = [header_key(h) for h in header]
        try:
            i_id = next(i for i, k in enumerate(keys) if k in ("identifiant", "id", "login"))
            i_group = next(i for i, k in enumerate(keys) if k in ("groupe", "equipe", "group"))
        except StopIteration:
            raise ValueError(
                f"{Path(groups_file).name} : colonnes « Identifiant » et « Groupe » attendues "
                f"(en-têtes lus : {', '.join(header)})."
            ) from None
        known = {s.id for s in class_list(course)}
        pairs = []
        for line, row in rows:
            sid = row[i_id].strip() if i_id < len(row) else ""
            group = row[i_group].strip() if i_group < len(row) else ""
            if sid and sid not in known:
                raise ValueError(
                    f"{Path(groups_file).name}, ligne {line} : « {sid} » n'est pas dans la liste "
                    "de la classe."
                )
            if sid and group:
                pairs.append((sid, group))
    teams: dict[str, tuple[str, list[str]]] = {}
    for sid, group in pairs:
        teams.setdefault(normalise_name(group), (group, []))[1].append(sid)
    return teams


def load_team_copies(course, td: str) -> dict[str, tuple[str, str]]:
    """``member → (student whose copy is graded, group name)`` for ``td``'s team copies."""
    path = course.root / ARCHIVE_DIR / td / TEAMS_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    return {
        member: (team["copie"], name)
        for name, team in data.items()
        for member in team.get("membres", [])
    }


# --- writing -------------------------------------------------------------------------------------


def _versions(folder: Path) -> list[Path]:
    return sorted(folder.glob("v*_*.ipynb"), key=lambda p: int(p.name[1:].split("_", 1)[0]))


def store(course, td: str, student: str, c: Candidate) -> tuple[str, str]:
    """Write one chosen submission; return (status, detail)."""
    submitted = course.submitted(student, td)
    current = submitted / f"{td}.ipynb"
    archive = course.root / ARCHIVE_DIR / td / student
    versions = _versions(archive) if archive.is_dir() else []
    digest = sha256(c.data)
    stamp = c.modified.strftime("%Y%m%d-%H%M%S")
    if current.is_file():
        old = current.read_bytes()
        if sha256(old) == digest:
            return "inchangée", "déjà importée à l'identique"
        if not versions or sha256(versions[-1].read_bytes()) != sha256(old):
            # The current copy came from elsewhere (nbgrader collect, by hand): keep it first.
            n = len(versions) + 1
            write_bytes_atomic(archive / f"v{n}_avant-collecte.ipynb", old)
            versions = _versions(archive)
    if any(sha256(v.read_bytes()) == digest for v in versions):
        return "inchangée", "version déjà importée (une autre version est en place)"
    n = len(versions) + 1
    write_bytes_atomic(archive / f"v{n}_{stamp}.ipynb", c.data)
    write_bytes_atomic(current, c.data)
    # nbgrader reads this to apply late penalties; naive Moodle times are the machine's local time.
    (submitted / "timestamp.txt").write_text(
        c.modified.astimezone().strftime("%Y-%m-%d %H:%M:%S.%f %z"), encoding="utf-8"
    )
    if n == 1:
        return "importée", ""
    return (
        "nouvelle version",
        f"v{n} ; la version précédente est gardée dans {ARCHIVE_DIR}/{td}/{student}/",
    )


def collect(
    course,
    td: str,
    *,
    source: Path | str,
    worksheet: Path | None = None,
    deadline: datetime | None = None,
    max_mb: float = DEFAULT_MAX_MB,
    groups_file: Path | None = None,
) -> CollectReport:
    """Collect ``td`` from ``source`` into the course; return the French report."""
    from parcours.term.moodle import parse_moodle_date, read_worksheet

    students = class_list(course)
    if not students:
        raise ValueError(
            "La liste de la classe est vide : importez-la d'abord avec « parcours etudiants "
            "importer LISTE »."
        )
    names = {s.id: s.full_name for s in students}
    report = CollectReport(td, deadline_source="option --limite")
    if deadline is None:
        deadline = _gradebook_deadline(course, td)
        report.deadline_source = "date du TD dans nbgrader"
    report.deadline = deadline
    from parcours.term.deadlines import extensions

    extended = extensions(course, td)
    source_text = str(source)
    sheet = read_worksheet(worksheet) if worksheet else None
    if source_text in ("echange", "exchange", "nbgrader"):
        return _collect_exchange(course, td, students, report, deadline, extended)
    path = Path(source)
    if path.is_file() and path.suffix.lower() == ".zip":
        candidates = read_moodle_archive(path, max_mb=max_mb)
        if not any(c.notebook for c in candidates):
            raise ValueError(
                f"{path.name} ne contient aucun notebook rendu au format Moodle "
                "(dossiers « Nom Prénom_<n>_assignsubmission_file »)."
            )
    elif path.is_dir():
        candidates = read_folder(path)
    else:
        raise ValueError(
            f"Source introuvable : « {source_text} ». Donnez une archive Moodle .zip, un dossier "
            "<etudiant>/…ipynb ou « echange »."
        )
    if sheet is not None:
        for c in candidates:
            if c.participant in sheet.by_participant:
                when = parse_moodle_date(
                    sheet.value(sheet.rows[sheet.by_participant[c.participant]], "submitted")
                )
                if when:
                    c.modified = when
    teams = read_teams(course, groups_file)
    matched, problems = match(candidates, students, sheet, teams)
    # Several lines for one submission folder (its notebook and a .docx…): one « ambiguë » line.
    seen_labels: set[str] = set()
    for line in problems:
        if line.source not in seen_labels:
            report.lines.append(line)
        seen_labels.add(line.source)
    maybe = {sid for line in problems for sid in line.possibles}
    participants: dict[str, str] = {}
    team_copies: dict[str, dict] = {}
    anonymous: dict[str, str] = {}  # pseudonym → whose data its copy ran on
    for student, found in sorted(matched.items()):
        who = names.get(student) or anon_label(student)
        others = [c for c in found if not c.notebook]
        found = [c for c in found if c.notebook]
        if not found:
            names_given = sorted({c.filename for c in others})
            files = ", ".join(names_given)
            report.lines.append(
                Line(
                    "pas de notebook",
                    student,
                    who,
                    others[0].label,
                    f"{agree(len(names_given), 'fichier rendu')} : {files} — aucun .ipynb",
                )
            )
            continue
        found.sort(key=lambda c: (c.modified, c.filename == f"{td}.ipynb"))
        readable = [c for c in found if _is_notebook(c.data)]
        for c in found:
            if c not in readable:
                report.lines.append(
                    Line(
                        "illisible",
                        student,
                        who,
                        c.label,
                        f"{c.filename} : {c.problem}"
                        if c.problem
                        else f"{c.filename} n'est pas un notebook valide",
                    )
                )
        if not readable:
            continue
        chosen = readable[-1]
        for c in readable[:-1]:
            report.lines.append(
                Line(
                    "doublon",
                    student,
                    who,
                    f"{c.label}/{c.filename}",
                    f"ignorée : une version plus récente a été gardée ({chosen.modified:%d/%m/%Y %H:%M})",
                )
            )
        if is_pseudonym(student):
            claimed = claimed_identity(chosen.data)
            if claimed not in names:
                report.lines.append(
                    Line(
                        "à identifier",
                        student,
                        who,
                        chosen.label,
                        "données inconnues (préparation non exécutée) : "
                        "à corriger après la levée de l'anonymat",
                    )
                )
                continue
            twin = next((p for p, d in anonymous.items() if d == claimed), None)
            anonymous[student] = claimed
            _register_pseudonym(course, student)
        if chosen.participant and not chosen.team:
            participants[chosen.participant] = student
        status, detail = store(course, td, student, chosen)
        if is_pseudonym(student) and twin:
            same = f"mêmes données que {anon_label(twin)}"
            detail = f"{detail} ; {same}" if detail else same
        if chosen.team:
            members = sorted(teams[normalise_name(chosen.team)][1])
            team_copies[chosen.team] = {"copie": student, "membres": members}
            detail = "; ".join(
                d
                for d in (
                    f"copie du groupe « {chosen.team} », notée une fois pour " + ", ".join(members),
                    detail,
                )
                if d
            )
        own = extended.get((student, td), deadline)
        if own and chosen.modified > own:
            # One line per student: a late copy is imported all the same, and said late.
            late = (
                f"rendu le {chosen.modified:%d/%m/%Y à %H:%M}, "
                f"{_duration(chosen.modified - own)} après la limite"
                + (" (prolongée)" if own != deadline else "")
            )
            if status == "inchangée":
                detail = f"{detail} ; {late}" if detail else late
            else:
                detail = f"{status}{' ' + detail if detail else ''} ; {late}"
                status = "en retard"
        report.lines.append(Line(status, student, who, chosen.label, detail))
    in_teams = {m for team in team_copies.values() for m in team["membres"]}
    if anonymous:
        from parcours.term.anonymous import save as save_anonymous

        save_anonymous(course, td, anonymous)
    for s in students:
        if anonymous:  # who handed nothing in stays unknown until Moodle reveals the names
            break
        if s.id not in matched and s.id not in in_teams and s.id not in maybe:
            report.lines.append(Line("absente", s.id, s.full_name, "", "aucune copie reçue"))
    if team_copies:
        path_teams = course.root / ARCHIVE_DIR / td / TEAMS_FILE
        known_teams = (
            json.loads(path_teams.read_text(encoding="utf-8")) if path_teams.is_file() else {}
        )
        known_teams.update(team_copies)
        write_json_atomic(path_teams, known_teams)
    if deadline is not None:  # the class report tells late copies from it
        from parcours.term.student_view import save_deadline

        save_deadline(course, td, deadline)
    if participants:
        path_map = course.root / ARCHIVE_DIR / td / "participants_moodle.json"
        path_map.parent.mkdir(parents=True, exist_ok=True)
        known = json.loads(path_map.read_text(encoding="utf-8")) if path_map.is_file() else {}
        known.update(participants)
        write_json_atomic(path_map, known)
    return report


def _register_pseudonym(course, student: str) -> None:
    """The pseudonym as an nbgrader student: formgrader shows « Participant <n> », no name."""
    from parcours.term.anonymous import label

    with course.gradebook() as gb:
        gb.update_or_create_student(student, first_name="", last_name=label(student))


def _duration(delta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d}"
    return f"{hours // 24} jours"


def _gradebook_deadline(course, td: str) -> datetime | None:
    with course.gradebook() as gb:
        from nbgrader.api import Assignment

        row = gb.db.query(Assignment).filter(Assignment.name == td).one_or_none()
        if row is None or row.duedate is None:
            return None
        from datetime import UTC

        return row.duedate.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


def _collect_exchange(
    course, td, students, report: CollectReport, deadline=None, extended=None
) -> CollectReport:
    """nbgrader's own collect (``update``: only newer submissions), then each copy goes through
    ``store`` like an archive's: versions kept, an identical copy reported « inchangée »."""
    from parcours.grading.config import _env

    names = {s.id: s.full_name for s in students}
    pattern = f"*/{td}/{td}.ipynb"
    before = {
        p.parent.parent.name: p.read_bytes() for p in course.root.glob("submitted/" + pattern)
    }
    api = course.api()
    with _env():
        result = api.collect(td, update=True)
    if not result.get("success"):
        raise ValueError(
            "La collecte depuis l'échange nbgrader a échoué : "
            + ((result.get("error") or result.get("log") or "").strip().splitlines() or ["?"])[-1]
        )
    got = {p.parent.parent.name for p in (course.root / "submitted").glob(pattern)}
    for sid in sorted(got):
        if sid not in names:
            report.lines.append(
                Line("non reconnue", sid, "", "échange nbgrader", "identifiant absent de la liste")
            )
            continue
        current = course.submitted(sid, td) / f"{td}.ipynb"
        data = current.read_bytes()
        modified = _exchange_timestamp(current.parent / "timestamp.txt")
        # Put back what was there before nbgrader's copy, so that store() sees the change.
        if sid in before:
            write_bytes_atomic(current, before[sid])
        else:
            current.unlink()
        c = Candidate(label="échange nbgrader", data=data, modified=modified, student=sid)
        status, detail = store(course, td, sid, c)
        report.lines.append(Line(status, sid, names[sid], "échange nbgrader", detail))
        own = (extended or {}).get((sid, td), deadline)
        if own and modified > own:
            report.lines.append(
                Line(
                    "en retard",
                    sid,
                    names[sid],
                    "échange nbgrader",
                    f"rendu le {modified:%d/%m/%Y à %H:%M}, {_duration(modified - own)} "
                    "après la limite" + (" (prolongée)" if own != deadline else ""),
                )
            )
    for s in students:
        if s.id not in got:
            report.lines.append(Line("absente", s.id, s.full_name, "", "aucune copie reçue"))
    return report


def _exchange_timestamp(path: Path) -> datetime:
    """nbgrader's ``timestamp.txt`` (UTC) as naive local time, like Moodle's dates."""
    from nbgrader.utils import parse_utc

    try:
        return parse_utc(path.read_text(encoding="utf-8").strip()).astimezone().replace(tzinfo=None)
    except (OSError, ValueError, TypeError):
        return datetime.fromtimestamp(path.parent.stat().st_mtime)
