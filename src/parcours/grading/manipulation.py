"""Spot code that tries to manipulate grading, in the cells a student wrote (a static scan).

Trusted checks already make such code worthless: a score depends only on the answer values
exported as data and checked in the grader's process. But the teacher should know about the
attempt. :func:`scan` reads the student's cells with :mod:`ast` (nothing is run) and returns short
French reasons — « remplace une fonction intégrée (print) », « installe un crochet de trace ou
d'audit (sys.settrace) »… — that the batch shows as one alert « Tentative de manipulation
probable » (:func:`alert`), without changing the score.

What counts: rebinding builtins; patching numpy, pandas, ``parcours``, IPython or the interpreter
(``sys``); writing the environment; trace, profile and audit hooks, frame or memory introspection;
code built at run time (``exec``); processes, signals and shell commands; sockets and network
modules; ``ctypes``; reading ``/proc`` or the system's folders; walking up the folders; looking
for the grader's files or secrets; imitating the answers' export channel; types that pose as
values (a subclass of ``float`` that redefines ``__eq__``). Plain reuse of a builtin's name for a
value (``sum = df["ca"].sum()``) is not an attempt, nor are pandas' display options.

bwrap reports nothing of what it refuses; :func:`refused` reads the refusals from the errors the
student's own cells raised when the copy ran under grading (a read-only folder, no network).
"""

from __future__ import annotations

import ast
import builtins
import re

ALERT = "Tentative de manipulation probable"
MAX_CELL_CHARS = 200_000  # longer cells are not parsed (the kernel gives up on them too)

LIBRARIES = {"numpy": "la bibliothèque numpy", "pandas": "la bibliothèque pandas"}
DEFAULT_NAMES = {"np": "numpy", "pd": "pandas", "plt": "matplotlib.pyplot"}
BUILTIN_NAMES = set(dir(builtins)) - {"_", "__doc__", "__name__", "__spec__", "__package__"}
HOOKS = {
    "sys.settrace",
    "sys.setprofile",
    "sys.addaudithook",
    "sys.set_asyncgen_hooks",
    "sys.setrecursionlimit_hook",
    "threading.settrace",
    "threading.setprofile",
    "threading.settrace_all_threads",
    "threading.setprofile_all_threads",
}
FRAMES = {
    "sys._getframe",
    "sys._current_frames",
    "inspect.currentframe",
    "inspect.stack",
    "inspect.getouterframes",
    "inspect.getframeinfo",
    "traceback.extract_stack",
}
FRAME_ATTRS = {
    "f_back",
    "f_globals",
    "f_locals",
    "f_builtins",
    "tb_frame",
    "gi_frame",
    "cr_frame",
    "__globals__",
    "__closure__",
    "__code__",
    "__subclasses__",
    "__builtins__",
}
MEMORY = {"gc.get_objects", "gc.get_referrers", "gc.get_referents"}
PROCESS_CALLS = re.compile(
    r"^os\.(fork|forkpty|kill|killpg|system|popen|exec\w*|spawn\w*|posix_spawn\w*|setsid)$"
    r"|^(subprocess|pty|multiprocessing)\.|^signal\.(signal|pthread_kill|setitimer|alarm)$"
)
NETWORK = {
    "socket",
    "ssl",
    "http",
    "urllib",
    "requests",
    "httpx",
    "aiohttp",
    "smtplib",
    "ftplib",
    "telnetlib",
    "websocket",
    "websockets",
    "zmq",
    "paramiko",
}
NATIVE = {"ctypes", "_ctypes", "cffi", "mmap"}
PROCESSES = {"subprocess", "pty", "multiprocessing"}
SYSTEM_DIRS = re.compile(
    r"^/(etc|root|home|var|usr|dev|run|opt|srv|mnt|boot|lib|lib64|bin|sbin|sys)(/|$)"
)
GRADER_WORDS = re.compile(
    r"gradebook|nbgrader|autograded|submitted/|/solutions|solutions/|PARCOURS_SECRET|"
    r"PARCOURS_ETUDIANT|application/vnd\.parcours|kernel_export"
)
STARTUP_WORDS = re.compile(
    r"site-packages|sitecustomize|usercustomize|\.pth$|ipython_config|ipython_kernel_config|"
    r"profile_default|jupyter_config|\bstartup\b|^parcours\.py$|/parcours\.py$"
)
VALUE_TYPES = {
    "float",
    "int",
    "str",
    "bool",
    "complex",
    "list",
    "dict",
    "tuple",
    "set",
    "numpy.ndarray",
    "numpy.float64",
    "numpy.int64",
    "pandas.Series",
    "pandas.DataFrame",
    "pandas.Index",
    "pandas.Timestamp",
}
LYING_METHODS = {
    "__eq__",
    "__ne__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__hash__",
    "__bool__",
    "__float__",
    "__int__",
    "__index__",
    "__round__",
    "__abs__",
    "__sub__",
    "__rsub__",
    "__len__",
    "__array__",
    "__array_ufunc__",
    "__array_function__",
    "__getattribute__",
    "__getattr__",
    "__instancecheck__",
    "__class__",
    "__reduce__",
    "__reduce_ex__",
    "__arrow_c_array__",
    "__dataframe__",
}
SHELL_MAGICS = re.compile(r"^\s*(!|%%?(bash|sh|system|sx|script|run|load|writefile|env|cd)\b)")


