{{ config(materialized='view') }}
-- One row per valid review (the latest delivery of each review_id): the published reviews (the store) neither
-- superseded by this build's fct_reviews_delta nor withdrawn, then that delta. What analytics.fct_reviews holds
-- once the build is published.
{{ merged_publication(ref('fct_reviews_delta'), withdrawn=ref('fct_reviews_withdrawn')) }}
