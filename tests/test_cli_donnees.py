"""``parcours donnees``: what it writes, and what it says on bad input (French, exit 2, no files)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from parcours.cli import main
from parcours.data import DATASET_NAMES, charger

pytestmark = pytest.mark.xdist_group("cli")

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "parcours.cli", *args], capture_output=True, text=True, cwd=ROOT
    )


def test_writes_every_dataset_and_the_dictionary(tmp_path, capsys):
    assert main(["donnees", "--etudiant", "dupont.marie", "--sortie", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([f"{n}.csv" for n in DATASET_NAMES] + ["DICTIONNAIRE.md"])
    for name in DATASET_NAMES:
        assert f"écrit : {tmp_path / (name + '.csv')}" in out
        written = pd.read_csv(tmp_path / f"{name}.csv")
        expected = charger(name, "dupont.marie")
        assert list(written.columns) == list(expected.columns)
        assert len(written) == len(expected)
    dictionary = (tmp_path / "DICTIONNAIRE.md").read_text(encoding="utf-8")
    assert "# Dictionnaire des données" in dictionary
    assert "| `note_nps` |" in dictionary


def test_parquet_and_size(tmp_path):
    assert (
        main(["donnees", "--sortie", str(tmp_path), "--format", "parquet", "--taille", "0.5"]) == 0
    )
    frame = pd.read_parquet(tmp_path / "enquete.parquet")
    assert len(frame) < len(charger("enquete")) * 0.7
    assert isinstance(frame["canal"].dtype, pd.CategoricalDtype)


def test_demo_datasets_in_the_repository_are_up_to_date(tmp_path):
    assert main(["donnees", "--sortie", str(tmp_path)]) == 0
    for path in sorted(tmp_path.iterdir()):
        committed = ROOT / "datasets" / path.name
        assert committed.read_bytes() == path.read_bytes(), (
            f"datasets/{path.name} n'est pas à jour : lancez `make datasets`."
        )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--etudiant", ""], "Identifiant étudiant vide"),
        (["--etudiant", "élève un"], "Identifiant étudiant invalide"),
        (["--taille", "-2"], "Taille hors limites"),
        (["--taille", "1e6"], "Taille hors limites"),
        (["--taille", "beaucoup"], "argument --taille : valeur invalide"),
        (["--format", "xlsx"], "choix invalide : 'xlsx' (choix possibles : 'csv', 'parquet')"),
    ],
)
def test_bad_input_exits_2_in_french_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "sortie"
    result = run_cli("donnees", "--sortie", str(out), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_unwritable_output_folder(tmp_path):
    blocker = tmp_path / "fichier"
    blocker.write_text("pas un dossier")
    result = run_cli("donnees", "--sortie", str(blocker / "sous_dossier"))
    assert result.returncode == 2
    assert "Impossible de créer le dossier" in result.stderr
    assert "Traceback" not in result.stderr
    assert blocker.read_text() == "pas un dossier"


def test_failed_write_leaves_previous_files_untouched(tmp_path, monkeypatch):
    main(["donnees", "--sortie", str(tmp_path)])
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def broken(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(ValueError, match="plus d'espace disque"):
        from parcours.commands.donnees import write_datasets

        write_datasets(output=tmp_path, student="autre.etudiant")
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after == before


def test_no_command_prints_help_and_exits_2():
    result = run_cli()
    assert result.returncode == 2
    assert "utilisation : parcours" in result.stdout
