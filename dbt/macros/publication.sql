{#
    Incremental facts under write-audit-publish. A fact's rows live in the store schema (var store_schema),
    which only the publish step writes. A build writes the fact's delta (`<fact>_delta`, incremental, with the
    fact's unique_key and meta.publish.merge_into) and the audit view `<fact>`: what analytics will show once
    publish has merged the delta into the store by that key.
#}

{#
    A relation outside the build (in the store, or in analytics), or none while it does not exist. Compiling
    with --no-introspect (no warehouse connection) renders the models as on the first publication.
#}
{% macro existing_relation(schema, name) -%}
    {%- if execute and flags.INTROSPECT -%}
        {{ return(adapter.get_relation(database=this.database, schema=schema, identifier=name)) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#
    The store table of a published fact, or none before its first publication (a view of that name, as a
    relation published before it became incremental is, is no store: the fact is built whole once).
#}
{% macro published_store(name) -%}
    {%- set relation = existing_relation(var('store_schema'), name) -%}
    {{ return(relation if relation is not none and relation.is_table else none) }}
{%- endmacro %}

{# A delta model's unique key, as a list of columns. #}
{% macro unique_key_of(delta) -%}
    {%- set node = graph.nodes.values() | selectattr('name', 'equalto', delta.identifier) | first -%}
    {%- set key = node.config.unique_key -%}
    {{ return([key] if key is string else key) }}
{%- endmacro %}

{# "left.k = right.k" for every column of a key, joined by "and". #}
{% macro key_matches(columns, left, right) -%}
    {%- for column in columns -%}
        {%- if not loop.first %} and {% endif -%}
        {{ left }}.{{ column }} = {{ right }}.{{ column }}
    {%- endfor -%}
{%- endmacro %}

{#
    The would-be publication of this fact: store rows the delta does not supersede, then the delta. Store rows
    whose key is in `withdrawn` (a relation of keys, for facts that can lose rows) are left out too.
#}
{% macro merged_publication(delta, withdrawn=none) -%}
    {%- set store = published_store(this.identifier) -%}
    {%- if store is not none %}
    {%- set key = unique_key_of(delta) %}
    select published.* from {{ store }} as published
    where
        not exists (
            select 1 from {{ delta }} as delta
            where {{ key_matches(key, 'delta', 'published') }}
        )
        {% if withdrawn is not none %}
            and not exists (
                select 1 from {{ withdrawn }} as withdrawn
                where {{ key_matches(key, 'withdrawn', 'published') }}
            )
        {% endif %}
    union all
    {% endif %}
    select * from {{ delta }}
{%- endmacro %}

{#
    The keys of a published fact's rows whose latest delivery is quarantined now, from `validated` (one row per
    key, with quarantine_reason). Publishing deletes them from the store (meta.publish.withdraw_from), so a
    record never has two outcomes; a later valid delivery publishes it again.
#}
{% macro withdrawn_keys(fact, validated, key_column) -%}
    {%- set store = published_store(fact) %}
    select {{ key_column }} from {{ validated }} as validated
    where
        quarantine_reason is not null
        and {{ key_column }} is not null
        {% if store is not none %}
            and exists (
                select 1 from {{ store }} as published
                where published.{{ key_column }} = validated.{{ key_column }}
            )
        {% else %}
            and false
        {% endif %}
{%- endmacro %}
