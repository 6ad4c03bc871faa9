-- Each customer version of the snapshot with the interval in which it was current: [valid_from, valid_to).
-- The first version of a customer is valid from the beginning of time, so a sale made before the first
-- known update still finds a version; the current version has no valid_to.
with

valid_customers as (

    select * from {{ ref('snp_retail__customers') }}

),

versioned as (

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
        case
            when row_number() over (partition by customer_id order by updated_at) = 1
                then {{ beginning_of_time() }}
            else updated_at
        end as valid_from,
        lead(updated_at) over (partition by customer_id order by updated_at) as valid_to,
        _airbyte_raw_id,
        _airbyte_extracted_at
    from valid_customers

),

final as (

    select
        -- keys
        {{ dbt.hash(dbt.concat([
            'cast(customer_id as ' ~ dbt.type_string() ~ ')',
            "'|'",
            'cast(valid_from as ' ~ dbt.type_string() ~ ')'
        ])) }} as customer_key,
        customer_id,

        -- attributes
        first_name,
        last_name,
        email,
        city,
        state,
        country,
        signup_date,
        updated_at,

        -- validity
        valid_from,
        valid_to,
        valid_to is null as is_current,

        -- airbyte metadata
        _airbyte_raw_id,
        _airbyte_extracted_at

    from versioned

)

select * from final
