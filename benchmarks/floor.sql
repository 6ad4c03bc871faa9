-- The floor: the pipeline's work on the same landing files, as one bare DuckDB script with no orchestration,
-- no RAW layer, no lake copy and no audit. benchmarks/floor.py runs it (`{landing}` is the landing folder) and
-- checks what it builds against _expected.json, so it cannot skip work the published figures depend on.
-- The rules follow dbt/models (staging, int_*__validated, marts) and elt/contracts/reviews.yml.
--
-- One simplification: "latest delivery" orders by file name only (DuckDB's parallel CSV reader gives no line
-- number); a correction file sorts after the day file it corrects, and re-deliveries inside one file are exact
-- copies in the generated data, so the choice between them changes no figure.

set preserve_insertion_order = false;

-- Reference streams: lines the CSV reader rejects are quarantined (malformed_line, or unparsable_value for a
-- value that would not cast); customers and products keep every version, locations the latest record.
create table customers_landed as
select * from read_csv(
    '{landing}/customers.csv', header = true, auto_detect = false, filename = true,
    store_rejects = true, rejects_table = 'customers_rejects', rejects_scan = 'customers_scans',
    columns = {
        'customer_id': 'bigint', 'first_name': 'varchar', 'last_name': 'varchar', 'email': 'varchar',
        'city': 'varchar', 'state': 'varchar', 'country': 'varchar', 'signup_date': 'date',
        'updated_at': 'timestamp'
    }
);

create table products_landed as
select * from read_csv(
    '{landing}/products.csv', header = true, auto_detect = false, filename = true,
    store_rejects = true, rejects_table = 'products_rejects', rejects_scan = 'products_scans',
    columns = {
        'product_id': 'bigint', 'product_name': 'varchar', 'category': 'varchar', 'subcategory': 'varchar',
        'brand': 'varchar', 'unit_price': 'decimal(38, 9)', 'updated_at': 'timestamp'
    }
);

create table locations_landed as
select * from read_csv(
    '{landing}/locations.csv', header = true, auto_detect = false, filename = true,
    store_rejects = true, rejects_table = 'locations_rejects', rejects_scan = 'locations_scans',
    columns = {
        'location_id': 'bigint', 'store_name': 'varchar', 'city': 'varchar', 'state': 'varchar',
        'region': 'varchar', 'country': 'varchar', 'opened_on': 'date'
    }
);

-- Type-2 versions: [valid_from, valid_to), the first version valid from the beginning of time.
create table dim_customer as
with latest as (
    select * from customers_landed
    where customer_id is not null and updated_at is not null
    qualify row_number() over (partition by customer_id, updated_at order by filename desc) = 1
)
select
    hash(customer_id, valid_from) as customer_key, customer_id, first_name, last_name, email, city, state,
    country, signup_date, updated_at, valid_from, valid_to, valid_to is null as is_current
from (
    select
        *,
        case when row_number() over w = 1 then timestamp '1900-01-01' else updated_at end as valid_from,
        lead(updated_at) over w as valid_to
    from latest
    window w as (partition by customer_id order by updated_at)
);

create table dim_product as
with latest as (
    select * exclude (unit_price), try_cast(unit_price as decimal(18, 2)) as list_price from products_landed
    where product_id is not null and updated_at is not null
    qualify row_number() over (partition by product_id, updated_at order by filename desc) = 1
)
select
    hash(product_id, valid_from) as product_key, product_id, product_name, category, subcategory, brand,
    list_price, updated_at, valid_from, valid_to, valid_to is null as is_current
from (
    select
        *,
        case when row_number() over w = 1 then timestamp '1900-01-01' else updated_at end as valid_from,
        lead(updated_at) over w as valid_to
    from latest
    window w as (partition by product_id order by updated_at)
);

create table dim_location as
select hash(location_id) as location_key, location_id, store_name, city, state, region, country, opened_on
from locations_landed
where location_id is not null
qualify row_number() over (partition by location_id order by filename desc) = 1;

