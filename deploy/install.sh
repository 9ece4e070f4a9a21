#!/usr/bin/env bash
# Installs the course into a fresh virtual environment, at the exact versions of requirements.lock:
# the students' single-user image (deploy/Dockerfile) runs this script, and so does CI
# (tests/test_deploy.py), so the image's install steps cannot rot unseen.
#
#   deploy/install.sh DESTINATION [PYTHON]
#
# DESTINATION: the new environment (e.g. /opt/parcours); PYTHON: the interpreter (default python3).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:?Usage : deploy/install.sh DOSSIER [PYTHON] (DOSSIER : le nouvel environnement, par exemple /opt/parcours)}"
python="${2:-python3}"
if [ -e "$dest" ]; then
    echo "deploy/install.sh : $dest existe déjà ; choisissez un dossier neuf." >&2
    exit 2
fi
"$python" -m venv "$dest"
# The course with the teacher's tools (nbgrader's Assignments tab and Validate, the French
# language pack, the « Vérifier ma copie » service), pinned by the lock.
"$dest/bin/python" -m pip install -q --disable-pip-version-check \
    -c "$here/requirements.lock" "$here[enseignant]"
"$dest/bin/python" -m ipykernel install --sys-prefix --name python3 >/dev/null
# JupyterLab in French by default.
mkdir -p "$dest/share/jupyter/lab/settings"
echo '{"@jupyterlab/translation-extension:plugin": {"locale": "fr_FR"}}' \
    > "$dest/share/jupyter/lab/settings/overrides.json"
echo "Cours installé dans $dest ($("$dest/bin/parcours" --version))."
