{{ config(materialized='view') }}
-- Every staged sale that failed a validation rule, with the first rule it failed and why: the published rows
-- this build neither judged again nor replaced, then sales_quarantine_delta. Together with fct_sales it holds
-- every staged sale exactly once.
{{ merged_publication(ref('sales_quarantine_delta'), withdrawn=ref('sales_quarantine_withdrawn')) }}
