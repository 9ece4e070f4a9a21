"""Deadlines and extensions, where nbgrader keeps them: the assignment's ``duedate`` and each
submission's ``extension`` in the gradebook (naive UTC there; naive local time here, like
Moodle's dates and the teacher's ``--limite``)."""

from __future__ import annotations

from datetime import UTC, datetime


def to_utc(local: datetime) -> datetime:
    return local.astimezone(UTC).replace(tzinfo=None)


def to_local(utc: datetime) -> datetime:
    return utc.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


def set_deadline(course, td: str, when: datetime) -> None:
    with course.gradebook() as gb:
        gb.update_or_create_assignment(td, duedate=to_utc(when))


def deadline(course, td: str) -> datetime | None:
    with course.gradebook() as gb:
        from nbgrader.api import Assignment

        row = gb.db.query(Assignment).filter(Assignment.name == td).one_or_none()
        return to_local(row.duedate) if row is not None and row.duedate is not None else None


def grant_extension(course, td: str, student: str, until: datetime) -> datetime:
    """Give ``student`` until ``until`` for ``td``; return the TD's deadline."""
    due = deadline(course, td)
    if due is None:
        raise ValueError(
            f"{td} n'a pas de date limite dans la base des notes : publiez-le avec "
            f'« parcours publier {td} --limite "AAAA-MM-JJ HH:MM" » avant d\'accorder une '
            "prolongation."
        )
    if until <= due:
        raise ValueError(
            f"La prolongation doit finir après la date limite du TD ({due:%d/%m/%Y %H:%M})."
        )
    with course.gradebook() as gb:
        from nbgrader.api import MissingEntry

        try:
            gb.find_student(student)
        except MissingEntry:
            raise ValueError(f"Étudiant inconnu : « {student} ».") from None
        gb.update_or_create_submission(td, student, extension=to_utc(until) - to_utc(due))
    return due


def extensions(course, td: str | None = None) -> dict[tuple[str, str], datetime]:
    """``(student, td) → end of the extension`` (local time) for every extension granted."""
    with course.gradebook() as gb:
        from nbgrader.api import Assignment, SubmittedAssignment

        query = (
            gb.db.query(SubmittedAssignment.student_id, Assignment.name, Assignment.duedate)
            .add_columns(SubmittedAssignment.extension)
            .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
            .filter(SubmittedAssignment.extension.isnot(None))
        )
        if td is not None:
            query = query.filter(Assignment.name == td)
        rows = query.all()
    return {
        (sid, name): to_local(due + ext) for sid, name, due, ext in rows if due is not None and ext
    }
