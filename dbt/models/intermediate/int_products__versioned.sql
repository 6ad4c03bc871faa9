-- Each product version of the snapshot with the interval in which it was current: [valid_from, valid_to)
-- (macros/versions.sql). A sale or review finds the version valid when it was made.
with

product_snapshot as (

    select * from {{ ref('snp_retail__products') }}

),

final as (

    {{ dimension_versions(
        'product_snapshot', 'product_id', 'product_key',
        ['product_name', 'category', 'subcategory', 'brand', 'list_price']
    ) }}

)

select * from final
