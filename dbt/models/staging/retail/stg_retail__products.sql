-- One row per product version: exact re-deliveries of (product_id, updated_at) are collapsed, keeping the
-- latest extraction. Records without a key (unparsable lines) are kept, one per raw record.
with

products as (

    select * from {{ ref('base_retail__products') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by
                product_id,
                updated_at,
                case when product_id is null or updated_at is null then _airbyte_raw_id end
            order by
                _airbyte_extracted_at desc,
                _ab_source_file_line desc nulls last,
                _airbyte_raw_id desc
        ) as delivery_rank
    from products

),

deduplicated as (

    select
        -- keys
        product_id,

        -- attributes
        product_name,
        category,
        subcategory,
        brand,
        list_price,
        updated_at,

        -- parse errors recorded by airbyte
        is_unparsable,
        parse_error_type,
        parse_error,
        source_record,

        -- airbyte metadata
        _airbyte_raw_id,
        _airbyte_extracted_at,
        _airbyte_meta,
        _airbyte_generation_id,
        _ab_source_file_url,
        _ab_source_file_line

    from ranked
    where delivery_rank = 1

)

select * from deduplicated
