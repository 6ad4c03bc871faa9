-- One row per product: its latest record.
with

products as (

    select * from {{ ref('stg_retail__products') }}

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
    where not is_unparsable and product_id is not null

)

select * from final
