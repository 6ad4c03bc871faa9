-- How many records each stream quarantined, per reason: sales (sales_quarantine), reviews (the parser's
-- quarantine and reviews failing dbt's rules) and the reference streams (customers, products, locations).
with

sales_quarantine as (

    select * from {{ ref('sales_quarantine') }}

),

parsed_reviews_quarantine as (

    select * from {{ ref('stg_parsed__reviews_quarantine') }}

),

reviews as (

    select * from {{ ref('int_reviews__validated') }}

),

reference_quarantine as (

    select * from {{ ref('int_reference_records__quarantined') }}

),

quarantined_records as (

    select
        'sales' as stream,
        quarantine_reason as reason
    from sales_quarantine
    union all
    select
        'reviews' as stream,
        quarantine_reason as reason
    from parsed_reviews_quarantine
    union all
    select
        'reviews' as stream,
        quarantine_reason as reason
    from reviews
    where quarantine_reason is not null
    union all
    select
        stream,
        quarantine_reason as reason
    from reference_quarantine

),

final as (

    select
        cast(stream as {{ dbt.type_string() }}) as stream,
        cast(reason as {{ dbt.type_string() }}) as reason,
        cast(count(*) as bigint) as records
    from quarantined_records
    group by stream, reason

)

select * from final
