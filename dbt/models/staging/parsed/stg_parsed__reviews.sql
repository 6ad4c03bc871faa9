-- One row per review: re-delivered documents of a review_id are collapsed, keeping the latest extraction.
-- The parser guarantees review_id (a required field of the contract).
with

reviews as (

    select * from {{ ref('base_parsed__reviews') }}

),

deduplicated as (

    select * from reviews
    {{ latest_delivery(['review_id'], by_file_line=false) }}

)

-- The base model declares the columns.
select * from deduplicated  -- noqa: AM04
