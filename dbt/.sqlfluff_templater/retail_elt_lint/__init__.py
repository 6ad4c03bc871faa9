"""Stand-ins for this project's macros, so sqlfluff's jinja templater renders models without a warehouse.

sqlfluff lints the rendered SQL (dialect duckdb); these functions return representative DuckDB SQL of the
same shape as the real macros in dbt/macros/. Keep their names and signatures in step with those macros.
"""

from __future__ import annotations


def json_get_text(json_column: str, key: str) -> str:
    return f"json_extract_string({json_column}, '$.{key}')"


def json_array_length_at(json_column: str, key: str) -> str:
    return f"coalesce(json_array_length({json_column}, '$.{key}'), 0)"


def airbyte_record_is_unparsable(meta_column: str = "_airbyte_meta") -> str:
    return f"({json_array_length_at(meta_column, 'changes')} > 0)"


def airbyte_parse_error_columns(meta_column: str = "_airbyte_meta") -> str:
    return f"{airbyte_record_is_unparsable(meta_column)} as is_unparsable"


def airbyte_metadata_columns() -> str:
    return "_airbyte_raw_id"


def latest_delivery(key_columns: list[str], by_file_line: bool = True) -> str:
    return f"qualify row_number() over (partition by {', '.join(key_columns)} order by _airbyte_extracted_at desc) = 1"


def airbyte_parse_error_reason(error_type_column: str = "parse_error_type") -> str:
    return f"case when {error_type_column} = 'CAST' then 'unparsable_value' else 'malformed_line' end"


def try_cast_number(field: str, type_: str) -> str:
    return f"try_cast({field} as {type_})"


def date_spine_from(bounds_relation: str, start_date: str = "start_date", end_date: str = "end_date") -> str:
    return f"select {start_date} as date_day from {bounds_relation}"


def iso_day_of_week(date_expression: str) -> str:
    return f"cast(extract(isodow from {date_expression}) as integer)"


def date_key(date_expression: str) -> str:
    return f"cast(strftime({date_expression}, '%Y%m%d') as integer)"


def epoch_microseconds(timestamp_expression: str) -> str:
    return f"date_diff('microsecond', cast('1970-01-01' as timestamp), {timestamp_expression})"


def beginning_of_time() -> str:
    return "cast('1900-01-01 00:00:00' as timestamp)"


def end_of_time() -> str:
    return "cast('9999-12-31 00:00:00' as timestamp)"


def existing_relation(schema: str, name: str) -> str:
    return f"{schema}.{name}"


def published_store(name: str) -> str:
    return existing_relation("store", name)


def merged_publication(delta: str, withdrawn: str | None = None) -> str:
    return f"select * from {delta}"


def withdrawn_keys(fact: str, validated: str, key_column: str) -> str:
    return f"select {key_column} from {validated} as validated where quarantine_reason is not null"


def in_backfill_window(column: str) -> str:
    return f"cast({column} as date) between cast('2026-01-01' as date) and cast('2026-01-02' as date)"


def dimension_versions(snapshot: str, id_column: str, key_column: str, attributes: list[str]) -> str:
    columns = "".join(f"{attribute}, " for attribute in attributes)
    return (
        f"select md5({id_column} || '|' || valid_from) as {key_column}, {id_column}, {columns}updated_at,"
        " valid_from, valid_to, valid_to is null as is_current, _airbyte_raw_id, _airbyte_extracted_at"
        f" from (select *, {beginning_of_time()} as valid_from,"
        f" lead(updated_at) over (partition by {id_column} order by updated_at) as valid_to"
        f" from {snapshot}) as versions"
    )


def valid_at(versions: str, moment: str) -> str:
    return f"{moment} >= {versions}.valid_from and {moment} < coalesce({versions}.valid_to, {end_of_time()})"


def in_revalidated_sales(sale_id_column: str = "sale_id", file_url_column: str = "_ab_source_file_url") -> str:
    return f"({sale_id_column} is not null or {file_url_column} is not null)"


def latest_delivery_count(relation: str, key_columns: list[str], distinct_keys: str) -> str:
    return f"({distinct_keys} + (select count(*) from {relation} where {key_columns[0]} is null))"


def distinct_keys_count(relation: str, key_columns: list[str], stream: str) -> str:
    return f"(select count(distinct {', '.join(key_columns)}) from {relation})"


def revalidated_sales(sales: str) -> str:
    return f"select * from {sales}"
