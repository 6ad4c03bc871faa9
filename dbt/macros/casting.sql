{#
    A cast that yields null instead of failing the build. dbt.safe_cast is a plain cast on DuckDB and,
    on Snowflake, try_cast only accepts text, so numbers are cast to text first there.
#}
{% macro try_cast_number(field, type) -%}
    {{ return(adapter.dispatch('try_cast_number', 'retail_elt')(field, type)) }}
{%- endmacro %}

{% macro default__try_cast_number(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{% macro snowflake__try_cast_number(field, type) -%}
    try_cast(cast({{ field }} as varchar) as {{ type }})
{%- endmacro %}
