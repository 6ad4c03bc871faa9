-- The latest record of each location (by extraction). Records without a key (unparsable lines)
-- are kept, one per raw record.
with

locations as (

    select * from {{ ref('base_retail__locations') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by
                location_id,
                case when location_id is null then _airbyte_raw_id end
            order by
                _airbyte_extracted_at desc,
                _ab_source_file_line desc nulls last,
                _airbyte_raw_id desc
        ) as version_rank
    from locations

),

deduplicated as (

    select
        -- keys
        location_id,

        -- attributes
        store_name,
        city,
        state,
        region,
        country,
        opened_on,

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
    where version_rank = 1

)

select * from deduplicated
