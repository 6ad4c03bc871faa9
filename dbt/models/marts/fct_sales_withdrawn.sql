{{ config(
    materialized='table',
    contract={'enforced': false},
    meta={'publish': {'withdraw_from': 'fct_sales'}},
) }}
-- Published sales whose latest delivery is quarantined now (a correction that breaks a rule, or one that names
-- a customer, product or location not arrived yet). Publishing deletes them from the store by sale_id, so each
-- sale stays in exactly one of fct_sales and sales_quarantine; a later valid delivery publishes it again.
{{ withdrawn_keys('fct_sales', ref('int_sales__validated'), 'sale_id') }}
