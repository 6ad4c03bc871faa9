-- Every staged review with the key of the product version valid at created_at, tag and helpful-vote counts,
-- and the first rule it fails (null when valid): null_product_id, unknown_product_id. Tags and votes are
-- counted for the review's own raw document, so a superseded delivery's arrays do not count twice.
with

reviews as (

    select * from {{ ref('stg_parsed__reviews') }}

),

tags as (

    select * from {{ ref('stg_parsed__review_tags') }}

),

helpful_votes as (

    select * from {{ ref('stg_parsed__review_helpful_votes') }}

),

product_versions as (

    select * from {{ ref('int_products__versioned') }}

),

known_products as (

    select distinct product_id from product_versions

),

tag_counts as (

    select
        _airbyte_raw_id,
        count(*) as tag_count
    from tags
    group by _airbyte_raw_id

),

vote_counts as (

    select
        _airbyte_raw_id,
        count(*) as helpful_vote_count,
        sum(case when vote = 'up' then 1 else 0 end) as up_vote_count
    from helpful_votes
    group by _airbyte_raw_id

),

joined as (

    select
        reviews.*,
        product_versions.product_key,
        known_products.product_id is not null as is_known_product,
        coalesce(tag_counts.tag_count, 0) as tag_count,
        coalesce(vote_counts.helpful_vote_count, 0) as helpful_vote_count,
        coalesce(vote_counts.up_vote_count, 0) as up_vote_count
    from reviews
    left join known_products
        on reviews.product_id = known_products.product_id
    left join product_versions
        on
            reviews.product_id = product_versions.product_id
            and {{ valid_at('product_versions', 'reviews.created_at') }}
    left join tag_counts
        on reviews._airbyte_raw_id = tag_counts._airbyte_raw_id
    left join vote_counts
        on reviews._airbyte_raw_id = vote_counts._airbyte_raw_id

),

final as (

    select
        -- keys
        review_id,
        product_id,
        customer_id,
        product_key,
        {{ date_key('created_at') }} as date_key,

        -- attributes
        created_at,
        rating_overall,
        rating_value,
        rating_quality,
        title,
        body,
        verified_purchase,
        tag_count,
        helpful_vote_count,
        up_vote_count,

        -- validation
        case
            when product_id is null then 'null_product_id'
            when not is_known_product then 'unknown_product_id'
        end as quarantine_reason,
        case
            when product_id is null then 'product_id is null'
            when not is_known_product
                then {{ dbt.concat([
                    "'product_id '", "cast(product_id as " ~ dbt.type_string() ~ ")", "' is not a known product'",
                ]) }}
        end as quarantine_detail,

        -- airbyte metadata
        _airbyte_raw_id,
        _airbyte_extracted_at,
        _ab_source_file_url

    from joined

)

select * from final
