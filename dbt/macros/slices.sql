{#
    What a build validates again. The first build validates every staged sale; after a publication a build
    validates only the slice whose outcome can have changed since: the sales delivered since the last
    publication, the published sales whose validity depends on what arrived (held for a customer, product or
    location not arrived yet; sold by a customer or of a product that got a new version; at a location no
    longer known) and a backfill's days. Every other sale keeps its published outcome, so a build costs what
    arrived, not the history. Raw records carry their batch (Airbyte's sync_id, or the embedded sync's batch).
#}

{# The batch that delivered a raw record: Airbyte's job (or the embedded sync's batch) in _airbyte_meta. #}
{% macro record_batch(meta_column='_airbyte_meta') -%}
    cast({{ json_get_text(meta_column, 'sync_id') }} as bigint)
{%- endmacro %}

{#
    The newest batch a publication covered, read when the node runs: a literal the engine can prune by. None
    before the first publication, and while dbt parses.
#}
{% macro published_batch() -%}
    {%- set publications = existing_relation(var('meta_schema'), 'publications') -%}
    {%- if publications is none or not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set batch = run_query('select max(batch_id) from ' ~ publications).columns[0].values()[0] -%}
    {{ return(none if batch is none else batch | int) }}
{%- endmacro %}

{#
    A raw record delivered since the last publication, as a predicate on its columns (`true` before the first
    publication). Its batch decides. The bound on its extraction time is what lets the engine skip the history
    by each block's min/max instead of reading every record's metadata: a batch's records are extracted at or
    after the time its sync recorded in elt_meta.batches (the embedded sync does; with Airbyte, which records
    none, the batch alone decides).
#}
{% macro delivered_since_publication(meta_column='_airbyte_meta', extracted_at_column='_airbyte_extracted_at') -%}
    {%- set batch = published_batch() -%}
    {%- if batch is none -%}
        true
    {%- else -%}
        {%- set batches = existing_relation(var('meta_schema'), 'batches') -%}
        {%- set newer = 'from ' ~ batches ~ ' where batch_id > ' ~ batch -%}
        {%- set recorded = batches is not none and run_query('select count(*) ' ~ newer).columns[0].values()[0] > 0 -%}
        ({{ record_batch(meta_column) }} > {{ batch }}
        {%- if recorded %} and {{ extracted_at_column }} >= (select min(extracted_at) {{ newer }}){% endif -%})
    {%- endif -%}
{%- endmacro %}

{#
    The sale_ids a build validates again (a select), or none when it validates every sale: before the first
    publication, or when a published relation the slice is decided from is missing.
#}
{% macro revalidated_sale_ids() -%}
    {#- refs first: dbt records a model's dependencies while parsing, when nothing is published yet -#}
    {%- set base_sales = ref('base_retail__sales') -%}
    {%- set base_customers = ref('base_retail__customers') -%}
    {%- set base_products = ref('base_retail__products') -%}
    {%- set locations = ref('stg_retail__locations') -%}
    {%- set batch = published_batch() -%}
    {%- set sales = published_store('fct_sales') -%}
    {%- set quarantine = published_store('sales_quarantine') -%}
    {%- set customers = existing_relation(var('analytics_schema'), 'dim_customer') -%}
    {%- set products = existing_relation(var('analytics_schema'), 'dim_product') -%}
    {%- if none in [batch, sales, quarantine, customers, products] -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set delivered = delivered_since_publication() -%}
    {%- set late_reasons = "'unknown_customer_id', 'unknown_product_id', 'unknown_location_id'" -%}
    {%- set ids -%}
        select sale_id from {{ base_sales }}
        where sale_id is not null and ({{ delivered }} or {{ in_backfill_window('sold_at') }})
        union
        select sale_id from {{ quarantine }}
        where sale_id is not null and quarantine_reason in ({{ late_reasons }})
        union
        select sale_id from {{ sales }}
        where
            customer_key in (
                select customer_key from {{ customers }}
                where customer_id in (
                    select customer_id from {{ base_customers }} where {{ delivered }}
                )
            )
            or product_key in (
                select product_key from {{ products }}
                where product_id in (
                    select product_id from {{ base_products }} where {{ delivered }}
                )
            )
            or location_key not in (
                select {{ dbt.hash('location_id') }} from {{ locations }}
                where not is_unparsable and location_id is not null
            )
    {%- endset -%}
    {{ return(ids) }}
{%- endmacro %}

{# The files of sale records delivered since the last publication (a select; only while slicing). #}
{% macro files_delivered_since_publication() -%}
    select _ab_source_file_url from {{ ref('base_retail__sales') }}
    where {{ delivered_since_publication() }}
{%- endmacro %}

{#
    The sale records of the slice a build validates again (see revalidated_sale_ids), from `sales` (a relation
    with sale_id and _ab_source_file_url): those whose sale_id is in it, and those without one whose file was
    delivered again since the last publication (a newer version of a file replaces the records without a key
    its older versions held). Two selects, not one predicate with `or`, so that the engine filters the raw
    records before computing any column of them.
#}
{% macro revalidated_sales(sales) -%}
    {%- set ids = revalidated_sale_ids() -%}
    select * from {{ sales }}
    {%- if ids is not none %}
        where sale_id in ({{ ids }})
        union all
        select * from {{ sales }}
        where sale_id is null and _ab_source_file_url in ({{ files_delivered_since_publication() }})
    {%- endif %}
{%- endmacro %}

{# The same slice as a predicate on a relation's columns; `true` when the build validates every sale. #}
{% macro in_revalidated_sales(sale_id_column='sale_id', file_url_column='_ab_source_file_url') -%}
    {%- set ids = revalidated_sale_ids() -%}
    {%- if ids is none -%}
        true
    {%- else -%}
        (
            {{ sale_id_column }} in ({{ ids }})
            or (
                {{ sale_id_column }} is null
                and {{ file_url_column }} in ({{ files_delivered_since_publication() }})
            )
        )
    {%- endif -%}
{%- endmacro %}

{#
    dbt's `where` config of a test, with one placeholder: `__delivered_since_publication__` restricts a test of
    raw records to those delivered since the last publication (the others passed it in an earlier build), so
    a build's tests read what arrived, not the history.
#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if not where -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set placeholder = '__delivered_since_publication__' -%}
    {%- if placeholder in where -%}
        {%- set where = where | replace(placeholder, delivered_since_publication()) -%}
    {%- endif -%}
    {{ return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') as dbt_subquery') }}
{%- endmacro %}
