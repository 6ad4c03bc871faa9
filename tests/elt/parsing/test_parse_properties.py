"""Random documents around the reviews contract: parsing never crashes and every document is accounted for."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elt.parsing import DuckDBParser
from elt.parsing._duckdb import ContractCompiler

scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=8)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
)
near_contract = st.fixed_dictionaries(
    {"review_id": st.integers(1, 10**6), "product_id": st.integers(1, 99), "customer_id": st.integers(1, 99)},
    optional={
        "created_at": st.sampled_from(["2026-01-01T10:00:00Z", "yesterday", None]),
        "rating": st.fixed_dictionaries({}, optional={"overall": st.integers(-2, 8) | values, "stars": values})
        | values,
        "tags": st.lists(st.text(max_size=5) | values, max_size=3) | values,
        "helpful_votes": st.lists(
            st.fixed_dictionaries(
                {}, optional={"user_id": st.integers(0, 9) | values, "vote": st.sampled_from(["up", "down", "x"])}
            )
            | values,
            max_size=3,
        ),
        "extra": values,
    },
)
documents = st.lists(
    st.builds(json.dumps, near_contract) | st.text(max_size=20) | st.builds(json.dumps, values), min_size=1, max_size=12
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=documents)
def test_any_batch_reconciles(warehouse, contract, land, batch) -> None:
    with warehouse.connect() as con:
        con.execute("delete from raw.reviews")
    land(batch)

    result = DuckDBParser(warehouse).reparse(contract)

    with warehouse.connect(read_only=True) as con:
        (parsed,) = con.execute("select count(*) from parsed.reviews").fetchone()
        (quarantined,) = con.execute("select count(*) from parsed.reviews_quarantine").fetchone()
    assert result.documents == len(batch) == parsed + quarantined == result.parsed + result.quarantined


class _EveryDocumentIncomplete(ContractCompiler):
    """Judges every document with every rule: what the compiler did before complete documents skipped some."""

    def complete(self) -> str:
        return "false"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=documents)
def test_skipping_rules_for_complete_documents_changes_no_verdict(warehouse, contract, land, batch) -> None:
    with warehouse.connect() as con:
        con.execute("delete from raw.reviews")
    land(batch)

    def judged(compiler: ContractCompiler) -> list[tuple]:
        with warehouse.connect() as con:
            con.execute(f"create temp table judged as {compiler.judged_select('$w')}", {"w": "-infinity"})
            con.execute(compiler.repeated_keys_update("judged"))
            rows = con.execute("select _airbyte_raw_id, t::varchar, undeclared, verdict from judged order by 1")
            return rows.fetchall()

    assert judged(ContractCompiler(contract)) == judged(_EveryDocumentIncomplete(contract))
