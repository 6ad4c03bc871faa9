"""The publication gate: Great Expectations suites on the audit build, pushed down to the warehouse as SQL."""

from elt.quality._gate import FailedExpectation, GateVerdict, data_docs_site, run_gate
from elt.quality._suites import SuiteContext, dbt_project_var, mart_suites

__all__ = [
    "FailedExpectation",
    "GateVerdict",
    "SuiteContext",
    "data_docs_site",
    "dbt_project_var",
    "mart_suites",
    "run_gate",
]
