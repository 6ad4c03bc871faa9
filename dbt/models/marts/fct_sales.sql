-- One row per valid sale, with the customer version valid when it was sold and its amounts.
-- gross = quantity * unit_price; discount = round(gross * discount rate, 2); net = gross - discount + tax.
with

sales as (

    select * from {{ ref('int_sales__validated') }}

),

valid_sales as (

    select * from sales
    where quarantine_reason is null

),

amounts as (

    select
        *,
        cast(quantity * unit_price as decimal(18, 2)) as gross_amount
    from valid_sales

),

discounted as (

    select
        *,
        cast(round(gross_amount * discount, 2) as decimal(18, 2)) as discount_amount
    from amounts

),

final as (

    select
        -- keys
        sale_id,
        customer_key,
        product_key,
        location_key,
        date_key,

        -- attributes
        sold_at,
        quantity,
        unit_price,

        -- amounts
        gross_amount,
        discount_amount,
        tax_amount,
        cast(gross_amount - discount_amount + tax_amount as decimal(18, 2)) as net_amount,

        -- airbyte metadata
        _airbyte_raw_id

    from discounted

)

select * from final
