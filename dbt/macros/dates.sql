{#
    Calendar helpers with no cross-database macro in dbt.
#}

{#
    One row per day from start_date to end_date inclusive, in a column named date_day.
    `bounds_relation` is a relation or CTE name with the columns named by start_date and end_date
    (one row); an empty or null range yields no rows.
#}
{% macro date_spine_from(bounds_relation, start_date='start_date', end_date='end_date') -%}
    {{ return(adapter.dispatch('date_spine_from', 'retail_elt')(bounds_relation, start_date, end_date)) }}
{%- endmacro %}

{% macro default__date_spine_from(bounds_relation, start_date, end_date) -%}
    select cast(series.date_day as date) as date_day
    from (
        select
            unnest(generate_series(
                cast({{ bounds_relation }}.{{ start_date }} as timestamp),
                cast({{ bounds_relation }}.{{ end_date }} as timestamp),
                interval 1 day
            )) as date_day
        from {{ bounds_relation }}
    ) as series
{%- endmacro %}

{% macro snowflake__date_spine_from(bounds_relation, start_date, end_date) -%}
    {#- The cast is a no-op on Snowflake (dateadd of days to a date is a date); fakesnow returns a timestamp. -#}
    {%- set first_day = bounds_relation ~ '.' ~ start_date -%}
    {%- set last_day = bounds_relation ~ '.' ~ end_date -%}
    select cast({{ dbt.dateadd('day', 'offsets.value::integer', first_day) }} as date) as date_day
    from {{ bounds_relation }},
        lateral flatten(input => array_generate_range(0, {{ dbt.datediff(first_day, last_day, 'day') }} + 1)) as offsets
{%- endmacro %}

{# ISO day of the week: Monday = 1 ... Sunday = 7. #}
{% macro iso_day_of_week(date_expression) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'retail_elt')(date_expression)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date_expression) -%}
    cast(extract(isodow from {{ date_expression }}) as integer)
{%- endmacro %}

{% macro snowflake__iso_day_of_week(date_expression) -%}
    cast(dayofweekiso({{ date_expression }}) as integer)
{%- endmacro %}

{# The integer yyyymmdd key of a date or timestamp (null stays null). #}
{% macro date_key(date_expression) -%}
    cast(
        extract(year from {{ date_expression }}) * 10000
        + extract(month from {{ date_expression }}) * 100
        + extract(day from {{ date_expression }})
        as integer
    )
{%- endmacro %}

{#
    A timestamp as microseconds since 1970-01-01: the same number on every engine, whatever the session's
    output format. Surrogate keys hash this, never a timestamp's text, which DuckDB and Snowflake (after its
    TIMESTAMP_OUTPUT_FORMAT) write differently.
#}
{% macro epoch_microseconds(timestamp_expression) -%}
    {{ dbt.datediff("cast('1970-01-01' as timestamp)", timestamp_expression, 'microsecond') }}
{%- endmacro %}

{# Far ends of time used for open validity intervals. #}
{% macro beginning_of_time() -%}
    cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro end_of_time() -%}
    cast('9999-12-31 00:00:00' as {{ dbt.type_timestamp() }})
{%- endmacro %}
