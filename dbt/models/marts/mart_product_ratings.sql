-- Review statistics per product version (every version, reviewed or not; a review counts for the version
-- valid when it was written), for BI.
with

products as (

    select * from {{ ref('dim_product') }}

),

reviews as (

    select * from {{ ref('fct_reviews') }}

),

review_stats as (

    select
        product_key,
        count(*) as review_count,
        avg(rating_overall) as avg_rating_overall,
        sum(case when verified_purchase then 1 else 0 end) as verified_review_count,
        sum(helpful_vote_count) as helpful_vote_count
    from reviews
    group by product_key

),

final as (

    select
        products.product_key,
        products.product_id,
        products.product_name,
        products.category,
        cast(coalesce(review_stats.review_count, 0) as bigint) as review_count,
        cast(review_stats.avg_rating_overall as double) as avg_rating_overall,
        cast(coalesce(review_stats.verified_review_count, 0) as bigint) as verified_review_count,
        cast(coalesce(review_stats.helpful_vote_count, 0) as bigint) as helpful_vote_count
    from products
    left join review_stats
        on products.product_key = review_stats.product_key

)

select * from final
