-- A sale is never silently dropped: every staged sale is in exactly one of fct_sales and sales_quarantine,
-- and neither holds a record of the sales this build validated (macros/slices.sql) that was not staged. The
-- other sales keep the outcome an earlier build checked; rpt_reconciliation counts the whole history.
{%- set revalidated = in_revalidated_sales() %}
with

staged_sales as (

    -- one row per staged sale, as a table: the staging view would compute the slice again
    select * from {{ ref('int_sales__validated') }}

),

valid_sales as (

    select * from {{ ref('fct_sales') }}
    where {{ in_revalidated_sales('sale_id', 'null') }}

),

quarantined_sales as (

    select * from {{ ref('sales_quarantine') }}
    where {{ revalidated }}

),

outcomes as (

    select _airbyte_raw_id from valid_sales
    union all
    select _airbyte_raw_id from quarantined_sales

),

outcome_counts as (

    select
        _airbyte_raw_id,
        count(*) as outcome_count
    from outcomes
    group by _airbyte_raw_id

),

compared as (

    select
        coalesce(staged_sales._airbyte_raw_id, outcome_counts._airbyte_raw_id) as _airbyte_raw_id,
        staged_sales._airbyte_raw_id is not null as is_staged,
        coalesce(outcome_counts.outcome_count, 0) as outcome_count
    from staged_sales
    full outer join outcome_counts
        on staged_sales._airbyte_raw_id = outcome_counts._airbyte_raw_id

)

select * from compared
where not is_staged or outcome_count <> 1
