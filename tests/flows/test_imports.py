"""The flow module loads neither Great Expectations, dbt nor Snowflake's clients: a run that builds nothing on
the local profile never pays their import (seconds each)."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_flows_loads_no_gate_no_dbt_and_no_snowflake_client() -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, flows.elt; print(sorted(set(sys.modules) & {'great_expectations', 'dbt',"
            " 'snowflake.connector', 'snowflake.snowpark'}))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()

    assert loaded == "[]"
