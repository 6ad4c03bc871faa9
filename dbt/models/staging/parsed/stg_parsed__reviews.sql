-- One row per review: re-delivered documents of a review_id are collapsed, keeping the latest extraction.
-- The parser guarantees review_id (a required field of the contract).
with

reviews as (

    select * from {{ ref('base_parsed__reviews') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by review_id
            order by _airbyte_extracted_at desc, _airbyte_raw_id desc
        ) as delivery_rank
    from reviews

),

deduplicated as (

    select
        -- keys
        review_id,
        product_id,
        customer_id,

        -- attributes
        created_at,
        rating_overall,
        rating_value,
        rating_quality,
        title,
        body,
        verified_purchase,

        -- airbyte metadata
        _airbyte_raw_id,
        _airbyte_extracted_at,
        _ab_source_file_url

    from ranked
    where delivery_rank = 1

)

select * from deduplicated
