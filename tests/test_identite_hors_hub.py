"""Off the hub, a student states their id once (parcours.toml or PARCOURS_IDENTIFIANT); the
grader's PARCOURS_ETUDIANT and the hub's JUPYTERHUB_USER still win."""

from __future__ import annotations

import pytest

from parcours.data.identity import DEMO_STUDENT, current_student


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for var in ("PARCOURS_ETUDIANT", "JUPYTERHUB_USER", "PARCOURS_IDENTIFIANT", "PARCOURS_SECRET"):
        monkeypatch.delenv(var, raising=False)


def test_toml_in_a_parent_folder_names_the_student(tmp_path, monkeypatch):
    (tmp_path / "parcours.toml").write_text('etudiant = "dupont.marie"\n', encoding="utf-8")
    notebooks = tmp_path / "td03"
    notebooks.mkdir()
    monkeypatch.chdir(notebooks)
    assert current_student() == "dupont.marie"


def test_environment_variable_then_hub_then_grader_win(tmp_path, monkeypatch):
    (tmp_path / "parcours.toml").write_text('etudiant = "dupont.marie"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PARCOURS_IDENTIFIANT", "martin.paul")
    assert current_student() == "martin.paul"
    monkeypatch.setenv("JUPYTERHUB_USER", "hub.user")
    assert current_student() == "hub.user"
    monkeypatch.setenv("PARCOURS_ETUDIANT", "auteur.copie")
    assert current_student() == "auteur.copie"


def test_without_anything_it_is_the_demo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert current_student() == DEMO_STUDENT


def test_invalid_id_in_toml_is_a_french_error(tmp_path, monkeypatch):
    (tmp_path / "parcours.toml").write_text('etudiant = "Marie Dupont"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="parcours.toml.*Identifiant étudiant invalide"):
        current_student()


def test_broken_toml_is_a_french_error(tmp_path, monkeypatch):
    (tmp_path / "parcours.toml").write_text("etudiant = dupont\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="illisible.*etudiant = "):
        current_student()


def test_charger_loads_the_stated_students_variant(tmp_path, monkeypatch):
    from parcours import charger

    (tmp_path / "parcours.toml").write_text(
        'etudiant = "dupont.marie"\nsecret = "promo"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    mine = charger("enquete")
    assert mine.equals(charger("enquete", "dupont.marie", secret="promo"))
    assert not mine.equals(charger("enquete", "demo", secret="promo"))
