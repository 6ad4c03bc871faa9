with

source as (

    select * from {{ source('retail', 'locations') }}

),

renamed as (

    select
        -- keys
        location_id,

        -- attributes
        store_name,
        city,
        state,
        region,
        country,
        opened_on,

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
