{{ config(
    materialized='table',
    contract={'enforced': false},
    meta={'publish': {'withdraw_from': 'fct_reviews'}},
) }}
-- Published reviews whose latest delivery is quarantined now (it names a product not arrived yet). Publishing
-- deletes them from the store by review_id; the delivery that releases the review publishes it again.
{{ withdrawn_keys('fct_reviews', ref('int_reviews__validated'), 'review_id') }}
