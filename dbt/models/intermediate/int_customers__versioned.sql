-- Each customer version of the snapshot with the interval in which it was current: [valid_from, valid_to)
-- (macros/versions.sql).
with

customer_snapshot as (

    select * from {{ ref('snp_retail__customers') }}

),

final as (

    {{ dimension_versions(
        'customer_snapshot', 'customer_id', 'customer_key',
        ['first_name', 'last_name', 'email', 'city', 'state', 'country', 'signup_date']
    ) }}

)

select * from final
