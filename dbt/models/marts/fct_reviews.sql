-- One row per valid review (the latest delivery of each review_id).
with

reviews as (

    select * from {{ ref('int_reviews__validated') }}

),

final as (

    select
        -- keys
        review_id,
        product_key,
        customer_id,
        date_key,

        -- attributes
        created_at,
        rating_overall,
        rating_value,
        rating_quality,
        verified_purchase,
        cast(tag_count as bigint) as tag_count,
        cast(helpful_vote_count as bigint) as helpful_vote_count,
        cast(up_vote_count as bigint) as up_vote_count,
        title,
        body,

        -- airbyte metadata
        _airbyte_raw_id

    from reviews
    where quarantine_reason is null

)

select * from final
