{#
    Every model builds into the target schema (the audit build named by ELT_BUILD_SCHEMA).
    A `+schema` config is ignored on purpose: one build must never be split across schemas,
    because the publish step repoints the views in `analytics` to exactly one schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ target.schema | trim }}
{%- endmacro %}
