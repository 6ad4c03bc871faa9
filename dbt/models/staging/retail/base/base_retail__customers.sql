with

source as (

    select * from {{ source('retail', 'customers') }}

),

renamed as (

    select
        -- keys
        customer_id,

        -- attributes
        first_name,
        last_name,
        email,
        city,
        state,
        country,
        signup_date,
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