-- Sales: the latest delivery of each sale_id (a line without one is kept as it is), then validated in the
-- pipeline's rule order against the dimension versions valid at sold_at (valid_from <= sold_at < valid_to: an
-- equality join on the id with a range filter, 15x faster here than an ASOF join, as there are few versions).
create temp table sales_landed as
select * from read_csv(
    '{landing}/sales/sales_*.csv', header = true, auto_detect = false, filename = true,
    store_rejects = true, rejects_table = 'sales_rejects', rejects_scan = 'sales_scans',
    columns = {
        'sale_id': 'bigint', 'customer_id': 'bigint', 'product_id': 'bigint', 'location_id': 'bigint',
        'sold_at': 'timestamp', 'quantity': 'bigint', 'unit_price': 'decimal(38, 9)',
        'discount': 'decimal(38, 9)', 'tax_amount': 'decimal(38, 9)'
    }
);

create temp table sales_staged as
select * from sales_landed where sale_id is null
union all
(
    select * from sales_landed where sale_id is not null
    qualify row_number() over (partition by sale_id order by filename desc) = 1
);

create temp table sales_validated as
select
    s.sale_id, s.sold_at, s.quantity, s.location_id,
    try_cast(s.unit_price as decimal(18, 2)) as unit_price,
    try_cast(s.discount as decimal(5, 4)) as discount,
    try_cast(s.tax_amount as decimal(18, 2)) as tax_amount,
    c.customer_key, p.product_key, l.location_key,
    case
        when s.sale_id is null then 'null_sale_id'
        when s.sold_at is null then 'null_sold_at'
        when s.customer_id is null then 'null_customer_id'
        when c.customer_key is null then 'unknown_customer_id'
        when s.product_id is null then 'null_product_id'
        when p.product_key is null then 'unknown_product_id'
        when s.location_id is null then 'null_location_id'
        when l.location_key is null then 'unknown_location_id'
        when s.quantity is null or s.quantity <= 0 then 'non_positive_quantity'
        when try_cast(s.unit_price as decimal(18, 2)) is null or s.unit_price < 0 then 'invalid_unit_price'
        when try_cast(s.discount as decimal(5, 4)) is null or s.discount < 0 or s.discount > 1
            then 'invalid_discount'
        when try_cast(s.tax_amount as decimal(18, 2)) is null or s.tax_amount < 0 then 'invalid_tax_amount'
    end as quarantine_reason
from sales_staged as s
left join dim_customer as c
    on s.customer_id = c.customer_id and s.sold_at >= c.valid_from and s.sold_at < coalesce(c.valid_to, 'infinity')
left join dim_product as p
    on s.product_id = p.product_id and s.sold_at >= p.valid_from and s.sold_at < coalesce(p.valid_to, 'infinity')
left join dim_location as l on s.location_id = l.location_id;

-- gross = quantity * unit_price; discount = round(gross * discount rate, 2); net = gross - discount + tax.
create table fct_sales as
select
    sale_id, customer_key, product_key, location_key, sold_at, quantity, unit_price,
    gross_amount, discount_amount, tax_amount,
    cast(gross_amount - discount_amount + tax_amount as decimal(18, 2)) as net_amount
from (
    select
        *,
        cast(round(gross_amount * discount, 2) as decimal(18, 2)) as discount_amount
    from (
        select *, cast(quantity * unit_price as decimal(18, 2)) as gross_amount
        from sales_validated
        where quarantine_reason is null
    )
);

create table sales_quarantine as
select sale_id, quarantine_reason from sales_validated where quarantine_reason is not null
union all
select
    null::bigint,
    case when any_value(error_type) = 'CAST' then 'unparsable_value' else 'malformed_line' end
from sales_rejects
group by scan_id, file_id, line;

create table mart_daily_revenue as
select
    cast(s.sold_at as date) as date_day, l.region, p.category,
    count(*) as sales_count, sum(s.quantity) as quantity,
    sum(s.gross_amount) as gross_amount, sum(s.discount_amount) as discount_amount,
    sum(s.tax_amount) as tax_amount, sum(s.net_amount) as net_amount
from fct_sales as s
join dim_location as l using (location_key)
join dim_product as p using (product_key)
group by all;

-- Reviews: each line judged by the contract's rules in its order (shape, presence, types, values,
-- undeclared keys), then the latest delivery of each review_id, joined to the product version valid at
-- created_at.
create temp table review_lines as
select document, filename from read_csv(
    '{landing}/reviews/reviews_*.jsonl', header = false, auto_detect = false, filename = true,
    delim = '\x01', quote = '', escape = '', strict_mode = false, columns = {'document': 'varchar'}
);

