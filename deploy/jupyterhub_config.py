"""JupyterHub on one server for the course « Suivi du parcours client ».

The same file runs in the tests (tests/test_hub.py) and on a department's server. Settings come
from the environment, so nothing here needs editing:

- PARCOURS_COURS       the teacher's course folder (solutions/, nbgrader_config.py, gradebook)
- PARCOURS_ECHANGE     nbgrader's exchange folder, shared by every user (default /srv/nbgrader/exchange)
- PARCOURS_SECRET      the course secret (every student's data variant depends on it)
- PARCOURS_ENSEIGNANTS hub accounts of the teachers (comma-separated): hub admins
- PARCOURS_ETUDIANTS   hub accounts allowed to log in (comma-separated; empty: every local account)
- PARCOURS_HUB_IP, PARCOURS_HUB_PORT   public address of the hub (default 127.0.0.1:8000)
- PARCOURS_VERIFIER_PORT               port of the « Vérifier ma copie » service (default 10101)
- PARCOURS_ESPACE      runtime folder of the hub (database, cookie secret, students' nbgrader config)
- PARCOURS_PYTHON      the Python that runs the users' JupyterLab (default: the hub's own; it must
                       be readable by every account)

Students log in with their system account (PAM), get JupyterLab with nbgrader's extensions (the
Assignments tab), their own data (the kernel sees JUPYTERHUB_USER) and ``parcours.verifier()``,
which talks to the verification service declared below with their hub token.
"""

import os
import shutil
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (provided by JupyterHub)

BIN = Path(sys.executable).parent
COURSE = Path(os.environ.get("PARCOURS_COURS", "/srv/parcours/cours"))
EXCHANGE = Path(os.environ.get("PARCOURS_ECHANGE", "/srv/nbgrader/exchange"))
RUNTIME = Path(os.environ.get("PARCOURS_ESPACE", "/srv/jupyterhub"))
IP = os.environ.get("PARCOURS_HUB_IP", "127.0.0.1")
PORT = int(os.environ.get("PARCOURS_HUB_PORT", "8000"))
VERIFIER_PORT = int(os.environ.get("PARCOURS_VERIFIER_PORT", "10101"))
SECRET = os.environ.get("PARCOURS_SECRET", "")
TEACHERS = {u.strip() for u in os.environ.get("PARCOURS_ENSEIGNANTS", "").split(",") if u.strip()}
STUDENTS = {u.strip() for u in os.environ.get("PARCOURS_ETUDIANTS", "").split(",") if u.strip()}
SERVICE = "parcours-verifier"
COURSE_ID = "suivi_parcours_client"

RUNTIME.mkdir(parents=True, exist_ok=True)
c.JupyterHub.bind_url = f"http://{IP}:{PORT}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.db_url = f"sqlite:///{RUNTIME / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(RUNTIME / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(RUNTIME / "jupyterhub-proxy.pid")
proxy = shutil.which("configurable-http-proxy")
if proxy:
    c.ConfigurableHTTPProxy.command = [proxy]

# Accounts: the machine's own (PAM). Teachers are admins.
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.admin_users = TEACHERS
if STUDENTS:
    c.Authenticator.allowed_users = STUDENTS | TEACHERS
else:
    c.Authenticator.allow_all = True

# Each user's JupyterLab runs as their own system account, in their home folder.
PYTHON = os.environ.get("PARCOURS_PYTHON", sys.executable)
c.Spawner.cmd = [PYTHON, "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 90

# nbgrader in the students' servers: the exchange and the course id, through a config folder
# the hub writes (JUPYTER_CONFIG_PATH), so home folders need nothing.
student_config = RUNTIME / "etudiants"
student_config.mkdir(exist_ok=True)
(student_config / "nbgrader_config.py").write_text(
    "c = get_config()  # noqa: F821\n"
    f"c.Exchange.root = {str(EXCHANGE)!r}\n"
    f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
    "c.Exchange.assignment_dir = '.'\n",
    encoding="utf-8",
)
student_config.chmod(0o755)
(student_config / "nbgrader_config.py").chmod(0o644)

# The course's Jupyter extensions (nbgrader's Assignments tab and Validate, the French language
# pack) are those of the hub's environment; with another Python (PARCOURS_PYTHON), its own
# share/jupyter comes first (its python3 kernel).
jupyter_path = [str(Path(sys.prefix) / "share" / "jupyter")]
if PYTHON != sys.executable:
    jupyter_path.insert(0, str(Path(PYTHON).parent.parent / "share" / "jupyter"))
c.Spawner.environment = {
    "JUPYTER_CONFIG_PATH": f"{student_config}:{Path(sys.prefix) / 'etc' / 'jupyter'}",
    "JUPYTER_PATH": ":".join(jupyter_path),
    "PARCOURS_SECRET": SECRET,
    "PARCOURS_VERIFIER_URL": f"http://{IP}:{PORT}/services/{SERVICE}/",
    "PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
}

# « Vérifier ma copie »: a service the hub starts, reached at /services/parcours-verifier/.
# Every user may call it; the token of a student's server (JUPYTERHUB_API_TOKEN in the kernel)
# carries that right too.
c.JupyterHub.services = [
    {
        "name": SERVICE,
        "url": f"http://127.0.0.1:{VERIFIER_PORT}",
        "command": [str(BIN / "parcours"), "verifier-service", "--racine", str(COURSE)],
        "cwd": str(COURSE),
        "environment": {
            "PARCOURS_SECRET": SECRET,
            "PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin",
            "MPLBACKEND": "Agg",
        },
        "oauth_no_confirm": True,
    }
]
ACCESS = f"access:services!service={SERVICE}"
c.JupyterHub.load_roles = [
    {"name": "user", "scopes": ["self", ACCESS]},
]
c.Spawner.server_token_scopes = ["users:activity!user", "access:servers!server", ACCESS]
