{#
    Every row satisfies a boolean SQL expression (a stand-in for dbt_utils.expression_is_true).
#}
{% test expression_is_true(model, expression) %}

select * from {{ model }}
where not coalesce({{ expression }}, false)

{% endtest %}
