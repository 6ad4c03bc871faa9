-- One row per helpful vote of a parsed review document (joined to its document by _airbyte_raw_id).
with

source as (

    select * from {{ source('parsed', 'review_helpful_votes') }}

),

renamed as (

    select
        -- keys
        review_id,
        vote_position,
        user_id,

        -- attributes
        vote,
        voted_at,

        -- airbyte metadata
        _airbyte_raw_id

    from source

)

select * from renamed
