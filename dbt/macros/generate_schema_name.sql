{#
    Every model builds into the target schema (the audit build named by ELT_BUILD_SCHEMA).
    A `+schema` config is ignored on purpose: one build must never be split across schemas,
    because the publish step repoints the views in `analytics` to exactly one schema.
    Snapshots are the exception: they keep history across builds, so they live in var('snapshot_schema').
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if node.resource_type == 'snapshot' -%}
        {{ var('snapshot_schema') }}
    {%- else -%}
        {{ target.schema | trim }}
    {%- endif -%}
{%- endmacro %}
