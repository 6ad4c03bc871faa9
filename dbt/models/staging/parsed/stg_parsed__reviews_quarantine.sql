-- Raw review documents the parser rejected, one row per raw record, with the contract's reason.
with

source as (

    select * from {{ source('parsed', 'reviews_quarantine') }}

),

renamed as (

    select
        -- attributes
        reason as quarantine_reason,
        detail,
        document as source_record,

        -- airbyte metadata
        _airbyte_raw_id,
        _airbyte_extracted_at,
        _ab_source_file_url,
        _ab_source_file_line

    from source

)

select * from renamed
