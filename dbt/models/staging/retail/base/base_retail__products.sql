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
        _airbyte_raw_id,
        _airbyte_extracted_at,
        _airbyte_meta,
        _airbyte_generation_id,
        _ab_source_file_url,
        _ab_source_file_line

    from source

)

select * from renamed
