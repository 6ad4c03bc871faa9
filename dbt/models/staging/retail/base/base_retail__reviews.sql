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
        _airbyte_raw_id,
        _airbyte_extracted_at,
        _airbyte_meta,
        _airbyte_generation_id,
        _ab_source_file_url,
        _ab_source_file_line

    from source

)

select * from renamed
