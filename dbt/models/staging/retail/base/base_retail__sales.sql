with

source as (

    select * from {{ source('retail', 'sales') }}

),

renamed as (

    select
        -- keys
        sale_id,
        customer_id,
        product_id,
        location_id,

        -- attributes
        sold_at,
        quantity,

        -- amounts: money to cents, the discount as a rate; a value that does not fit becomes null
        -- and the sale is quarantined downstream
        {{ try_cast_number('unit_price', 'decimal(18, 2)') }} as unit_price,
        {{ try_cast_number('discount', 'decimal(5, 4)') }} as discount,
        {{ try_cast_number('tax_amount', 'decimal(18, 2)') }} as tax_amount,

        -- parse errors recorded by airbyte
        {{ airbyte_parse_error_columns('_airbyte_meta') }},

        -- airbyte metadata
        {{ airbyte_metadata_columns() }}

    from source

)

select * from renamed