create temp table reviews_judged as
with docs as (
    select
        document, filename,
        -- a CASE, not AND: json_type fails on text that is not JSON
        case when json_valid(document) then json_type(document) = 'OBJECT' else false end as is_object
    from review_lines
),
read as (
    select
        *,
        case when is_object then from_json(document, '{
            "review_id": "BIGINT", "product_id": "BIGINT", "customer_id": "BIGINT", "created_at": "TIMESTAMP",
            "rating": "JSON", "title": "VARCHAR", "body": "VARCHAR", "verified_purchase": "BOOLEAN",
            "tags": "JSON", "helpful_votes": "JSON"
        }') end as d,
        case when is_object then json_keys(document) end as keys,
        case when is_object then json_type(document, [
            '$.review_id', '$.product_id', '$.customer_id', '$.created_at', '$.title', '$.body',
            '$.verified_purchase', '$.rating', '$.tags', '$.helpful_votes'
        ]) end as kinds
    from docs
),
typed as (
    select
        *,
        case when kinds[8] = 'OBJECT' then from_json(d.rating, '{"overall": "INTEGER", "value": "INTEGER",
            "quality": "INTEGER"}') end as rating,
        case when kinds[8] = 'OBJECT' then json_keys(d.rating) end as rating_keys,
        case when kinds[8] = 'OBJECT' then json_type(d.rating, ['$.overall', '$.value', '$.quality']) end
            as rating_kinds,
        case when kinds[9] = 'ARRAY' then from_json(d.tags, '["VARCHAR"]') end as tags,
        case when kinds[9] = 'ARRAY' then json_type(d.tags, '$[*]') end as tag_kinds,
        case when kinds[10] = 'ARRAY' then from_json(d.helpful_votes,
            '[{"user_id": "BIGINT", "vote": "VARCHAR", "at": "TIMESTAMP"}]') end as votes,
        case when kinds[10] = 'ARRAY' then json_type(d.helpful_votes, '$[*]') end as vote_kinds,
        case when kinds[10] = 'ARRAY' then json_keys(d.helpful_votes, '$[*]') end as vote_keys
    from read
)
select
    d.review_id, d.product_id, d.customer_id, d.created_at, rating.overall as rating_overall,
    d.verified_purchase, coalesce(len(tags), 0) as tag_count, coalesce(len(votes), 0) as helpful_vote_count,
    filename,
    case
        when not is_object then 'invalid_json'
        when coalesce(kinds[8], 'OBJECT') <> 'OBJECT' then 'wrong_type'
        when coalesce(kinds[9], 'ARRAY') <> 'ARRAY' then 'wrong_type'
        when coalesce(kinds[10], 'ARRAY') <> 'ARRAY' then 'wrong_type'
        when list_bool_or(list_transform(vote_kinds, lambda k: k <> 'OBJECT')) then 'wrong_type'
        when coalesce(kinds[1], 'NULL') = 'NULL' or coalesce(kinds[2], 'NULL') = 'NULL'
            or coalesce(kinds[3], 'NULL') = 'NULL' or coalesce(kinds[4], 'NULL') = 'NULL'
            or coalesce(rating_kinds[1], 'NULL') = 'NULL' then 'missing_required'
        when list_bool_or(list_transform(votes, lambda v: v.user_id is null)) then 'missing_required'
        when kinds[1] not in ('UBIGINT', 'BIGINT') or kinds[2] not in ('UBIGINT', 'BIGINT')
            or kinds[3] not in ('UBIGINT', 'BIGINT') or kinds[4] <> 'VARCHAR' or d.created_at is null
            or coalesce(kinds[5], 'VARCHAR') <> 'VARCHAR' or coalesce(kinds[6], 'VARCHAR') <> 'VARCHAR'
            or coalesce(kinds[7], 'BOOLEAN') <> 'BOOLEAN'
            or not list_has_all(['NULL', 'UBIGINT', 'BIGINT'], rating_kinds)
            or not list_has_all(['NULL', 'VARCHAR'], coalesce(tag_kinds, []))
            then 'wrong_type'
        when rating.overall not between 1 and 5 or rating.value not between 1 and 5
            or rating.quality not between 1 and 5 then 'out_of_range'
        when list_bool_or(list_transform(votes, lambda v: v.vote not in ('up', 'down'))) then 'not_accepted'
        when len(list_filter(keys, lambda k: k not in ('review_id', 'product_id', 'customer_id', 'created_at',
                'rating', 'title', 'body', 'verified_purchase', 'tags', 'helpful_votes'))) > 0
            or len(list_filter(rating_keys, lambda k: k not in ('overall', 'value', 'quality'))) > 0
            or len(list_filter(flatten(vote_keys), lambda k: k not in ('user_id', 'vote', 'at'))) > 0
            then 'undeclared_key'
    end as quarantine_reason
