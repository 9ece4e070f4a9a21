"""nbgrader's Execute step with trusted checks (installed by the course's ``nbgrader_config.py``).

:class:`ExecuteAsStudent` runs a submission with ``PARCOURS_ETUDIANT`` set to its author (and a
kernel client that polls in slices, see :mod:`parcours.grading.kernel_client`).
:class:`TrustedExecute` also rebuilds the notebook against the source notebook (``solutions/``) and,
at each test cell, runs an export of the names the check reads instead of the test: the values come
back as data and the check runs in this process (see :mod:`parcours.grading.checks`). The test cell's
outputs are then only the check's French message, from which nbgrader's SaveAutoGrades scores it.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path

from nbgrader.preprocessors import Execute
from traitlets import Integer, Unicode

from parcours.data.identity import SECRET_ENV, course_secret
from parcours.grading.checks import as_student, run_check
from parcours.grading.trusted import Plan, error_output, rebuild, test_item
from parcours.notebook import values as codec
from parcours.notebook.kernel_export import MIME

KERNEL_EXEC_LINES = ["import parcours.notebook.kernel_export"]


class ExecuteAsStudent(Execute):
    def create_kernel_manager(self):
        # polls in slices: with one long poll a reply already there can wait a whole cell timeout
        km = super().create_kernel_manager()
        km.client_class = "parcours.grading.kernel_client.SlicedKernelClient"
        return km

    def preprocess(self, nb, resources=None, km=None):
        student = (resources or {}).get("parcours_donnees") or (
            ((resources or {}).get("nbgrader") or {}).get("student")
        )
        with as_student(student):
            return super().preprocess(nb, resources, km)


class ExportMissing(Exception):
    pass


def source_notebook_path(config, assignment: str, notebook: str) -> Path:
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    folder = Path(coursedir.format_path(coursedir.source_directory, ".", assignment))
    return folder / f"{notebook}.ipynb"


class TrustedExecute(ExecuteAsStudent):
    """Execute the submission; run its checks in the grader on values exported as data."""

    source_notebook = Unicode(
        "", help="Trusted source notebook (default: the course's source directory)."
    ).tag(config=True)

    max_output_bytes = Integer(
        50_000_000, help="Output a submission may show before its kernel is stopped."
    ).tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # the outcome of the last run, read by the worker (parcours.grading.worker)
        self._plan: Plan | None = None  # None until the trusted rebuild succeeded
        self._results: dict[str, str] = {}  # grade id -> the check's French message
        self._dead = ""  # why the kernel stopped answering, if it did
        self._overflow = False
        self._timed_out = False

    def _load_source(self, resources):
        import nbformat

        info = (resources or {}).get("nbgrader") or {}
        path = self.source_notebook or (resources or {}).get("parcours_source")
        if not path:
            path = source_notebook_path(self.config, info.get("assignment"), info.get("notebook"))
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(
                f"Notebook source introuvable : {path}. La correction a besoin du sujet avec "
                "ses tests (dossier solutions/)."
            )
        return nbformat.read(path, as_version=4)

    def preprocess(self, nb, resources=None, km=None):
        resources = resources if resources is not None else {}
        self._plan = None
        source = self._load_source(resources)
        nb, self._plan = rebuild(nb, source)
        self._student = (
            resources.get("parcours_donnees")
            or ((resources.get("nbgrader") or {}).get("student"))
            or None
        )
        self._results: dict[str, str] = {}
        self._dead = ""
        self._overflow = False
        self._timed_out = False
        self._output_bytes = 0
        report = resources.setdefault("parcours", {})
        report["alertes"] = list(self._plan.alerts)
        report["fraude"] = self._plan.fraud
        report["questions"] = self._results
        report["checks_s"] = 0.0
        saved_args = list(self.extra_arguments)
        saved_secret = os.environ.get(SECRET_ENV)
        os.environ[SECRET_ENV] = course_secret()
        self.extra_arguments = saved_args + [
            f"--IPKernelApp.exec_lines={line}" for line in KERNEL_EXEC_LINES
        ]
        try:
            return super().preprocess(nb, resources, km)
        finally:
            self.extra_arguments = saved_args
            if saved_secret is None:
                os.environ.pop(SECRET_ENV, None)
            else:
                os.environ[SECRET_ENV] = saved_secret

    # -- runaway kernels ------------------------------------------------------------------------
    def _kill(self, why: str) -> None:
        self._dead = self._dead or why
        kill = getattr(self.km, "kill_now", None)
        if kill is not None:
            kill()

    async def _async_handle_timeout(self, timeout, cell=None):
        if getattr(self.km, "kill_now", None) is None:
            return await super()._async_handle_timeout(timeout, cell)
        self._timed_out = True
        self._kill("temps dépassé")
        return {
            "content": {
                "status": "error",
                "ename": "CellTimeoutError",
                "evalue": f"Cellule arrêtée : plus de {timeout} s sans réponse.",
                "traceback": [f"Cellule arrêtée : plus de {timeout} s sans réponse."],
            }
        }

    def process_message(self, msg, cell, cell_index):
        # Every message the kernel sends counts against one budget per copy: outputs, display
        # updates, comm (widget) messages, and their metadata.
        content = msg.get("content") or {}
        self._output_bytes += len(str(content)) + len(str(msg.get("metadata") or ""))
        if self._output_bytes > self.max_output_bytes:
            if not self._overflow:
                self._overflow = True
                self._kill("sortie trop volumineuse")
            if msg.get("msg_type") != "status":  # the end of the cell still ends it
                return None
        return super().process_message(msg, cell, cell_index)

    def output(self, outs, msg, display_id, cell_index):
        if self._overflow:
            return None
        return super().output(outs, msg, display_id, cell_index)

    # -- kernel exchange -------------------------------------------------------------------------
    def _ask(self, code: str, token: str, index: int) -> dict:
        from nbformat.v4 import new_code_cell

        probe = new_code_cell(code)
        self.execute_cell(probe, index, store_history=False)
        for output in probe.get("outputs", []):
            data = output.get("data") or {}
            message = data.get(MIME)
            if isinstance(message, str):
                try:
                    message = json.loads(message)
                except ValueError:
                    continue
            if isinstance(message, dict) and message.get("jeton") == token:
                return message
        if any(o.get("ename") == "CellTimeoutError" for o in probe.get("outputs", [])):
            raise ExportMissing("le noyau n'a pas répondu à temps (boucle infinie ?)")
        raise ExportMissing("le noyau n'a pas renvoyé les valeurs demandées")

    def _export(self, names: list[str], index: int) -> dict:
        token = secrets.token_hex(8)
        code = f"__import__('parcours.notebook.kernel_export').notebook.kernel_export.export({names!r}, {token!r})"
        message = self._ask(code, token, index)
        if "erreur" in message:
            raise ExportMissing(str(message["erreur"])[:200])
        payloads = message.get("valeurs")
        if not isinstance(payloads, dict):
            raise ExportMissing("export mal formé")
        values = {}
        for name in names:
            if name not in payloads:
                continue
            values[name] = codec.decode(
                payloads[name], name=name, call=lambda f, a, k, i=index: self._call(f, a, k, i)
            )
        return values

    def _call(self, name: str, args, kwargs, index: int):
        token = secrets.token_hex(8)
        payload = {"args": codec.encode(list(args)), "kwargs": codec.encode(dict(kwargs))}
        code = (
            "__import__('parcours.notebook.kernel_export').notebook.kernel_export.call("
            f"{name!r}, {payload!r}, {token!r})"
        )
        try:
            message = self._ask(code, token, index)
        except ExportMissing as exc:
            raise AssertionError(
                f"Votre fonction « {name} » n'a pas pu être appelée : {exc}."
            ) from None
        if "exception" in message:
            detail = str(message.get("message", ""))[:200]
            raise AssertionError(
                f"Votre fonction « {name} » a échoué avec l'erreur {str(message['exception'])[:60]}"
                + (f" ({detail})" if detail else "")
                + "."
            )
        if "erreur" in message:
            raise AssertionError(f"Votre fonction « {name} » : {str(message['erreur'])[:200]}")
        try:
            return codec.decode(
                message.get("resultat"), name=name, call=lambda f, a, k: self._call(f, a, k, index)
            )
        except codec.ExchangeError as exc:
            raise AssertionError(
                f"Le résultat de votre fonction « {name} » est illisible : {exc}."
            ) from None

    def preprocess_cell(self, cell, resources, index):
        from nbclient.exceptions import DeadKernelError

        item = test_item(cell, self._plan)
        if item is None:
            if self._dead or cell.get("cell_type") != "code":
                return cell, resources
            try:
                return super().preprocess_cell(cell, resources, index)
            except (DeadKernelError, RuntimeError, TimeoutError) as exc:
                self._dead = self._dead or f"{type(exc).__name__}"
                self.nb.cells[index] = cell
                return cell, resources
        self._check_assign_resources(resources)
        cell.outputs = []
        cell.execution_count = None
        if item.blocked:
            message = item.blocked
        elif self._dead:
            message = (
                f"Cette question n'a pas pu être corrigée : le noyau s'est arrêté ({self._dead})."
            )
        else:
            try:
                values = self._export(item.names, index)
            except (ExportMissing, codec.ExchangeError) as exc:
                message = f"Vos réponses n'ont pas pu être lues ({exc}) : cette question vaut 0."
            except Exception as exc:  # noqa: BLE001 - dead kernel and the like
                self._dead = self._dead or type(exc).__name__
                message = (
                    "Vos réponses n'ont pas pu être lues (le noyau ne répond plus : "
                    f"{type(exc).__name__}) : cette question vaut 0."
                )
            else:
                started = time.perf_counter()
                message = run_check(
                    item.source, values, student=self._student, grade_id=item.grade_id
                )
                resources.setdefault("parcours", {})
                resources["parcours"]["checks_s"] = resources["parcours"].get("checks_s", 0.0) + (
                    time.perf_counter() - started
                )
        self._results[item.grade_id] = message
        if message:
            cell.outputs = [error_output(message)]
        self.nb.cells[index] = cell  # nbclient stored the export probes there
        return cell, resources

    @property
    def plan(self) -> Plan | None:
        """The trusted rebuild's plan; None when the rebuild did not happen or failed."""
        return self._plan

    @property
    def messages(self) -> dict[str, str]:
        """The French message of each test cell run so far, by grade id."""
        return self._results

    @property
    def dead(self) -> str:
        return self._dead

    @property
    def overflow(self) -> bool:
        return self._overflow

    @property
    def timed_out(self) -> bool:
        return self._timed_out

    def note_dead(self, why: str) -> None:
        """The kernel stopped answering (``why``), unless an earlier cause is known."""
        self._dead = self._dead or why
