"""Every catalogue stream has an Airbyte connection stream with the same sync mode, cursor and primary key."""

from __future__ import annotations

import json
from pathlib import Path

import hcl2
import pytest
import yaml
from tf_helpers import CATALOG, ENVS, MODULES, REPO, TERRAFORM_DIR, load_module, run, unquote

from elt.catalog import load_catalog

# Catalogue sync_mode -> what it means in the Airbyte API's ConnectionSyncModeEnum.
EXPECTED_PROVIDER_MODE = {
    "full_refresh_overwrite": "full_refresh_overwrite",
    "incremental_append": "incremental_append",
    "incremental_append_dedup": "incremental_deduped_history",
}
PROVIDER_SYNC_MODES = {
    "full_refresh_overwrite",
    "full_refresh_overwrite_deduped",
    "full_refresh_append",
    "incremental_append",
    "incremental_deduped_history",
}


def expected_connection_streams(catalog: dict) -> dict[str, dict]:
    return {
        s["name"]: {
            "sync_mode": EXPECTED_PROVIDER_MODE[s["sync_mode"]],
            "cursor_field": [s["cursor_field"]] if "cursor_field" in s else None,
            "primary_key": [[k] for k in s.get("primary_key", [])],
        }
        for s in catalog["streams"]
    }


def stream_drift(catalog: dict, connection_streams: list[dict]) -> list[str]:
    """What differs between the catalogue and the connection's streams; empty when they agree."""
    expected = expected_connection_streams(catalog)
    actual = {s["name"]: s for s in connection_streams}
    problems = [f"{name}: missing from the connection" for name in expected.keys() - actual.keys()]
    problems += [f"{name}: not in the catalogue" for name in actual.keys() - expected.keys()]
    for name in expected.keys() & actual.keys():
        for field, want in expected[name].items():
            got = actual[name].get(field)
            if field == "cursor_field" and not got:
                got = None
            if got != want:
                problems.append(f"{name}: {field} is {got!r}, catalogue says {want!r}")
    return problems


def test_sync_mode_map_covers_the_catalogue(catalog):
    """The locals map in the HCL sends each catalogue mode to the provider enum with the same meaning."""
    sync_modes = load_module(MODULES / "stream_catalog")["locals"]["sync_modes"]
    for stream in catalog["streams"]:
        mode = stream["sync_mode"]
        assert mode in sync_modes, f"{stream['name']}: sync mode {mode} has no provider mapping"
        assert sync_modes[mode] in PROVIDER_SYNC_MODES, f"{sync_modes[mode]} is not an Airbyte sync mode"
        assert sync_modes[mode] == EXPECTED_PROVIDER_MODE[mode], f"{mode} maps to {sync_modes[mode]}"
        if mode.startswith("incremental"):
            assert "cursor_field" in stream, f"{stream['name']}: incremental without a cursor"
        if mode.endswith("dedup"):
            assert stream.get("primary_key"), f"{stream['name']}: deduplicated without a primary key"


def test_connection_streams_expression_reads_the_catalogue():
    """The connection takes its streams from the catalogue module, and that module from catalog.yml fields."""
    catalog_locals = load_module(MODULES / "stream_catalog")["locals"]
    assert catalog_locals["catalog"] == "${yamldecode(file(var.catalog_path))}"
    builder = catalog_locals["connection_streams"]
    for fragment in ("local.sync_modes[s.sync_mode]", "s.cursor_field", "s.primary_key", "local.streams"):
        assert fragment in builder, f"connection_streams does not use {fragment}"

    airbyte = load_module(MODULES / "airbyte")
    assert airbyte["module"]["catalog"]["source"] == "../stream_catalog"
    assert airbyte["module"]["catalog"]["catalog_path"] == "${var.catalog_path}"
    connection = airbyte["resource"][("airbyte_connection", "landing_to_raw")]
    assert connection["configurations"]["streams"] == "${module.catalog.connection_streams}"
    assert connection["schedule"]["schedule_type"] == "manual", "Prefect triggers syncs; Airbyte must not schedule"
    assert connection["non_breaking_schema_updates_behavior"] == (
        "${module.catalog.non_breaking_schema_updates_behavior}"
    ), "the schema change setting follows the catalogue's undeclared_columns"
    source = airbyte["resource"][("airbyte_source_s3", "landing")]
    assert "module.catalog.source_streams" in source["configuration"]["streams"]


@pytest.mark.parametrize("env", ENVS)
def test_envs_pass_the_repository_catalogue(env):
    shared = load_module(TERRAFORM_DIR / "envs" / env)
    raw = shared["locals"]["catalog_path"]
    assert raw.startswith("${path.root}/")
    resolved = (TERRAFORM_DIR / "envs" / env / raw.removeprefix("${path.root}/")).resolve()
    assert resolved == CATALOG.resolve()
    assert shared["module"]["airbyte"]["catalog_path"] == "${local.catalog_path}"


def test_terraform_evaluates_the_catalogue_into_matching_streams(catalog, initialised, terraform):
    """Terraform itself evaluates the module on the real catalogue; the result must match it exactly."""
    result = run(
        [terraform, "console", "-no-color", f"-var=catalog_path={CATALOG}"],
        initialised["stream_catalog"],
        stdin="jsonencode(local.connection_streams)\n",
    )
    assert result.returncode == 0, result.stderr
    streams = json.loads(json.loads(result.stdout.strip()))
    assert stream_drift(catalog, streams) == []


@pytest.mark.parametrize(
    ("policies", "behavior"),
    [({}, "ignore"), ({"sales": "ignore"}, "ignore"), ({"sales": "fail"}, "disable_connection")],
)
def test_undeclared_columns_set_the_connections_schema_change_behavior(
    catalog, initialised, terraform, tmp_path, *, policies, behavior
):
    """Per connection in Airbyte: any stream with ``fail`` disables the connection on a change, else ``ignore``."""
    streams = [
        {**s, "undeclared_columns": policies[s["name"]]} if s["name"] in policies else s for s in catalog["streams"]
    ]
    path = tmp_path / "catalog.yml"
    path.write_text(yaml.safe_dump({**catalog, "streams": streams}))
    result = run(
        [terraform, "console", "-no-color", f"-var=catalog_path={path}"],
        initialised["stream_catalog"],
        stdin="local.non_breaking_schema_updates_behavior\n",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip()) == behavior


def test_drift_is_detected(catalog):
    """The comparison fails on a missing stream, a wrong mode, cursor or key (so the tests above can fail)."""
    good = [{"name": n, **v} for n, v in expected_connection_streams(catalog).items()]
    assert stream_drift(catalog, good) == []
    bad = [dict(s) for s in good[1:]]
    bad[0]["sync_mode"] = "full_refresh_append"
    bad[1]["cursor_field"] = ["nope"]
    bad[2]["primary_key"] = [["a", "b"]]
    problems = stream_drift(catalog, bad)
    assert len(problems) == 4, problems
    assert any("missing" in p for p in problems)


def test_catalogue_path_is_inside_the_repository():
    assert Path(REPO / "airbyte" / "catalog.yml") == CATALOG and CATALOG.exists()


def test_the_connection_is_named_as_the_catalogue_says():
    """The cloud sync finds the connection by the name the catalogue gives; Terraform must create that name."""
    with (MODULES / "naming" / "outputs.tf").open() as handle:
        outputs = {name: body for block in unquote(hcl2.load(handle))["output"] for name, body in block.items()}
    assert outputs["airbyte"]["value"]["connection"] == load_catalog(CATALOG).connection_name("${local.prefix}")
