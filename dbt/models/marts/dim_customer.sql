-- One row per customer version (type-2 history). Sales find the version valid when they were made.
with

customer_versions as (

    select * from {{ ref('int_customers__versioned') }}

),

final as (

    select
        -- keys
        customer_key,
        customer_id,

        -- attributes
        first_name,
        last_name,
        email,
        city,
        state,
        country,
        signup_date,

        -- validity
        valid_from,
        valid_to,
        is_current,

        -- airbyte metadata
        _airbyte_raw_id

    from customer_versions

)

select * from final
