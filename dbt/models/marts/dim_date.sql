-- One row per calendar day from the first to the last day with a valid sale or review.
with

sales as (

    select * from {{ ref('fct_sales') }}

),

reviews as (

    select * from {{ ref('fct_reviews') }}

),

event_days as (

    select cast(sold_at as date) as event_day from sales
    union all
    select cast(created_at as date) as event_day from reviews

),

bounds as (

    select
        min(event_day) as start_date,
        max(event_day) as end_date
    from event_days

),

spine as (

    {{ date_spine_from('bounds', 'start_date', 'end_date') }}

),

final as (

    select
        {{ date_key('date_day') }} as date_key,
        date_day,
        cast(extract(year from date_day) as integer) as year,
        cast(extract(quarter from date_day) as integer) as quarter,
        cast(extract(month from date_day) as integer) as month,
        case cast(extract(month from date_day) as integer)
            when 1 then 'January'
            when 2 then 'February'
            when 3 then 'March'
            when 4 then 'April'
            when 5 then 'May'
            when 6 then 'June'
            when 7 then 'July'
            when 8 then 'August'
            when 9 then 'September'
            when 10 then 'October'
            when 11 then 'November'
            when 12 then 'December'
        end as month_name,
        cast(extract(day from date_day) as integer) as day_of_month,
        {{ iso_day_of_week('date_day') }} as day_of_week,
        case {{ iso_day_of_week('date_day') }}
            when 1 then 'Monday'
            when 2 then 'Tuesday'
            when 3 then 'Wednesday'
            when 4 then 'Thursday'
            when 5 then 'Friday'
            when 6 then 'Saturday'
            when 7 then 'Sunday'
        end as day_name,
        {{ iso_day_of_week('date_day') }} in (6, 7) as is_weekend
    from spine

)

select * from final
