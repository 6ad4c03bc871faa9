with

source as (

    select * from {{ source('retail', 'products') }}

),

renamed as (

    select
        -- keys
        product_id,

        -- attributes
        product_name,
        category,
        subcategory,
        brand,
        {{ try_cast_number('unit_price', 'decimal(18, 2)') }} as list_price,
        updated_at,

        -- parse errors recorded by airbyte
        {{ airbyte_parse_error_columns('_airbyte_meta') }},

        -- airbyte metadata
        {{ airbyte_metadata_columns() }}

    from source

)

select * from renamed
