{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='review_id',
    contract={'enforced': false},
    meta={'publish': {'merge_into': 'fct_reviews', 'day_column': 'created_at'}},
) }}
-- The fct_reviews rows this build adds or replaces: valid reviews whose latest delivery is not the published
-- one (new reviews, corrected re-deliveries, reviews released once their product arrived, a new product
-- version valid at created_at). Publishing merges them into the store by review_id.
{%- set store = published_store('fct_reviews') %}
with

reviews as (

    select * from {{ ref('int_reviews__validated') }}

),

changed_reviews as (

    select * from reviews
    where
        quarantine_reason is null
        {%- if store is not none %}
            and (
                {{ in_backfill_window('created_at') }}
                or not exists (
                    select 1 from {{ store }} as published
                    where
                        published.review_id = reviews.review_id
                        and published._airbyte_raw_id = reviews._airbyte_raw_id
                        and published.product_key = reviews.product_key
                )
            )
        {%- endif %}

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

    from changed_reviews

)

select * from final
