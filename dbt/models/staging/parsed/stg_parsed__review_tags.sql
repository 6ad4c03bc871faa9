-- One row per tag of a parsed review document. Tags belong to the raw document (_airbyte_raw_id),
-- so the tags of a superseded delivery are dropped where documents are joined, by raw id.
with

source as (

    select * from {{ source('parsed', 'review_tags') }}

),

renamed as (

    select
        -- keys
        review_id,
        tag_position,

        -- attributes
        tag,

        -- airbyte metadata
        _airbyte_raw_id

    from source

)

select * from renamed
