-- Every parsed review row, before re-deliveries of the same review are collapsed in stg_parsed__reviews.
with

source as (

    select * from {{ source('parsed', 'reviews') }}

),

renamed as (

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

    from source

)

select * from renamed
