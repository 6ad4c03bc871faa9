{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='_airbyte_raw_id',
    contract={'enforced': false},
    meta={'publish': {'merge_into': 'sales_quarantine'}},
) }}
-- The sales_quarantine rows of the sales this build validated (stg_retail__sales: the slice since the last
-- publication): every one of them that failed a rule, with the first rule and why. Publishing merges them into
-- the store by raw record, after deleting the published rows of the same slice (sales_quarantine_withdrawn).
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
