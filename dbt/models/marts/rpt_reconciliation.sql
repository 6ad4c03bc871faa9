-- One row per catalogue stream: what landed, what reached raw and where every raw record went.
-- Invariants the quality gate checks: landed = in_raw and in_raw = duplicates + valid + quarantined.
--   in_raw       raw records (the raw table through its base model)
--   duplicates   records collapsed by staging's deduplication (re-deliveries, superseded versions)
--   valid        rows of the stream's final model
--   quarantined  records set aside with a reason (rpt_quarantine_reasons)
--   distinct_keys  the keys RAW's records hold, where staging keeps the latest delivery of each key; the next
--                  build counts from it (macros/airbyte.sql distinct_keys_count); null where staging is counted
{%- set streams = [
    {'stream': 'customers', 'raw': 'base_retail__customers', 'before_dedup': 'base_retail__customers',
     'staged': 'stg_retail__customers', 'valid': 'dim_customer'},
    {'stream': 'products', 'raw': 'base_retail__products', 'before_dedup': 'base_retail__products',
     'staged': 'stg_retail__products', 'valid': 'dim_product'},
    {'stream': 'locations', 'raw': 'base_retail__locations', 'before_dedup': 'base_retail__locations',
     'staged': 'stg_retail__locations', 'valid': 'dim_location'},
    {'stream': 'sales', 'raw': 'base_retail__sales', 'before_dedup': 'base_retail__sales',
     'latest_of': ['sale_id'], 'valid': 'fct_sales'},
    {'stream': 'reviews', 'raw': 'base_retail__reviews', 'before_dedup': 'base_parsed__reviews',
     'staged': 'stg_parsed__reviews', 'valid': 'fct_reviews'},
] %}

with

landed_files as (

    select * from {{ ref('stg_elt_meta__landed_files') }}

),

quarantine_reasons as (

    select * from {{ ref('rpt_quarantine_reasons') }}

),

{% for s in streams %}
    {%- set distinct_keys = distinct_keys_count(ref(s.before_dedup), s.latest_of, s.stream) if s.latest_of %}
    {{ s.stream }}_counts as (

        select
            '{{ s.stream }}' as stream,
            (select count(*) from {{ ref(s.raw) }}) as in_raw,
            (select count(*) from {{ ref(s.before_dedup) }})
            - {% if s.latest_of -%}
                {{ latest_delivery_count(ref(s.before_dedup), s.latest_of, distinct_keys) }}
            {%- else -%}
                (select count(*) from {{ ref(s.staged) }})
            {%- endif %} as duplicates,
            (select count(*) from {{ ref(s.valid) }}) as valid,
            {{ distinct_keys or 'null' }} as distinct_keys

    ),
{% endfor %}

stream_counts as (

    {% for s in streams %}
        select * from {{ s.stream }}_counts
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

landed as (

    select
        stream,
        sum(records) as landed
    from landed_files
    where not coalesce(is_superseded, false)
    group by stream

),

quarantined as (

    select
        stream,
        sum(records) as quarantined
    from quarantine_reasons
    group by stream

),

final as (

    select
        cast(stream_counts.stream as {{ dbt.type_string() }}) as stream,
        cast(coalesce(landed.landed, 0) as bigint) as landed,
        cast(stream_counts.in_raw as bigint) as in_raw,
        cast(stream_counts.duplicates as bigint) as duplicates,
        cast(stream_counts.valid as bigint) as valid,
        cast(coalesce(quarantined.quarantined, 0) as bigint) as quarantined,
        cast(coalesce(quarantined.quarantined, 0) as double)
        / nullif(stream_counts.in_raw - stream_counts.duplicates, 0) as quarantine_rate,
        cast(stream_counts.distinct_keys as bigint) as distinct_keys
    from stream_counts
    left join landed
        on stream_counts.stream = landed.stream
    left join quarantined
        on stream_counts.stream = quarantined.stream

)

select * from final
