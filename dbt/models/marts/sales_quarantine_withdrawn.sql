{{ config(
    materialized='table',
    contract={'enforced': false},
    meta={'publish': {'withdraw_from': 'sales_quarantine'}},
) }}
-- The published sales_quarantine rows of the sales this build validated again: each is judged anew, so
-- publishing deletes them and sales_quarantine_delta holds those still quarantined (a released sale leaves, a
-- record without a key of a file delivered again gives way to the newer version's).
{%- set store = published_store('sales_quarantine') %}
{%- set revalidated = in_revalidated_sales('published.sale_id', 'published._ab_source_file_url') %}
{%- if store is not none %}
    select published._airbyte_raw_id from {{ store }} as published
    where {{ revalidated }}
{%- else %}
    select _airbyte_raw_id from {{ ref('sales_quarantine_delta') }}
    where false
{%- endif %}
