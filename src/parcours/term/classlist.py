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

from parcours.term.anonymous import is_pseudonym
from parcours.term.atomic import write_json_atomic
from parcours.term.tabular import header_key, read_rows
from parcours.term.wording import plural

# Header variants (after header_key) for each field, best first: when several columns match a
# field, the one whose header comes first in this list wins (« Groupe » over « Classe »).
COLUMNS = {
    "id": [
        "identifiant",
        "identifiantetudiant",
        "identifiantent",
        "identifiantjupyterhub",
        "id",
        "login",
        "nomdutilisateur",
        "username",
        "utilisateur",
        "userid",
        "numeroetudiant",
        "numerodetudiant",
        "numerodidentification",
        "idnumber",
        "studentid",
        "studentnumber",
        "matricule",
        "numero",
        "ine",
    ],
    "nom": [
        "nom",
        "nomdefamille",
        "nomdusage",
        "nometudiant",
        "nomdeleleve",
        "lastname",
        "surname",
        "familyname",
    ],
    "prenom": ["prenom", "prenoms", "prenometudiant", "prenomdeleleve", "firstname", "givenname"],
    "email": [
        "adressedecourriel",
        "adressecourriel",
        "courriel",
        "adresseemail",
        "adressemail",
        "adresseelectronique",
        "adressemel",
        "email",
        "mail",
        "mel",
        "emailaddress",
        "mailaddress",
        "courrielacademique",
        "emailacademique",
        "emailetudiant",
    ],
    "groupe": [
        "groupe",
        "groupes",
        "groupetd",
        "group",
        "groups",
        "td",
        "classe",
        "division",
        "class",
    ],
    "complet": ["eleve", "etudiant", "nomcomplet", "fullname", "nomprenom", "nometprenom", "name"],
}
FIELD_NAMES = {
    "id": "identifiant",
    "nom": "nom",
    "prenom": "prénom",
    "email": "e-mail",
    "groupe": "groupe",
    "complet": "nom complet",
}
# New students whose names are already in the class under another id: more than this and the
# import is refused (a second copy of the class), unless the teacher says --ajouter.
FEW_HOMONYMS = 3
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
    return read_class_list(path)[0]


def read_class_list(path: Path) -> tuple[list[Student], list[str]]:
    """``(students, notices)``: the notices say which column gave what, and which exact
    duplicate rows were skipped. ``ValueError`` lists each invalid row (line numbers)."""
    from parcours.data.identity import check_student_id

    header, rows, _ = read_rows(path)
    keys = [header_key(h) for h in header]
    where = {}
    for field, names in COLUMNS.items():
        hits = [(names.index(k), i) for i, k in enumerate(keys) if k in names]
        if hits:
            where[field] = min(hits)[1]
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
    rows_seen: dict[tuple, int] = {}
    notices = [_columns_notice(header, where)]

    def cell(cells, field):
        i = where.get(field)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    for line, cells in rows:
        same = tuple(c.strip() for c in cells)
        if same in rows_seen:
            notices.append(f"ligne {line} : doublon exact de la ligne {rows_seen[same]}, ignorée.")
            continue
        rows_seen[same] = line
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
            f"{Path(path).name} : {plural(len(errors), 'ligne invalide')}, rien n'a été importé.\n  "
            + "\n  ".join(errors)
        )
    if not students:
        raise ValueError(f"{Path(path).name} ne contient aucun étudiant.")
    return students, notices


def _columns_notice(header: list[str], where: dict[str, int]) -> str:
    used = [f"{FIELD_NAMES[f]} ← « {header[i]} »" for f, i in where.items()]
    if "id" not in where:
        used.append(
            "identifiant ← partie avant @ de l'e-mail"
            if "email" in where
            else "identifiant ← nom.prenom (ni identifiant ni e-mail dans la liste)"
        )
    ignored = [h for i, h in enumerate(header) if h.strip() and i not in where.values()]
    text = "Colonnes lues : " + " ; ".join(used) + "."
    if ignored:
        text += " Ignorées : " + ", ".join(f"« {h} »" for h in ignored) + "."
    return text


def load_groups(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"Fichier des groupes {path} illisible : {exc}") from None
    return {str(k): str(v) for k, v in data.items()}


def store_students(
    course, students: list[Student], *, add_homonyms: bool = False
) -> tuple[int, int, int]:
    """Create or update the students in one transaction; return (added, updated, unchanged).

    Refused (``ValueError``, nothing changed) when more than :data:`FEW_HOMONYMS` new students
    have the name of a student already in the class under another id, unless ``add_homonyms``."""
    if not add_homonyms:
        known = {}
        for s in class_list(course):
            known.setdefault(normalise_name(s.full_name), []).append(s.id)
        ids = {i for group in known.values() for i in group}
        twins = [s for s in students if s.id not in ids and normalise_name(s.full_name) in known]
        if len(twins) > FEW_HOMONYMS:
            shown = ", ".join(
                f"{s.full_name} ({s.id} ; déjà dans la classe : "
                f"{', '.join(known[normalise_name(s.full_name)])})"
                for s in twins[:10]
            )
            more = f" et {plural(len(twins) - 10, 'autre')}" if len(twins) > 10 else ""
            raise ValueError(
                f"Import refusé : {len(twins)} nouveaux identifiants portent le nom d'étudiants "
                f"déjà inscrits : {shown}{more}. Cette liste donne sans doute d'autres "
                "identifiants à la même classe (colonne Identifiant ou E-mail absente ou "
                "différente) : rien n'a été importé. S'il s'agit bien d'autres personnes, "
                "relancez avec --ajouter."
            )
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
        # pseudonyms of anonymous copies (parcours.term.anonymous) are nobody of the class
        students = [
            Student(r.id, r.last_name or "", r.first_name or "", r.email, groups.get(r.id))
            for r in rows
            if not is_pseudonym(r.id)
        ]
    return sorted(students, key=lambda s: (normalise_name(s.nom), normalise_name(s.prenom), s.id))
