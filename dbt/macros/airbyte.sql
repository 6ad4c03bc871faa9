{#
    Airbyte's record metadata. When the source could not parse a CSV line, Airbyte nulls every declared
    field and records why in _airbyte_meta: {"changes": [...], "error_type": ..., "error": ..., "source_record": ...}.
    These macros turn that into plain columns for the base models.
#}

{# True when Airbyte recorded any change to the record (the record is unparsable). #}
{% macro airbyte_record_is_unparsable(meta_column='_airbyte_meta') -%}
    ({{ json_array_length_at(meta_column, 'changes') }} > 0)
{%- endmacro %}

{# The parse-error columns every base model of a CSV stream carries, in this order. #}
{% macro airbyte_parse_error_columns(meta_column='_airbyte_meta') -%}
    {{ airbyte_record_is_unparsable(meta_column) }} as is_unparsable,
    {{ json_get_text(meta_column, 'error_type') }} as parse_error_type,
    {{ json_get_text(meta_column, 'error') }} as parse_error,
    {{ json_get_text(meta_column, 'source_record') }} as source_record
{%- endmacro %}

{# The quarantine reason for an unparsable record: a value that would not cast, or a malformed line. #}
{% macro airbyte_parse_error_reason(error_type_column='parse_error_type') -%}
    case when {{ error_type_column }} = 'CAST' then 'unparsable_value' else 'malformed_line' end
{%- endmacro %}

{# The Airbyte metadata columns a base model of a file stream carries through, in this order. #}
{% macro airbyte_metadata_columns() -%}
    _airbyte_raw_id,
    _airbyte_extracted_at,
    _airbyte_meta,
    _airbyte_generation_id,
    _ab_source_file_url,
    _ab_source_file_line
{%- endmacro %}

{#
    A qualify clause keeping the latest delivery of each key: the newest extraction, then the last line of its
    file, then the raw id, so the choice is deterministic. A record missing any key column (an unparsable line)
    cannot be matched by key: it is kept when it belongs to the newest version of its file, whose delivery
    lands all such records again (Airbyte's file-based sources re-sync a modified file whole; the embedded sync
    lands every record of a changed file it cannot match by key). So it reaches its quarantine once, and a
    line cut off by a partial copy of a file drops out once the complete file has landed.
#}
{% macro latest_delivery(key_columns, by_file_line=true) -%}
    {%- set line_order = ['_ab_source_file_line desc nulls last'] if by_file_line else [] -%}
    {%- set order_by = ['_airbyte_extracted_at desc'] + line_order + ['_airbyte_raw_id desc'] -%}
    qualify
        case
            when {{ key_columns | join(' is null or ') }} is null
                then _airbyte_extracted_at = max(_airbyte_extracted_at) over (partition by _ab_source_file_url)
            else row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by {{ order_by | join(', ') }}
            ) = 1
        end
{%- endmacro %}

{#
    How many records latest_delivery keeps of `relation` (a scalar subquery), counted without ranking them: one
    per key (`distinct_keys`, from distinct_keys_count), plus each record without a key that belongs to the
    newest version of its file. Reconciliation counts the whole history this way while a build stages only the
    slice it validates (macros/slices.sql).
#}
{% macro latest_delivery_count(relation, key_columns, distinct_keys) -%}
    (
        {{ distinct_keys }}
        + (
            select count(*) from {{ relation }} as keyless
            where
                ({{ key_columns | join(' is null or ') }} is null)
                and keyless._airbyte_extracted_at = (
                    select max(newest._airbyte_extracted_at) from {{ relation }} as newest
                    where newest._ab_source_file_url = keyless._ab_source_file_url
                )
        )
    )
{%- endmacro %}

{#
    How many distinct keys the records of `relation` hold (a scalar subquery). After a publication whose
    reconciliation recorded them for `stream`: that count plus the keys of the records delivered since that no
    earlier record holds, so a build reads the records of the keys that arrived, not every key of the history.
    Only while RAW holds exactly what that count covered (the records then = the records now less those
    delivered since: none removed, none counted early, and a publication to count from); else, as on the first
    build, they are counted whole.
#}
{% macro distinct_keys_count(relation, key_columns, stream) -%}
    {%- set present = key_columns | join(' is not null and ') ~ ' is not null' -%}
    {%- set whole -%}
        (
            select count(*) from (
                select distinct {{ key_columns | join(', ') }} from {{ relation }} where {{ present }}
            ) as keys
        )
    {%- endset -%}
    {%- set previous = existing_relation(var('analytics_schema'), 'rpt_reconciliation') -%}
    {%- if previous is none or key_columns | length != 1 -%}
        {{ return(whole) }}
    {%- endif -%}
    {%- set recorded = adapter.get_columns_in_relation(previous) | map(attribute='name') | map('lower') | list -%}
    {%- if 'distinct_keys' not in recorded -%}
        {{ return(whole) }}
    {%- endif -%}
    {%- set key = key_columns[0] -%}
    {%- set since = delivered_since_publication() -%}
    {%- set delivered = '(select * from ' ~ relation ~ ' where ' ~ present ~ ' and ' ~ since ~ ')' -%}
    {%- set figures = run_query(
        'select in_raw, distinct_keys, (select count(*) from ' ~ relation ~ ')'
        ~ ', (select count(*) from ' ~ relation ~ ' where ' ~ since ~ ')'
        ~ ' from ' ~ previous ~ " where stream = '" ~ stream ~ "'"
    ).rows -%}
    {%- if figures | length != 1 or figures[0][1] is none or figures[0][0] != figures[0][2] - figures[0][3] -%}
        {{ return(whole) }}
    {%- endif -%}
    {%- set incremental -%}
        (
            {{ figures[0][1] }} + (
                select count(*) from (
                    select {{ key }}, count(*) as records from {{ delivered }} as delivered
                    group by {{ key }}
                ) as arrived
                inner join (
                    select {{ key }}, count(*) as records from {{ relation }}
                    where {{ key }} in (select {{ key }} from {{ delivered }} as delivered)
                    group by {{ key }}
                ) as held
                    on arrived.{{ key }} = held.{{ key }}
                where arrived.records = held.records
            )
        )
    {%- endset -%}
    {{ return(incremental) }}
{%- endmacro %}
