-- Every staged sale that failed a validation rule, with the first rule it failed and why.
-- Together with fct_sales it holds every staged sale exactly once.
with

sales as (

    select * from {{ ref('int_sales__validated') }}

),

final as (

    select
        -- keys
        sale_id,

        -- validation
        quarantine_reason,
        quarantine_detail as detail,

        -- origin
        _ab_source_file_url,
        _ab_source_file_line,
        source_record,

        -- airbyte metadata
        _airbyte_raw_id,
        _airbyte_extracted_at

    from sales
    where quarantine_reason is not null

)

select * from final
