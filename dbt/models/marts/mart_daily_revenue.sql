-- Revenue per day, store region and product category (of the product version sold), for BI.
with

sales as (

    select * from {{ ref('fct_sales') }}

),

locations as (

    select * from {{ ref('dim_location') }}

),

products as (

    select * from {{ ref('dim_product') }}

),

joined as (

    select
        cast(sales.sold_at as date) as date_day,
        locations.region,
        products.category,
        sales.quantity,
        sales.gross_amount,
        sales.discount_amount,
        sales.tax_amount,
        sales.net_amount
    from sales
    inner join locations
        on sales.location_key = locations.location_key
    inner join products
        on sales.product_key = products.product_key

),

final as (

    select
        date_day,
        region,
        category,
        cast(count(*) as bigint) as sales_count,
        cast(sum(quantity) as bigint) as quantity,
        cast(sum(gross_amount) as decimal(18, 2)) as gross_amount,
        cast(sum(discount_amount) as decimal(18, 2)) as discount_amount,
        cast(sum(tax_amount) as decimal(18, 2)) as tax_amount,
        cast(sum(net_amount) as decimal(18, 2)) as net_amount
    from joined
    group by date_day, region, category

)

select * from final
