-- One row per sale: re-delivered records of a sale_id are collapsed, keeping the latest extraction.
-- Records without a sale_id (unparsable lines among them) are kept, one per raw record, so that
-- every one of them reaches fct_sales or sales_quarantine.
with

sales as (

    select * from {{ ref('base_retail__sales') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by
                sale_id,
                case when sale_id is null then _airbyte_raw_id end
            order by
                _airbyte_extracted_at desc,
                _ab_source_file_line desc nulls last,
                _airbyte_raw_id desc
        ) as delivery_rank
    from sales

),

deduplicated as (

    select
        -- keys
        sale_id,
        customer_id,
        product_id,
        location_id,

        -- attributes
        sold_at,
        quantity,
        unit_price,
        discount,
        tax_amount,

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
