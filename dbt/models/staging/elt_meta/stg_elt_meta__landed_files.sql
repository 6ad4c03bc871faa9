-- One row per landing file ingested into a stream.
with

source as (

    select * from {{ source('elt_meta', 'landed_files') }}

),

renamed as (

    select
        -- keys
        stream,
        file_url,
        batch_id,
        generation_id,

        -- attributes
        checksum,
        records,
        unchanged,
        superseded as is_superseded,
        extracted_at

    from source

)

select * from renamed
