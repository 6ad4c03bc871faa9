{{ config(materialized='view') }}
-- One row per valid sale, with the customer version valid when it was sold and its amounts: the published
-- sales (the store) neither superseded by this build's fct_sales_delta nor withdrawn, then that delta. This is what
-- analytics.fct_sales holds once the build is published, so dbt tests and the quality gate audit it.
{{ merged_publication(ref('fct_sales_delta'), withdrawn=ref('fct_sales_withdrawn')) }}
