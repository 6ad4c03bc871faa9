{#
    Every customer version ever received, kept in the snapshot schema across builds: one delivery may carry
    several versions of a customer (the stream appends each change), so each (customer_id, updated_at) is a
    row of its own and int_customers__versioned derives the validity intervals from them. The history
    survives a source that forgets versions (a full refresh, a deduplicating sync).
#}
{% snapshot snp_retail__customers %}

    {{ config(
        unique_key=['customer_id', 'updated_at'],
        strategy='timestamp',
        updated_at='updated_at',
    ) }}

    select
        customer_id,
        first_name,
        last_name,
        email,
        city,
        state,
        country,
        signup_date,
        updated_at,
        _airbyte_raw_id,
        _airbyte_extracted_at
    from {{ ref('stg_retail__customers') }}
    where
        not is_unparsable
        and customer_id is not null
        and updated_at is not null

{% endsnapshot %}
