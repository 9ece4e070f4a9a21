"""``deploy/``: the lock file, the students' image and the Zero to JupyterHub configuration.

The image cannot be built here (no registry for its base image), so what can rot is checked
instead: the lock pins every requirement of ``pyproject.toml`` and this venv has those versions;
the Dockerfile installs through ``deploy/install.sh`` with the extras pyproject declares; the
install script itself runs in a fresh venv (slow test); the Kubernetes files agree with each other
and with the single-server hub (service name, roles, image, secrets, exchange, course folder).
"""

from __future__ import annotations

import ast
import json
import re
import shlex
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
LOCK = ROOT / "requirements.lock"
SERVICE = "parcours-verifier"

pytestmark = pytest.mark.xdist_group("deploy")


def _pins() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            name, _, version = line.partition("==")
            assert version, f"requirements.lock : « {line} » n'est pas une version exacte."
            pins[canonicalize_name(name)] = version.split(";")[0].strip()
    return pins


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _requirements(*extras: str) -> list[Requirement]:
    project = _pyproject()["project"]
    texts = list(project["dependencies"])
    for extra in extras:
        texts += project["optional-dependencies"][extra]
    return [Requirement(t) for t in texts]


def _linux_py311(req: Requirement) -> bool:
    env = {**default_environment(), "sys_platform": "linux", "platform_machine": "x86_64"}
    env.update(python_version="3.11", extra="")
    return req.marker is None or req.marker.evaluate(env)


def test_the_lock_pins_every_requirement_of_pyproject():
    pins = _pins()
    extras = _pyproject()["project"]["optional-dependencies"]
    for req in _requirements(*extras):
        if not _linux_py311(req):
            continue
        name = canonicalize_name(req.name)
        assert name in pins, f"requirements.lock ne fixe pas {req.name} : lancez make lock."
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock fixe {req.name}=={pins[name]}, hors de « {req} » : lancez make lock."
        )


def test_this_venv_has_the_locked_versions():
    """``make install`` installs with the lock as constraints: the grader has the class's pandas."""
    pins = _pins()
    for name in ("pandas", "numpy", "matplotlib", "nbgrader", "jupyterhub", "jupyterlab"):
        assert metadata.version(name) == pins[name], (
            f"{name} {metadata.version(name)} installé, {pins[name]} dans requirements.lock : "
            "relancez make install."
        )
    different = {
        n: (metadata.version(n), v)
        for n, v in pins.items()
        if _installed(n) and metadata.version(n) != v
    }
    assert not different, f"versions différentes de requirements.lock : {different}"


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def _dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, as (KEYWORD, arguments), continuation lines joined."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _pip_installs(script: str) -> list[list[str]]:
    text = script.replace("\\\n", " ")
    return [
        shlex.split(line)
        for line in text.splitlines()
        if re.search(r"-m pip install", line) and not line.lstrip().startswith("#")
    ]


def test_the_image_installs_the_course_through_the_script_and_the_lock():
    steps = _dockerfile()
    runs = [arg for word, arg in steps if word == "RUN"]
    assert any("deploy/install.sh /opt/parcours" in r for r in runs), runs
    assert not any("pip install" in r for r in runs), "le Dockerfile installe hors du script"
    copied = set()
    for word, arg in steps:
        if word == "COPY":
            *sources, _ = arg.split()
            copied.update(sources)
    # what the script and the package build read: all copied into the image
    for needed in ("pyproject.toml", "README.md", "requirements.lock", "src", "deploy/install.sh"):
        assert needed in copied, f"le Dockerfile ne copie pas {needed}"
    assert (ROOT / "README.md").exists() and _pyproject()["project"]["readme"] == "README.md"
    cmd = json.loads(next(arg for word, arg in steps if word == "CMD"))
    assert cmd == ["jupyterhub-singleuser"] and "jupyterhub" in _pins()

    installs = _pip_installs((DEPLOY / "install.sh").read_text(encoding="utf-8"))
    assert len(installs) == 1, installs
    words = installs[0]
    assert words[words.index("-c") + 1] == "$here/requirements.lock"
    target = next(w for w in words if w.startswith("$here["))
    extras = set(target[len("$here[") : -1].split(","))
    declared = set(_pyproject()["project"]["optional-dependencies"])
    assert extras <= declared, f"extras inconnus de pyproject.toml : {extras - declared}"
    # the students' servers need nbgrader's extensions and the French pack, not the dev tools
    assert extras == {"enseignant"}
    names = {canonicalize_name(r.name) for r in _requirements("enseignant")}
    assert {"nbgrader", "jupyterhub", "jupyterlab-language-pack-fr-fr"} <= names


def test_the_install_script_refuses_an_existing_folder(tmp_path):
    out = subprocess.run(
        ["bash", str(DEPLOY / "install.sh"), str(tmp_path)], capture_output=True, text=True
    )
    assert out.returncode == 2
    assert "existe déjà" in out.stderr and "Traceback" not in out.stderr


def _config() -> dict:
    return yaml.safe_load((DEPLOY / "z2jh" / "config.yaml").read_text(encoding="utf-8"))


def _verifier() -> dict[str, dict]:
    docs = yaml.safe_load_all((DEPLOY / "z2jh" / "verificateur.yaml").read_text(encoding="utf-8"))
    return {d["kind"]: d for d in docs}


def _env(pairs) -> dict:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in pairs}


