"""Moodle login into the hub (LTI 1.3), with the settings of ``deploy/z2jh/config.yaml``.

A real JupyterHub runs ``jupyterhub-ltiauthenticator`` configured from the Zero to JupyterHub
file (authenticator class, ``username_key``, access rules); only Moodle's addresses point to a
stand-in on 127.0.0.1 that publishes this test's own public key (Moodle's ``certs.php``). The test
then does what a browser does when a student clicks the activity in Moodle: the login initiation
(``oauth_login``), the redirect to Moodle's ``auth.php``, and Moodle's signed launch
(``oauth_callback``, an id_token signed with the test's key, with Moodle's claims). The student
must land on the hub under the id of the class list, and a launch signed by another key must not
open any session.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

pytestmark = [pytest.mark.lent, pytest.mark.xdist_group("hub")]

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CLIENT_ID = "outil-parcours-moodle"
STUDENT_ID = "e001"  # the student's id in the class list (Moodle sends it as a custom parameter)
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _skip_reason() -> str:
    if not (BIN / "configurable-http-proxy").exists() and not shutil.which(
        "configurable-http-proxy"
    ):
        return "configurable-http-proxy est absent : « make hub » l'installe dans .venv."
    try:
        import jwt  # noqa: F401
        import ltiauthenticator  # noqa: F401
    except ImportError:
        return "jupyterhub-ltiauthenticator est absent : lancez « make install »."
    return ""


def _key_pair(kid: str):
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
    jwk.update(kid=kid, alg="RS256", use="sig")
    return private, jwk


class Moodle:
    """Moodle's published keys (mod/lti/certs.php), on 127.0.0.1."""

    def __init__(self, jwks: dict) -> None:
        body = json.dumps(jwks).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                if self.path.startswith("/mod/lti/certs.php"):
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                else:
                    self.send_error(404)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _hub_config(tmp: Path, moodle: str, port: int) -> Path:
    """The z2jh file's LTI settings, with Moodle's addresses pointing to the stand-in."""
    values = yaml.safe_load((ROOT / "deploy" / "z2jh" / "config.yaml").read_text("utf-8"))
    hub = values["hub"]["config"]
    lti = dict(hub["LTI13Authenticator"])
    for key, path in (
        ("issuer", ""),
        ("authorize_url", "/mod/lti/auth.php"),
        ("jwks_endpoint", "/mod/lti/certs.php"),
    ):
        assert urlparse(lti[key]).path == path, (key, lti[key])
        lti[key] = moodle + path
    lti["client_id"] = [CLIENT_ID]
    proxy = shutil.which("configurable-http-proxy", path=f"{BIN}:{os.environ['PATH']}")
    lines = [
        "c = get_config()  # noqa: F821",
        f"c.JupyterHub.authenticator_class = {hub['JupyterHub']['authenticator_class']!r}",
        f"c.JupyterHub.bind_url = 'http://127.0.0.1:{port}'",
        "c.JupyterHub.hub_ip = '127.0.0.1'",
        f"c.JupyterHub.hub_port = {_free_port()}",
        f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{_free_port()}'",
        f"c.ConfigurableHTTPProxy.command = [{proxy!r}]",
        f"c.ConfigurableHTTPProxy.pid_file = {str(tmp / 'proxy.pid')!r}",
        f"c.JupyterHub.db_url = 'sqlite:///{tmp / 'hub.sqlite'}'",
        f"c.JupyterHub.cookie_secret_file = {str(tmp / 'cookie_secret')!r}",
    ]
    lines += [f"c.LTI13Authenticator.{k} = {v!r}" for k, v in lti.items()]
    lines += [f"c.Authenticator.{k} = {v!r}" for k, v in hub["Authenticator"].items()]
    path = tmp / "jupyterhub_config.py"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    why = _skip_reason()
    if why:
        pytest.skip(why)
    import requests

    tmp = tmp_path_factory.mktemp("lti")
    key, jwk = _key_pair("cle-moodle-1")
    with Moodle({"keys": [jwk]}) as moodle:
        port = _free_port()
        config = _hub_config(tmp, moodle.url, port)
        env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
        env.pop("JUPYTERHUB_API_TOKEN", None)
        log = (tmp / "hub.log").open("w")
        proc = subprocess.Popen(
            [str(BIN / "jupyterhub"), "-f", str(config)],
            cwd=tmp,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}/"
        try:
            for _ in range(120):
                try:
                    if requests.get(f"{url}hub/health", timeout=2).ok:
                        break
                except requests.RequestException:
                    pass
                assert proc.poll() is None, (tmp / "hub.log").read_text()
                time.sleep(0.5)
            yield {"url": url, "moodle": moodle.url, "key": key, "kid": jwk["kid"], "log": tmp}
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()


