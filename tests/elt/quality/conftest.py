"""Fixtures of the gate's tests: a fresh copy of the clean audit build per test, and the gate's settings; or the
settings of a data folder holding such a copy as its warehouse."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from audit_build import MARTS, Warehouse, refresh_reports

from elt.settings import GateSettings, Settings


@pytest.fixture(scope="session")
def clean_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gate-fixture") / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(MARTS)
        refresh_reports(con)
    return path


@pytest.fixture
def warehouse(clean_build: Path, tmp_path: Path) -> Iterator[Warehouse]:
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(clean_build, path)
    yield Warehouse(path, tmp_path / "gx")


@pytest.fixture
def gate_env(monkeypatch: pytest.MonkeyPatch) -> Callable[..., GateSettings]:
    """Settings of the gate as a deployment's environment would give them."""

    def configure(**variables: str) -> GateSettings:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        return GateSettings()

    return configure


@pytest.fixture
def settings(clean_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A data folder whose warehouse is a copy of the clean audit build, as ELT_DATA_DIR."""
    monkeypatch.setenv("ELT_DATA_DIR", str(tmp_path / "data"))
    settings = Settings()
    settings.warehouse_path.parent.mkdir(parents=True)
    shutil.copyfile(clean_build, settings.warehouse_path)
    return settings
