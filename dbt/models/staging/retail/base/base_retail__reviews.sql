-- The raw review documents, one row per raw record. Parsing happens before dbt (the parsed source);
-- this model exists so reconciliation counts raw records through the staging layer.
with

source as (

    select * from {{ source('retail', 'reviews') }}

),

renamed as (

    select
        -- attributes
        _airbyte_data as document,

        -- airbyte metadata
        {{ airbyte_metadata_columns() }}

    from source

)

select * from renamed
