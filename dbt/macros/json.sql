{#
    JSON access has no cross-database macro in dbt, so it is dispatched here.
    On DuckDB the column is JSON (or VARCHAR holding JSON); on Snowflake it is a VARIANT.
#}

{# The text value at a top-level key, or null. #}
{% macro json_get_text(json_column, key) -%}
    {{ return(adapter.dispatch('json_get_text', 'retail_elt')(json_column, key)) }}
{%- endmacro %}

{% macro default__json_get_text(json_column, key) -%}
    json_extract_string({{ json_column }}, '$.{{ key }}')
{%- endmacro %}

{#- get_path, not get: Snowflake returns the same text for both, but fakesnow renders get(...)::varchar
    as JSON (with the quotes). -#}
{% macro snowflake__json_get_text(json_column, key) -%}
    get_path({{ json_column }}, '{{ key }}')::varchar
{%- endmacro %}

{# The length of the array at a top-level key; 0 when the key is missing or not an array. #}
{% macro json_array_length_at(json_column, key) -%}
    {{ return(adapter.dispatch('json_array_length_at', 'retail_elt')(json_column, key)) }}
{%- endmacro %}

{% macro default__json_array_length_at(json_column, key) -%}
    coalesce(json_array_length({{ json_column }}, '$.{{ key }}'), 0)
{%- endmacro %}

{% macro snowflake__json_array_length_at(json_column, key) -%}
    coalesce(array_size(get({{ json_column }}, '{{ key }}')), 0)
{%- endmacro %}
