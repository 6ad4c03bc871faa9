-- One row per product version (type-2 history). Sales and reviews find the version valid when they were made.
with

product_versions as (

    select * from {{ ref('int_products__versioned') }}

),

final as (

    select
        -- keys
        product_key,
        product_id,

        -- attributes
        product_name,
        category,
        subcategory,
        brand,
        list_price,
        updated_at,

        -- validity
        valid_from,
        valid_to,
        is_current,

        -- airbyte metadata
        _airbyte_raw_id

    from product_versions

)

select * from final
