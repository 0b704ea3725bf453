"""attribution/_evidence.py's queries live in attribution/sql/ (the project's rule: SQL in a sql/ folder beside
its module), and every package's sql/ folder is declared package data, so a wheel carries it."""

from __future__ import annotations

import ast
import tomllib
from importlib import resources
from pathlib import Path

import pytest

import workbench

ROOT = Path(workbench.__file__).resolve().parent


def test_evidence_queries_are_sql_files_beside_the_module() -> None:
    sql = resources.files("workbench.attribution").joinpath("sql")
    assert {p.name for p in sql.iterdir()} >= {"evidence_error.sql", "evidence_silent.sql"}
    assert "_ev_scope" in sql.joinpath("evidence_error.sql").read_text("utf-8")
    source = (ROOT / "attribution" / "_evidence.py").read_text("utf-8")
    long_texts = [
        n.value
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and "GROUP BY" in n.value
    ]
    assert long_texts == []


def test_every_sql_folder_is_package_data() -> None:
    pyproject = ROOT.parent / "pyproject.toml"
    if not pyproject.exists():
        pytest.skip("an installed wheel: no pyproject.toml to compare with")
    data = tomllib.loads(pyproject.read_text("utf-8"))["tool"]["setuptools"]["package-data"]
    folders = {p.parent.parent for p in ROOT.rglob("sql/*.sql")}
    for folder in folders:
        package = ".".join(folder.relative_to(ROOT.parent).parts)
        assert "sql/*.sql" in data.get(package, []), f"{package}: its sql/*.sql is not declared package data"
