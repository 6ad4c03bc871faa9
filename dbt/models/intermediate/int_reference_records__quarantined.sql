-- Staged customer, product and location records that cannot become a dimension row:
-- unparsable lines and records without their key (or, for customers and products, without the version's
-- updated_at).
-- Together with the dimensions they account for every staged record of these streams.
{%- set streams = {
    'customers': ['customer_id', 'updated_at'],
    'products': ['product_id', 'updated_at'],
    'locations': ['location_id'],
} %}

with

{% for stream, keys in streams.items() %}
    {{ stream }} as (

        select * from {{ ref('stg_retail__' ~ stream) }}

    ),

    {{ stream }}_failures as (

        select
            '{{ stream }}' as stream,
            case
                when is_unparsable then {{ airbyte_parse_error_reason('parse_error_type') }}
                {% for key in keys %}
                    when {{ key }} is null then 'null_{{ key }}'
                {% endfor %}
            end as quarantine_reason,
            case when is_unparsable then parse_error end as detail,
            source_record,
            _airbyte_raw_id,
            _airbyte_extracted_at,
            _ab_source_file_url,
            _ab_source_file_line
        from {{ stream }}
        where is_unparsable or {{ keys | join(' is null or ') }} is null

    ),
{% endfor %}

unioned as (

    {% for stream in streams %}
        select * from {{ stream }}_failures
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from unioned
