-- net_amount = gross_amount - discount_amount + tax_amount, gross_amount = quantity * unit_price and
-- discount_amount is between 0 and gross_amount, on every row this build adds to fct_sales (the store's rows
-- passed it when they were added).
with

sales as (

    select * from {{ ref('fct_sales_delta') }}

)

select
    sale_id,
    quantity,
    unit_price,
    gross_amount,
    discount_amount,
    tax_amount,
    net_amount
from sales
where
    net_amount <> gross_amount - discount_amount + tax_amount
    or gross_amount <> quantity * unit_price
    or discount_amount < 0
    or discount_amount > gross_amount