def alert(reasons: list[str], shown: int = 4) -> str:
    """The alert the teacher sees, with its first ``shown`` reasons."""
    more = len(reasons) - shown
    return (
        f"{ALERT} : "
        + " ; ".join(reasons[:shown])
        + (f" ; et {more} autre(s) indice(s)" if more > 0 else "")
        + "."
    )


class _Scanner(ast.NodeVisitor):
    def __init__(self) -> None:
        self.names: dict[str, str] = dict(DEFAULT_NAMES)
        self.reasons: dict[str, None] = {}

    # -- names ---------------------------------------------------------------------------------
    def dotted(self, node) -> str:
        """``np.testing.assert_allclose`` → ``numpy.testing.assert_allclose`` ("" if not a name)."""
        parts = []
        while True:
            if isinstance(node, ast.Attribute):
                parts.append(node.attr)
                node = node.value
            elif isinstance(node, ast.Subscript):
                key = node.slice
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    parts.append(key.value)
                else:
                    parts.append("[]")
                node = node.value
            elif isinstance(node, ast.Call):
                if isinstance(node.func, ast.Name) and node.func.id == "get_ipython":
                    parts.append("IPython")
                    break
                if isinstance(node.func, ast.Name) and node.func.id == "vars" and node.args:
                    node = node.args[0]
                    parts.append("__dict__")
                    continue
                return ""
            elif isinstance(node, ast.Name):
                parts.append(self.names.get(node.id, node.id))
                break
            else:
                return ""
        dotted = ".".join(reversed(parts))
        return dotted.replace(".__dict__", "")

    def add(self, reason: str) -> None:
        """Keep one reason per kind of attempt: its first example."""
        kind = reason.split(" (")[0]
        if not any(r.split(" (")[0] == kind for r in self.reasons):
            self.reasons.setdefault(reason, None)

    # -- what is changed ------------------------------------------------------------------------
    def changed(self, target, how: str = "") -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for item in target.elts:
                self.changed(item)
            return
        if isinstance(target, ast.Starred):
            self.changed(target.value)
            return
        if not isinstance(target, (ast.Attribute, ast.Subscript)):
            return
        name = self.dotted(target)
        if not name:
            return
        self._patched(name)

    def _patched(self, name: str) -> None:
        root, _, rest = name.partition(".")
        short = rest.split(".")[0] if rest else ""
        if root in ("builtins", "__builtins__"):
            self.add(f"remplace une fonction intégrée ({short or root})")
        elif root in LIBRARIES:
            if "options" not in name.split("."):
                self.add(f"modifie {LIBRARIES[root]} ({name})")
        elif root == "parcours":
            self.add(f"modifie le module parcours ({name})")
        elif root == "IPython":
            self.add(f"modifie IPython ({name.replace('IPython.', 'get_ipython().', 1)})")
        elif name.startswith("os.environ"):
            self.add(f"modifie les variables d'environnement ({rest.split('.')[-1]})")
        elif root == "sys":
            self.add(f"modifie l'interpréteur Python ({name})")
        elif root in ("matplotlib", "scipy", "IPython", "ipykernel", "nbformat", "json"):
            if "rcParams" not in name:
                self.add(f"modifie le module {root} ({name})")

    def visit_Assign(self, node) -> None:
        for target in node.targets:
            self.changed(target)
        if isinstance(node.value, ast.Lambda):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id in BUILTIN_NAMES:
                    self.add(f"remplace une fonction intégrée ({target.id})")
        self.generic_visit(node)

    def visit_AugAssign(self, node) -> None:
        self.changed(node.target)
        self.generic_visit(node)

    def visit_AnnAssign(self, node) -> None:
        self.changed(node.target)
        self.generic_visit(node)

    def visit_Delete(self, node) -> None:
        for target in node.targets:
            self.changed(target)
        self.generic_visit(node)

    def _defined(self, name: str) -> None:
        if name in BUILTIN_NAMES:
            self.add(f"remplace une fonction intégrée ({name})")

    def visit_FunctionDef(self, node) -> None:
        self._defined(node.name)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node) -> None:
        self._defined(node.name)
        bases = [self.dotted(b) for b in node.bases]
        posing = [b for b in bases if b in VALUE_TYPES or b.split(".")[0] in LIBRARIES]
        methods = [
            item.name
            for item in node.body
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
            and item.name in LYING_METHODS
        ] + [
            t.id
            for item in node.body
            if isinstance(item, ast.Assign)
            for t in item.targets
            if isinstance(t, ast.Name) and t.id in LYING_METHODS
        ]
        if posing and methods:
            self.add(
                f"définit un type qui imite une valeur (sous-classe de {posing[0]} qui "
                f"redéfinit {methods[0]})"
            )
        if any(k.arg == "metaclass" for k in node.keywords):
            self.add("définit une métaclasse (metaclass)")
        self.generic_visit(node)

    # -- imports ----------------------------------------------------------------------------------
    def _imported(self, module: str) -> None:
        top = module.split(".")[0]
        if top in NETWORK:
            self.add(f"ouvre une connexion réseau ({top})")
        elif top in NATIVE:
            self.add(f"manipule la mémoire du processus ({top})")
        elif top in PROCESSES:
            self.add(f"lance ou arrête des processus ({top})")
        elif module.startswith("parcours.notebook.kernel_export") or module == "parcours.grading":
            self.add(f"imite le canal d'export des réponses ({module})")

    def visit_Import(self, node) -> None:
        for alias in node.names:
            self._imported(alias.name)
            if alias.asname:
                self.names[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.names[top] = top

    def visit_ImportFrom(self, node) -> None:
        module = node.module or ""
        if node.level:
            self.add("importe un module voisin (import relatif)")
        self._imported(module)
        for alias in node.names:
            full = f"{module}.{alias.name}" if module else alias.name
            self._imported(full)
            self.names[alias.asname or alias.name] = full
            if full in HOOKS or full in FRAMES:
                self._called(full)

    # -- calls --------------------------------------------------------------------------------------
    def _called(self, name: str) -> None:
        if name in HOOKS or name.startswith("sys.monitoring."):
            self.add(f"installe un crochet de trace ou d'audit ({name})")
        elif name in FRAMES:
            self.add(f"inspecte la pile d'exécution ({name})")
        elif name in MEMORY:
            self.add(f"parcourt les objets en mémoire ({name})")
        elif PROCESS_CALLS.search(name):
            self.add(f"lance ou arrête des processus ({name})")
        elif name in ("exec", "eval", "compile", "__import__", "builtins.exec", "builtins.eval"):
            self.add(f"exécute du code construit à la volée ({name.split('.')[-1]})")
        elif name in ("importlib.reload", "importlib.import_module"):
            self.add(f"recharge ou importe un module à la volée ({name})")
        elif name.startswith("os.environ.") or name in ("os.putenv", "os.unsetenv"):
            if name.split(".")[-1] not in ("get", "copy", "keys", "items", "values"):
                self.add(f"modifie les variables d'environnement ({name})")
        elif name in ("os.chdir", "os.fchdir"):
            self.add(f"change de dossier ({name})")
        elif name.startswith("IPython.") and name.split(".")[-1] in (
            "register",
            "register_magic_function",
            "set_custom_exc",
            "set_hook",
            "append",
            "insert",
            "extend",
            "system",
            "getoutput",
            "run_cell_magic",
            "push",
        ):
            self.add(
                f"installe un crochet dans IPython ({name.replace('IPython', 'get_ipython()', 1)})"
            )

    def visit_Call(self, node) -> None:
        name = self.dotted(node.func)
        if name:
            self._called(name)
        if isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr"):
            if node.args:
                target = self.dotted(node.args[0])
                key = node.args[1] if len(node.args) > 1 else None
                if target and isinstance(key, ast.Constant) and isinstance(key.value, str):
                    target = f"{target}.{key.value}"
                if target:
                    self._patched(target if "." in target else target + ".?")
        self.generic_visit(node)

    def visit_Attribute(self, node) -> None:
        if node.attr in FRAME_ATTRS:
            self.add(f"inspecte la pile d'exécution ({node.attr})")
        elif node.attr in ("parent", "parents") and not isinstance(node.ctx, ast.Store):
            self.add(f"remonte dans les dossiers (.{node.attr})")
        self.generic_visit(node)

    def visit_Name(self, node) -> None:
        if node.id == "__builtins__":
            self.add("remplace une fonction intégrée (__builtins__)")

    def visit_Constant(self, node) -> None:
        if not isinstance(node.value, str) or len(node.value) > 4096:
            return
        text = node.value.strip()
        if text.startswith("/proc") or "/proc/" in text:
            self.add(f"lit /proc, les informations des processus ({text[:40]})")
        elif SYSTEM_DIRS.match(text):
            self.add(f"accède aux dossiers du système ({text[:40]})")
        elif text == ".." or text.startswith("../") or "/.." in text:
            self.add(f"remonte dans les dossiers ({text[:40]})")
        elif STARTUP_WORDS.search(text):
            what = STARTUP_WORDS.search(text).group(0)
            self.add(f"écrit un module ou un fichier de démarrage de Python ({what})")
        else:
            found = GRADER_WORDS.search(text)
            if found:
                what = found.group(0)
                if what in ("application/vnd.parcours", "kernel_export"):
                    self.add(f"imite le canal d'export des réponses ({what})")
                else:
                    self.add(f"cherche les fichiers ou les secrets du correcteur ({what})")


def _python(source: str) -> tuple[str, list[str]]:
    """The cell as plain Python (IPython's magics and shell escapes put aside), and the shell
    commands found."""
    shell = []
    lines = []
    for line in source.splitlines():
        if SHELL_MAGICS.match(line):
            shell.append(line.strip()[:40])
            lines.append("")
        elif line.lstrip().startswith("%"):
            lines.append("")
        else:
            lines.append(line)
    return "\n".join(lines), shell


def scan_cell(source: str) -> list[str]:
    """The French reasons why one cell looks like an attempt (none for an unreadable cell)."""
    if not isinstance(source, str) or not source.strip() or len(source) > MAX_CELL_CHARS:
        return []
    code, shell = _python(source)
    scanner = _Scanner()
    for command in shell:
        scanner.add(f"lance une commande du système ({command})")
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return list(scanner.reasons)
    try:
        scanner.visit(tree)
    except RecursionError:
        pass
    return list(scanner.reasons)


def scan(sources) -> list[str]:
    """The reasons found in all of ``sources`` (the student's code cells): one per kind of
    attempt, in order."""
    reasons: dict[str, str] = {}
    for source in sources:
        for reason in scan_cell(source):
            reasons.setdefault(reason.split(" (")[0], reason)
    return list(reasons.values())


REFUSALS = re.compile(
    r"Read-only file system|Permission denied|Operation not permitted|Network is unreachable|"
    r"Resource temporarily unavailable|Cannot assign requested address|No route to host"
)


def refused(cells, graded: set[str]) -> list[str]:
    """What the sandbox refused the copy, as its own run under grading showed it: the errors of
    the student's cells (not the test cells, ``graded``) that a refusal raises (a read-only
    folder, a network that does not exist, the process limit)."""
    for cell in cells:
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if cell.get("cell_type") != "code" or meta.get("grade_id") in graded:
            continue
        for out in cell.get("outputs") or []:
            if out.get("output_type") != "error":
                continue
            text = f"{out.get('ename', '')} : {out.get('evalue', '')}"
            if REFUSALS.search(text):
                return [f"le bac à sable a refusé une opération ({text[:80]})"]
    return []