from typed;

create temp table reviews_validated as
select
    r.*, p.product_key,
    case
        when r.quarantine_reason is not null then r.quarantine_reason
        when p.product_key is null then 'unknown_product_id'
    end as reason
from (
    select * from reviews_judged where quarantine_reason is null
    qualify row_number() over (partition by review_id order by filename desc) = 1
) as r
left join dim_product as p
    on r.product_id = p.product_id and r.created_at >= p.valid_from and r.created_at < coalesce(p.valid_to, 'infinity');

create table fct_reviews as
select review_id, product_key, customer_id, created_at, rating_overall, verified_purchase, tag_count,
    helpful_vote_count
from reviews_validated
where reason is null;

create table reviews_quarantine as
select review_id, quarantine_reason from reviews_judged where quarantine_reason is not null
union all
select review_id, reason from reviews_validated where reason is not null;

create table mart_product_ratings as
select
    p.product_key, p.product_id, p.product_name, p.category,
    count(r.review_id) as review_count, avg(r.rating_overall) as avg_rating_overall,
    count(*) filter (where r.verified_purchase) as verified_review_count,
    coalesce(sum(r.helpful_vote_count), 0) as helpful_vote_count
from dim_product as p
left join fct_reviews as r using (product_key)
group by all;

-- What landed and where each record went, per stream: the pipeline's rpt_reconciliation and
-- rpt_quarantine_reasons. Landed lines = lines read + lines rejected by the reader.
create table rpt_quarantine_reasons as
select 'sales' as stream, quarantine_reason as reason, count(*) as records from sales_quarantine group by all
union all
select 'reviews', quarantine_reason, count(*) from reviews_quarantine group by all
union all
select stream, reason, count(*)
from (
    select stream, case when any_value(error_type) = 'CAST' then 'unparsable_value' else 'malformed_line' end as reason
    from (
        select 'customers' as stream, * from customers_rejects
        union all by name
        select 'products' as stream, * from products_rejects
        union all by name
        select 'locations' as stream, * from locations_rejects
    )
    group by stream, scan_id, file_id, line
)
group by all;

create table rpt_reconciliation as
with rejected as (
    select stream, sum(records) as lines from rpt_quarantine_reasons
    where stream in ('customers', 'products', 'locations') group by stream
    union all
    select 'sales', count(*) from sales_quarantine
    where sale_id is null and quarantine_reason in ('malformed_line', 'unparsable_value')
),
counts (stream, read, duplicates, valid) as (
    select
        'customers', (select count(*) from customers_landed),
        (select count(*) - count(distinct (customer_id, updated_at)) from customers_landed
            where customer_id is not null and updated_at is not null),
        (select count(*) from dim_customer)
    union all
    select
        'products', (select count(*) from products_landed),
        (select count(*) - count(distinct (product_id, updated_at)) from products_landed
            where product_id is not null and updated_at is not null),
        (select count(*) from dim_product)
    union all
    select
        'locations', (select count(*) from locations_landed),
        (select count(*) - count(distinct location_id) from locations_landed where location_id is not null),
        (select count(*) from dim_location)
    union all
    select
        'sales', (select count(*) from sales_landed),
        (select count(*) from sales_landed) - (select count(*) from sales_staged),
        (select count(*) from fct_sales)
    union all
    select
        'reviews', (select count(*) from review_lines),
        (select count(*) from reviews_judged where quarantine_reason is null)
        - (select count(*) from reviews_validated),
        (select count(*) from fct_reviews)
)
select
    counts.stream, counts.read + coalesce(rejected.lines, 0) as landed,
    counts.read + coalesce(rejected.lines, 0) as in_raw, duplicates, valid
from counts left join rejected using (stream);
