{#
    Every product version ever received, kept in the snapshot schema across builds: each (product_id,
    updated_at) is a row of its own, as for customers, and int_products__versioned derives the validity
    intervals from them. The history survives a source that forgets versions.
#}
{% snapshot snp_retail__products %}

    {{ config(
        unique_key=['product_id', 'updated_at'],
        strategy='timestamp',
        updated_at='updated_at',
    ) }}

    select
        product_id,
        product_name,
        category,
        subcategory,
        brand,
        list_price,
        updated_at,
        _airbyte_raw_id,
        _airbyte_extracted_at
    from {{ ref('stg_retail__products') }}
    where
        not is_unparsable
        and product_id is not null
        and updated_at is not null

{% endsnapshot %}
