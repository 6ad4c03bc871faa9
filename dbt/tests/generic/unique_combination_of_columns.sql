{#
    The combination of the given columns is unique among rows where none of them is null
    (a stand-in for dbt_utils.unique_combination_of_columns; dbt packages are not installed).
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with

validation as (

    select
        {{ combination_of_columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    where
        {% for column in combination_of_columns %}
            {{ column }} is not null{% if not loop.last %} and{% endif %}
        {% endfor %}
    group by {{ combination_of_columns | join(', ') }}

)

select * from validation
where occurrences > 1

{% endtest %}
