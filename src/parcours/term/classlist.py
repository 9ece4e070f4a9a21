"""The class list: read a Pronote / ENT / Moodle export, check every row, store it in nbgrader.

Students go into nbgrader's gradebook (``student`` table: id, first name, last name, e-mail), so
formgrader shows them too. nbgrader has no group field: groups are kept beside the course in
``groupes.json`` (``{"identifiant": "groupe"}``). An import is all or nothing: any invalid row
stops it, with every problem listed by line number, and the gradebook is left unchanged.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from parcours.term.atomic import write_json_atomic
from parcours.term.tabular import header_key, read_rows

# Header variants (after header_key) for each field.
COLUMNS = {
    "id": {
        "identifiant",
        "id",
        "login",
        "identifiantent",
        "nomdutilisateur",
        "username",
        "utilisateur",
        "numeroetudiant",
        "numero",
        "matricule",
        "ine",
        "idnumber",
        "numerodidentification",
        "identifiantetudiant",
        "identifiantjupyterhub",
    },
    "nom": {"nom", "nomdefamille", "lastname", "surname", "nomdusage", "nometudiant"},
    "prenom": {"prenom", "prenoms", "firstname", "givenname", "prenometudiant"},
    "email": {
        "email",
        "mail",
        "courriel",
        "adressedecourriel",
        "adressecourriel",
        "adressemail",
        "adresseelectronique",
        "emailaddress",
        "adressemel",
        "mel",
    },
    "groupe": {"groupe", "groupes", "classe", "division", "group", "groups", "td", "groupetd"},
    "complet": {"eleve", "etudiant", "nomcomplet", "fullname", "nomprenom", "nometprenom"},
}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class Student:
    id: str
    nom: str
    prenom: str
    email: str | None = None
    groupe: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.prenom} {self.nom}".strip()


def normalise_name(text: str) -> str:
    """Words of a name without accents, case, hyphens or order: ``"Élodie DURAND-Li"`` →
    ``"durand elodie li"``."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", text)
    return " ".join(sorted(words))


def slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _split_full(full: str) -> tuple[str, str]:
    """Pronote's « DUPONT Marie » : upper-case words are the last name."""
    words = full.split()
    upper = [w for w in words if w.isupper() and len(w) > 1]
    if upper and len(upper) < len(words):
        return " ".join(upper), " ".join(w for w in words if w not in upper)
    if len(words) >= 2:
        return " ".join(words[1:]), words[0]
    return full, ""


def parse_class_list(path: Path) -> list[Student]:
    """Every student of the file, or ``ValueError`` listing each invalid row (line numbers)."""
    from parcours.data.identity import check_student_id

    header, rows, _ = read_rows(path)
    keys = [header_key(h) for h in header]
    where = {}
    for field, names in COLUMNS.items():
        for i, k in enumerate(keys):
            if k in names and field not in where:
                where[field] = i
    if not ({"nom", "prenom"} <= set(where) or "complet" in where):
        raise ValueError(
            f"{Path(path).name} : colonnes du nom et du prénom introuvables (en-têtes lus : "
            f"{', '.join(header)}). Attendu par exemple : Identifiant ; Nom ; Prénom ; "
            "Adresse de courriel ; Groupe."
        )
    if "id" not in where and "email" not in where:
        note_id = "nom.prenom"
    else:
        note_id = None
    students: list[Student] = []
    errors: list[str] = []
    seen: dict[str, int] = {}

    def cell(cells, field):
        i = where.get(field)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    for line, cells in rows:
        nom, prenom = cell(cells, "nom"), cell(cells, "prenom")
        if not (nom or prenom) and "complet" in where:
            nom, prenom = _split_full(cell(cells, "complet"))
        email = cell(cells, "email") or None
        groupe = cell(cells, "groupe") or None
        raw_id = cell(cells, "id")
        problems = []
        if not nom:
            problems.append("nom manquant")
        if not prenom:
            problems.append("prénom manquant")
        if email and not EMAIL.match(email):
            problems.append(f"adresse e-mail invalide « {email} »")
        if not raw_id:
            if email and EMAIL.match(email):
                raw_id = email.split("@")[0].lower()
            elif note_id and nom and prenom:
                raw_id = f"{slug(nom)}.{slug(prenom)}".replace("-", "")
            elif "id" in where:
                problems.append("identifiant manquant")
        student_id = None
        if raw_id:
            try:
                student_id = check_student_id(raw_id)
            except ValueError as exc:
                problems.append(str(exc).rstrip("."))
        if student_id and student_id in seen:
            problems.append(f"identifiant « {student_id} » déjà donné ligne {seen[student_id]}")
        if problems:
            errors.append(f"ligne {line} : " + " ; ".join(problems))
            continue
        seen[student_id] = line
        students.append(Student(student_id, nom, prenom, email, groupe))
    if errors:
        raise ValueError(
            f"{Path(path).name} : {len(errors)} ligne(s) invalide(s), rien n'a été importé.\n  "
            + "\n  ".join(errors)
        )
    if not students:
        raise ValueError(f"{Path(path).name} ne contient aucun étudiant.")
    return students


def load_groups(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"Fichier des groupes {path} illisible : {exc}") from None
    return {str(k): str(v) for k, v in data.items()}


def store_students(course, students: list[Student]) -> tuple[int, int, int]:
    """Create or update the students in one transaction; return (added, updated, unchanged)."""
    groups = load_groups(course.groups_path)
    for s in students:
        if s.groupe:
            groups[s.id] = s.groupe
    added = updated = same = 0
    with course.gradebook() as gb:
        from nbgrader.api import Student as DbStudent

        existing = {s.id: s for s in gb.db.query(DbStudent).all()}
        try:
            for s in students:
                row = existing.get(s.id)
                values = {"first_name": s.prenom, "last_name": s.nom, "email": s.email}
                if row is None:
                    gb.db.add(DbStudent(id=s.id, **values))
                    added += 1
                elif any(getattr(row, k) != v for k, v in values.items()):
                    for k, v in values.items():
                        setattr(row, k, v)
                    updated += 1
                else:
                    same += 1
            gb.db.commit()
        except Exception as exc:  # noqa: BLE001 - database errors: roll back, French message
            gb.db.rollback()
            raise ValueError(f"Import annulé, la base des notes est inchangée : {exc}") from None
    write_json_atomic(course.groups_path, groups)
    return added, updated, same


def class_list(course) -> list[Student]:
    """The students of the gradebook, with their group, sorted by name."""
    groups = load_groups(course.groups_path)
    with course.gradebook() as gb:
        from nbgrader.api import Student as DbStudent

        rows = gb.db.query(DbStudent).all()
        students = [
            Student(r.id, r.last_name or "", r.first_name or "", r.email, groups.get(r.id))
            for r in rows
        ]
    return sorted(students, key=lambda s: (normalise_name(s.nom), normalise_name(s.prenom), s.id))