def _launch(hub, session, *, key, kid: str, custom: dict) -> object:
    """Moodle's LTI 1.3 launch, as the student's browser carries it."""
    import jwt

    url, moodle = hub["url"], hub["moodle"]
    started = session.post(
        f"{url}hub/lti13/oauth_login",
        data={
            "iss": moodle,
            "login_hint": "42",
            "target_link_uri": f"{url}hub",
            "lti_message_hint": "activite-7",
            "client_id": CLIENT_ID,
            "lti_deployment_id": "1",
        },
        allow_redirects=False,
        timeout=30,
    )
    assert started.status_code == 302, (started.status_code, started.text[:500])
    to_moodle = urlparse(started.headers["Location"])
    assert f"{to_moodle.scheme}://{to_moodle.netloc}{to_moodle.path}" == (
        f"{moodle}/mod/lti/auth.php"
    )
    asked = {k: v[0] for k, v in parse_qs(to_moodle.query).items()}
    assert asked["client_id"] == CLIENT_ID and asked["login_hint"] == "42"
    now = int(time.time())
    claims = {
        "iss": moodle,
        "aud": CLIENT_ID,
        "sub": "42",
        "exp": now + 60,
        "iat": now,
        "nonce": asked["nonce"],
        "name": "Zoé École",
        "given_name": "Zoé",
        "family_name": "École",
        "email": "zoe.ecole@etu.exemple.fr",
        LTI + "version": "1.3.0",
        LTI + "message_type": "LtiResourceLinkRequest",
        LTI + "deployment_id": "1",
        LTI + "target_link_uri": f"{url}hub",
        LTI + "resource_link": {"id": "7", "title": "JupyterHub du cours"},
        LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
        LTI + "context": {"id": "3", "label": "MCO1", "title": "Suivi du parcours client"},
        LTI + "custom": custom,
        LTI + "tool_platform": {"product_family_code": "moodle", "version": "2024100700"},
    }
    id_token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})
    return session.post(
        asked["redirect_uri"],
        data={"id_token": id_token, "state": asked["state"]},
        allow_redirects=False,
        timeout=30,
    )


def test_a_moodle_launch_lands_the_student_on_the_hub_under_the_class_list_id(hub):
    import requests

    with requests.Session() as browser:
        answer = _launch(
            hub, browser, key=hub["key"], kid=hub["kid"], custom={"identifiant": STUDENT_ID}
        )
        assert answer.status_code == 302, (answer.status_code, answer.text[:500])
        me = browser.get(f"{hub['url']}hub/api/user", timeout=30)
        assert me.ok, (me.status_code, me.text[:300])
        assert me.json()["name"] == STUDENT_ID


def test_a_launch_signed_by_another_key_opens_no_session(hub):
    import requests

    other, _ = _key_pair(hub["kid"])  # same key id, not Moodle's key
    with requests.Session() as browser:
        answer = _launch(hub, browser, key=other, kid=hub["kid"], custom={"identifiant": "e002"})
        assert answer.status_code in (400, 401, 403), answer.status_code
        me = browser.get(f"{hub['url']}hub/api/user", timeout=30)
        assert me.status_code in (401, 403)