def test_z2jh_declares_the_verification_service_the_notebook_calls():
    config = _config()
    service = config["hub"]["services"][SERVICE]
    k8s = _verifier()
    assert k8s["Service"]["metadata"]["name"] == "parcours-verifier"
    port = k8s["Service"]["spec"]["ports"][0]["port"]
    assert service["url"] == f"http://{k8s['Service']['metadata']['name']}:{port}"
    # the same service name as the single-server hub, and what a student's token may reach
    single = (DEPLOY / "jupyterhub_config.py").read_text(encoding="utf-8")
    assert f'SERVICE = "{SERVICE}"' in single
    access = f"access:services!service={SERVICE}"
    assert access in config["hub"]["loadRoles"]["user"]["scopes"]
    assert access in config["hub"]["config"]["Spawner"]["server_token_scopes"]
    extra_env = config["singleuser"]["extraEnv"]
    assert extra_env["PARCOURS_VERIFIER_URL"].endswith(f"/services/{SERVICE}/")

    container = k8s["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    env = _env(container["env"])
    # what `parcours verifier-service` reads to serve as a hub service
    assert env["JUPYTERHUB_SERVICE_PREFIX"] == f"/services/{SERVICE}/"
    assert env["JUPYTERHUB_SERVICE_URL"].endswith(f":{container['ports'][0]['containerPort']}")
    assert env["JUPYTERHUB_API_TOKEN"] == {
        "secretKeyRef": {"name": "hub", "key": f"hub.services.{SERVICE}.apiToken"}
    }
    source = (ROOT / "src" / "parcours" / "term" / "verification_service.py").read_text()
    for name in ("JUPYTERHUB_SERVICE_URL", "JUPYTERHUB_API_TOKEN", "JUPYTERHUB_SERVICE_PREFIX"):
        assert name in source
    # the service grades on the course folder it mounts
    command = container["command"]
    assert command[:2] == ["parcours", "verifier-service"]
    course = command[command.index("--racine") + 1]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in k8s["Deployment"]["spec"]["template"]["spec"]["volumes"]}
    claim = volumes[mounts[course]]["persistentVolumeClaim"]["claimName"]
    assert claim == "parcours-cours"


def test_z2jh_uses_the_course_image_secret_exchange_and_limits():
    config = _config()
    single = config["singleuser"]
    image = f"{single['image']['name']}:{single['image']['tag']}"
    container = _verifier()["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == image, "le service et les étudiants n'ont pas la même image"
    assert f"-t {image} " in (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert single["cmd"] == "jupyterhub-singleuser"
    # the course secret from a Kubernetes Secret, the same for the students and the service
    secret = {"secretKeyRef": {"name": "parcours", "key": "secret"}}
    assert single["extraEnv"]["PARCOURS_SECRET"] == {"valueFrom": secret}
    assert _env(container["env"])["PARCOURS_SECRET"] == secret
    # nbgrader's exchange on a shared volume, where every server's nbgrader looks
    nbgrader = single["extraFiles"]["nbgrader-config"]
    assert nbgrader["mountPath"] == "/etc/jupyter/nbgrader_config.py"
    root = re.search(r'c\.Exchange\.root = "([^"]+)"', nbgrader["stringData"])[1]
    mounts = {m["mountPath"]: m["name"] for m in single["storage"]["extraVolumeMounts"]}
    claims = {
        v["name"]: v["persistentVolumeClaim"]["claimName"]
        for v in single["storage"]["extraVolumes"]
    }
    assert claims[mounts[root]] == "nbgrader-echange"
    course_id = re.search(
        r"COURSE_ID = \"([^\"]+)\"", (DEPLOY / "jupyterhub_config.py").read_text()
    )
    assert f'course_id = "{course_id[1]}"' in nbgrader["stringData"]
    ast.parse(nbgrader["stringData"])
    # resource limits per student
    assert single["cpu"]["limit"] and single["memory"]["limit"]
    # the teachers' hook is valid Python that sets KubeSpawner's pre_spawn_hook, with the
    # gradebook on PostgreSQL from the same Secret
    hook = config["hub"]["extraConfig"]["parcours-enseignants"]
    ast.parse(hook)
    assert "c.KubeSpawner.pre_spawn_hook" in hook and '"key": "carnet"' in hook


@pytest.mark.lent
def test_the_install_script_installs_the_locked_course_in_a_fresh_venv(tmp_path):
    env_dir = tmp_path / "parcours"
    out = subprocess.run(
        ["bash", str(DEPLOY / "install.sh"), str(env_dir), sys.executable],
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert f"Cours installé dans {env_dir}" in out.stdout
    python = env_dir / "bin" / "python"
    pins = _pins()
    probe = subprocess.run(
        [
            str(python),
            "-c",
            "import json, importlib.metadata as m; print(json.dumps({n: m.version(n) for n in "
            "('pandas', 'numpy', 'nbgrader', 'jupyterhub', 'jupyterlab', 'parcours')}))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    versions = json.loads(probe.stdout)
    for name, version in versions.items():
        if name != "parcours":
            assert version == pins[name], (name, version, pins[name])
    assert versions["parcours"] == _pyproject()["project"]["version"]
    for tool in ("parcours", "jupyterhub-singleuser", "jupyter-lab"):
        assert (env_dir / "bin" / tool).exists(), tool
    help_text = subprocess.run(
        [str(env_dir / "bin" / "parcours"), "verifier-service", "--help"],
        capture_output=True,
        text=True,
    )
    assert help_text.returncode == 0 and "--racine DOSSIER" in help_text.stdout, help_text.stderr
    overrides = env_dir / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert json.loads(overrides.read_text())["@jupyterlab/translation-extension:plugin"] == {
        "locale": "fr_FR"
    }
    kernel = json.loads((env_dir / "share/jupyter/kernels/python3/kernel.json").read_text())
    assert Path(kernel["argv"][0]).parent == env_dir / "bin"
