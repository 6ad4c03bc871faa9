{#
    Type-2 dimensions built from a snapshot that keeps one row per (id, updated_at). Customers and products
    share these, so every dimension version and every point-in-time lookup follows the same rules.
#}

{#
    Each version of the snapshot with the interval in which it was current, [valid_from, valid_to): the first
    version of an id is valid from the beginning of time, so a fact older than the first known update still
    finds it; the current version has no valid_to. The key hashes the id and valid_from (as a number, the same
    on every engine), so a version keeps its key across builds and a new version gets a new one. `snapshot` is
    a relation or a CTE name.
#}
{% macro dimension_versions(snapshot, id_column, key_column, attributes) -%}
    {%- set as_string = ' as ' ~ dbt.type_string() ~ ')' -%}
    {%- set valid_from_number = 'cast(' ~ epoch_microseconds('valid_from') ~ as_string -%}
    select
        -- keys
        {{ dbt.hash(dbt.concat(['cast(' ~ id_column ~ as_string, "'|'", valid_from_number])) }}
            as {{ key_column }},
        {{ id_column }},

        -- attributes
        {% for attribute in attributes %}{{ attribute }}, {% endfor %}updated_at,

        -- validity
        valid_from,
        valid_to,
        valid_to is null as is_current,

        -- airbyte metadata
        _airbyte_raw_id,
        _airbyte_extracted_at

    from (
        select
            *,
            case
                when row_number() over (partition by {{ id_column }} order by updated_at) = 1
                    then {{ beginning_of_time() }}
                else updated_at
            end as valid_from,
            lead(updated_at) over (partition by {{ id_column }} order by updated_at) as valid_to
        from {{ snapshot }}
    ) as versions
{%- endmacro %}

{# The join condition that picks the version of `versions` valid at `moment`: valid_from <= moment < valid_to. #}
{% macro valid_at(versions, moment) -%}
    {{ moment }} >= {{ versions }}.valid_from
    and {{ moment }} < coalesce({{ versions }}.valid_to, {{ end_of_time() }})
{%- endmacro %}
