"""Every schema grants exactly the roles the design gives it; users have key pairs and no passwords."""

from __future__ import annotations

from tf_helpers import MODULES, load_module

# From the design: LOADER (Airbyte) writes RAW; TRANSFORMER (Prefect, dbt, Snowpark) reads RAW and
# writes the rest, and publishes; REPORTER (BI) reads ANALYTICS only.
DESIGN_ACCESS = {
    "RAW": {"LOADER": "write", "TRANSFORMER": "read"},
    "PARSED": {"TRANSFORMER": "write"},
    "AUDIT": {"TRANSFORMER": "write"},
    "ANALYTICS": {"TRANSFORMER": "write", "REPORTER": "read"},
}
READ_ONLY = {"USAGE", "SELECT", "REFERENCES"}

SNOWFLAKE = load_module(MODULES / "snowflake")
LOCALS = SNOWFLAKE["locals"]
GRANT = "snowflake_grant_privileges_to_account_role"


def test_schemas_are_the_four_layers():
    assert LOCALS["schemas"] == '${toset(["RAW", "PARSED", "AUDIT", "ANALYTICS"])}'
    assert set(LOCALS["schema_access"]) == set(DESIGN_ACCESS)


def test_each_schema_grants_exactly_the_design_roles():
    assert LOCALS["schema_access"] == DESIGN_ACCESS


def test_schema_grants_come_only_from_the_access_matrix():
    """No grant on a schema or its objects is written by hand beside the matrix."""
    assert "local.schema_access" in LOCALS["schema_grants"]
    assert "local.schema_grants" in LOCALS["future_grants"]
    for (type_, name), body in SNOWFLAKE["resource"].items():
        if type_ == GRANT and ("on_schema" in body or "on_schema_object" in body):
            assert body["for_each"] in ("${local.schema_grants}", "${local.future_grants}"), name


def test_future_grants_cover_tables_and_views():
    grant = SNOWFLAKE["resource"][(GRANT, "future")]
    assert "future" in str(grant["on_schema_object"])
    assert '["TABLES", "VIEWS"]' in LOCALS["future_grants"]


def test_read_level_cannot_write():
    privileges = LOCALS["privileges"]
    for objects, granted in privileges["read"].items():
        assert set(granted) <= READ_ONLY, f"read grants {granted} on {objects}"
    assert "INSERT" in privileges["write"]["TABLES"]


def test_service_users_use_key_pairs_only():
    user = SNOWFLAKE["resource"][("snowflake_service_user", "this")]
    assert user["rsa_public_key"] == "${var.rsa_public_keys[each.key]}"
    assert not {"password", "login_name_password"} & set(user)


def test_warehouses_suspend_and_are_monitored():
    warehouse = SNOWFLAKE["resource"][("snowflake_warehouse", "this")]
    assert warehouse["auto_suspend"] == "${each.value.auto_suspend}"
    assert warehouse["auto_resume"] is True
    assert "snowflake_resource_monitor.this" in warehouse["resource_monitor"]


def test_transformer_owns_analytics_so_publish_can_swap_it():
    ownership = SNOWFLAKE["resource"][("snowflake_grant_ownership", "analytics")]
    assert ownership["account_role_name"] == '${snowflake_account_role.this["TRANSFORMER"].name}'
    assert ownership["on"][0]["object_name"] == '${snowflake_schema.this["ANALYTICS"].fully_qualified_name}'
    assert ownership["outbound_privileges"] == "COPY"
