-- One row per product: its current version in the products snapshot.
with

products as (

    select * from {{ ref('snp_retail__products') }}

),

final as (

    select
        -- keys
        {{ dbt.hash('product_id') }} as product_key,
        product_id,

        -- attributes
        product_name,
        category,
        subcategory,
        brand,
        list_price,
        updated_at

    from products
    where dbt_valid_to is null

)

select * from final
