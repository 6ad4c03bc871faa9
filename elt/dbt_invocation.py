"""dbt invoked in this process on one audit build, with the warehouse's target in its environment."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dbt.cli.main import dbtRunnerResult

    from elt.settings import Settings
    from elt.warehouse import Warehouse


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """dbt's profile reads the target from env_var(); set it for the invocation only."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def project_vars(settings: Settings) -> dict[str, Any]:
    """The vars every dbt command of the project is given (``--vars``): ``field_types``, the SQL type of each
    catalogue field (``<stream>.<field>``) and each parsing contract column (``<table>.<column>``). dbt's sources
    and mart contracts read their types from it, so a type is written only where the data is declared."""
    from elt.catalog import load_catalog
    from elt.parsing import load_contracts

    catalog = load_catalog(settings.catalog_path)
    types = catalog.sql_types()
    for contract in load_contracts(settings.contracts_dir, catalog):
        tables = [(contract.table, contract.columns)] + [(a.table, a.columns or (a.value,)) for a in contract.arrays]
        types |= {f"{table}.{column.name}": column.type for table, columns in tables for column in columns}
    return {"field_types": types}


def invoke_dbt(
    warehouse: Warehouse,
    build_schema: str,
    arguments: Sequence[str],
    callbacks: Sequence[Callable[[Any], None]] = (),
) -> dbtRunnerResult:
    """Run one dbt command on ``build_schema``, then release what dbt's adapter keeps open in the process (on
    DuckDB, the file: nothing else here could open it until then). dbt takes seconds to import: only when called.
    """
    from dbt.cli.main import dbtRunner

    with _environment(warehouse.dbt_env(build_schema)):
        try:
            return dbtRunner(callbacks=list(callbacks)).invoke(list(arguments))
        finally:
            warehouse.release_dbt_connections()
