{#
    Type-2 history of products, kept in the snapshot schema across builds: a product whose updated_at moves
    gets a new row; the previous one is closed (dbt_valid_to). dim_product shows the current rows.
#}
{% snapshot snp_retail__products %}

    {{ config(
        unique_key='product_id',
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
        updated_at
    from {{ ref('stg_retail__products') }}
    where
        not is_unparsable
        and product_id is not null

{% endsnapshot %}
