-- Staged customer, product and location records that cannot become a dimension row:
-- unparsable lines and records without their key (or, for customers and products, without the version's
-- updated_at).
-- Together with the dimensions they account for every staged record of these streams.
with

customers as (

    select * from {{ ref('stg_retail__customers') }}

),

products as (

    select * from {{ ref('stg_retail__products') }}

),

locations as (

    select * from {{ ref('stg_retail__locations') }}

),

customer_failures as (

    select
        'customers' as stream,
        case
            when is_unparsable then {{ airbyte_parse_error_reason('parse_error_type') }}
            when customer_id is null then 'null_customer_id'
            when updated_at is null then 'null_updated_at'
        end as quarantine_reason,
        case when is_unparsable then parse_error end as detail,
        source_record,
        _airbyte_raw_id,
        _airbyte_extracted_at,
        _ab_source_file_url,
        _ab_source_file_line
    from customers
    where is_unparsable or customer_id is null or updated_at is null

),

product_failures as (

    select
        'products' as stream,
        case
            when is_unparsable then {{ airbyte_parse_error_reason('parse_error_type') }}
            when product_id is null then 'null_product_id'
            when updated_at is null then 'null_updated_at'
        end as quarantine_reason,
        case when is_unparsable then parse_error end as detail,
        source_record,
        _airbyte_raw_id,
        _airbyte_extracted_at,
        _ab_source_file_url,
        _ab_source_file_line
    from products
    where is_unparsable or product_id is null or updated_at is null

),

location_failures as (

    select
        'locations' as stream,
        case
            when is_unparsable then {{ airbyte_parse_error_reason('parse_error_type') }}
            when location_id is null then 'null_location_id'
        end as quarantine_reason,
        case when is_unparsable then parse_error end as detail,
        source_record,
        _airbyte_raw_id,
        _airbyte_extracted_at,
        _ab_source_file_url,
        _ab_source_file_line
    from locations
    where is_unparsable or location_id is null

),

unioned as (

    select * from customer_failures
    union all
    select * from product_failures
    union all
    select * from location_failures

)

select * from unioned
