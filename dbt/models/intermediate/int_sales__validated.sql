-- Every staged sale with its dimension keys and the first validation rule it fails (null when valid).
-- Rules, in order: malformed_line / unparsable_value (from Airbyte's record metadata), null_sale_id,
-- null_sold_at, null_customer_id, unknown_customer_id, null_product_id, unknown_product_id,
-- null_location_id, unknown_location_id, non_positive_quantity, invalid_unit_price, invalid_discount,
-- invalid_tax_amount. The customer and product keys are the versions valid at sold_at:
-- valid_from <= sold_at < valid_to.
with

sales as (

    select * from {{ ref('stg_retail__sales') }}

),

customer_versions as (

    select * from {{ ref('int_customers__versioned') }}

),

product_versions as (

    select * from {{ ref('int_products__versioned') }}

),

locations as (

    select * from {{ ref('stg_retail__locations') }}

),

known_customers as (

    select distinct customer_id from customer_versions

),

known_products as (

    select distinct product_id from product_versions

),

known_locations as (

    select location_id from locations
    where not is_unparsable and location_id is not null

),

joined as (

    select
        sales.*,
        customer_versions.customer_key,
        product_versions.product_key,
        known_customers.customer_id is not null as is_known_customer,
        known_products.product_id is not null as is_known_product,
        known_locations.location_id is not null as is_known_location
    from sales
    left join known_customers
        on sales.customer_id = known_customers.customer_id
    left join customer_versions
        on
            sales.customer_id = customer_versions.customer_id
            and {{ valid_at('customer_versions', 'sales.sold_at') }}
    left join known_products
        on sales.product_id = known_products.product_id
    left join product_versions
        on
            sales.product_id = product_versions.product_id
            and {{ valid_at('product_versions', 'sales.sold_at') }}
    left join known_locations
        on sales.location_id = known_locations.location_id

),

validated as (

    select
        *,
        case
            when is_unparsable then {{ airbyte_parse_error_reason('parse_error_type') }}
            when sale_id is null then 'null_sale_id'
            when sold_at is null then 'null_sold_at'
            when customer_id is null then 'null_customer_id'
            when not is_known_customer or customer_key is null then 'unknown_customer_id'
            when product_id is null then 'null_product_id'
            when not is_known_product or product_key is null then 'unknown_product_id'
            when location_id is null then 'null_location_id'
            when not is_known_location then 'unknown_location_id'
            when quantity is null or quantity <= 0 then 'non_positive_quantity'
            when unit_price is null or unit_price < 0 then 'invalid_unit_price'
            when discount is null or discount < 0 or discount > 1 then 'invalid_discount'
            when tax_amount is null or tax_amount < 0 then 'invalid_tax_amount'
        end as quarantine_reason
    from joined

),

final as (

    select
        -- keys
        sale_id,
        customer_id,
        product_id,
        location_id,
        customer_key,
        product_key,
        case when is_known_location then {{ dbt.hash('location_id') }} end as location_key,
        {{ date_key('sold_at') }} as date_key,

        -- attributes
        sold_at,
        quantity,
        unit_price,
        discount,
        tax_amount,

        -- validation
        quarantine_reason,
        case quarantine_reason
            when 'malformed_line' then {{ dbt.concat([
                "'line could not be parsed ('",
                "coalesce(parse_error_type, 'unknown error')",
                "'): '",
                "coalesce(parse_error, '')",
            ]) }}
            when 'unparsable_value' then {{ dbt.concat([
                "'a value could not be cast: '",
                "coalesce(parse_error, '')",
            ]) }}
            when 'null_sale_id' then 'sale_id is null'
            when 'null_sold_at' then 'sold_at is null'
            when 'null_customer_id' then 'customer_id is null'
            when 'unknown_customer_id' then {{ dbt.concat([
                "'customer_id '",
                "cast(customer_id as " ~ dbt.type_string() ~ ")",
                "case when is_known_customer then ' has no version valid at sold_at'"
                ~ " else ' is not a known customer' end",
            ]) }}
            when 'null_product_id' then 'product_id is null'
            when 'unknown_product_id' then {{ dbt.concat([
                "'product_id '", "cast(product_id as " ~ dbt.type_string() ~ ")", "' is not a known product'",
            ]) }}
            when 'null_location_id' then 'location_id is null'
            when 'unknown_location_id' then {{ dbt.concat([
                "'location_id '", "cast(location_id as " ~ dbt.type_string() ~ ")", "' is not a known location'",
            ]) }}
            when 'non_positive_quantity' then {{ dbt.concat([
                "'quantity '", "coalesce(cast(quantity as " ~ dbt.type_string() ~ "), 'null')", "' is not positive'",
            ]) }}
            when 'invalid_unit_price' then {{ dbt.concat([
                "'unit_price '", "coalesce(cast(unit_price as " ~ dbt.type_string() ~ "), 'null')",
                "' is missing or negative'",
            ]) }}
            when 'invalid_discount' then {{ dbt.concat([
                "'discount '", "coalesce(cast(discount as " ~ dbt.type_string() ~ "), 'null')",
                "' is missing or outside [0, 1]'",
            ]) }}
            when 'invalid_tax_amount' then {{ dbt.concat([
                "'tax_amount '", "coalesce(cast(tax_amount as " ~ dbt.type_string() ~ "), 'null')",
                "' is missing or negative'",
            ]) }}
        end as quarantine_detail,
        source_record,

        -- airbyte metadata
        _airbyte_raw_id,
        _airbyte_extracted_at,
        _ab_source_file_url,
        _ab_source_file_line

    from validated

)

select * from final
