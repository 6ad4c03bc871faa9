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
        {{ airbyte_metadata_columns() }}

    from source

)

select * from renamed
