-- One row per customer version: exact re-deliveries of (customer_id, updated_at) are collapsed,
-- keeping the latest extraction. Records without a key (unparsable lines) are kept, one per raw record.
with

customers as (

    select * from {{ ref('base_retail__customers') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by
                customer_id,
                updated_at,
                case when customer_id is null or updated_at is null then _airbyte_raw_id end
            order by
                _airbyte_extracted_at desc,
                _ab_source_file_line desc nulls last,
                _airbyte_raw_id desc
        ) as delivery_rank
    from customers

),

deduplicated as (

    select
        -- keys
        customer_id,

        -- attributes
        first_name,
        last_name,
        email,
        city,
        state,
        country,
        signup_date,
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
