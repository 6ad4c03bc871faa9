{#
    A backfill (the `elt-backfill` flow) passes --vars '{backfill_window: {start: D1, end: D2}}': the incremental
    facts then rebuild every row of that window and publish merges them again, changed or not, so a fix to a
    model's logic reaches the days it names without a full refresh. Outside a backfill this renders `false`.
#}
{% macro in_backfill_window(column) -%}
    {%- set window = var('backfill_window', none) -%}
    {%- if window -%}
        cast({{ column }} as date) between cast('{{ window["start"] }}' as date) and cast('{{ window["end"] }}' as date)
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}
