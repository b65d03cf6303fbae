//! `/search`: a plain GET form (works without JavaScript), results with
//! thumbnails and prices, and page links.

use crate::api::catalog::{list_categories, list_zones, search_listings, SearchParams};
use crate::components::listing::{load_error, ListingCardView};
use crate::error::AppError;
use crate::i18n::use_i18n;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

fn params_from(q: &ParamsMap) -> SearchParams {
    let get = |k: &str| q.get(k).filter(|v| !v.trim().is_empty());
    SearchParams {
        q: get("q"),
        kind: get("kind"),
        category: get("category"),
        zone: get("zone"),
        min: get("min"),
        max: get("max"),
        date: get("date"),
        sort: get("sort"),
        page: get("page"),
        per_page: None,
    }
}

/// The query string for another page of the same search.
fn page_href(p: &SearchParams, page: u64) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for (k, v) in [
        ("q", &p.q),
        ("kind", &p.kind),
        ("category", &p.category),
        ("zone", &p.zone),
        ("min", &p.min),
        ("max", &p.max),
        ("date", &p.date),
        ("sort", &p.sort),
    ] {
        if let Some(v) = v {
            pairs.push((k, v.clone()));
        }
    }
    pairs.push(("page", page.to_string()));
    let query: Vec<String> = pairs
        .into_iter()
        .map(|(k, v)| format!("{k}={}", urlencode(&v)))
        .collect();
    format!("/search?{}", query.join("&"))
}

/// "No results", and what to try instead: fewer words, every category,
/// every zone, any day or price; each a link to that search.
#[component]
fn NoResults(p: SearchParams) -> impl IntoView {
    let t = use_i18n();
    let mut tries: Vec<(String, String)> = Vec::new();
    let words: Vec<String> =
        p.q.as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
    if words.len() > 1 {
        let longest = words
            .iter()
            .max_by_key(|w| w.chars().count())
            .cloned()
            .unwrap_or_default();
        let fewer = SearchParams {
            q: Some(longest.clone()),
            ..p.clone()
        };
        tries.push((
            t.search_try_fewer.replace("{word}", &longest),
            page_href(&fewer, 1),
        ));
    }
    if p.category.is_some() {
        let all = SearchParams {
            category: None,
            ..p.clone()
        };
        tries.push((t.search_try_categories.to_owned(), page_href(&all, 1)));
    }
    if p.zone.is_some() {
        let all = SearchParams {
            zone: None,
            ..p.clone()
        };
        tries.push((t.search_try_zones.to_owned(), page_href(&all, 1)));
    }
    if p.date.is_some() {
        let all = SearchParams {
            date: None,
            ..p.clone()
        };
        tries.push((t.search_try_any_date.to_owned(), page_href(&all, 1)));
    }
    if p.min.is_some() || p.max.is_some() {
        let all = SearchParams {
            min: None,
            max: None,
            ..p.clone()
        };
        tries.push((t.search_try_prices.to_owned(), page_href(&all, 1)));
    }
    tries.push((t.search_try_all.to_owned(), "/search".to_owned()));
    view! {
        <section class="card" data-testid="no-results">
            <p>{t.search_no_results}</p>
            <p>{t.search_try}</p>
            <ul class="plain tries">
                {tries.into_iter().map(|(label, href)| view! { <li><a href=href>{label}</a></li> }).collect_view()}
            </ul>
        </section>
    }
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[component]
pub fn SearchPage() -> impl IntoView {
    let t = use_i18n();
    let query = use_query_map();
    let params = Memo::new(move |_| query.with(params_from));
    let results = Resource::new(move || params.get(), search_listings);
    let categories = Resource::new(|| (), |_| list_categories());
    let zones = Resource::new(|| (), |_| list_zones());
    let field_error = move |field: &'static str| {
        results
            .get()
            .and_then(|r| r.err())
            .and_then(|e: AppError| e.field_message(t, field))
    };

    view! {
        <Title text=t.search_title/>
        <h1>{t.search_title}</h1>
        <Suspense fallback=|| ()>
        <form method="get" action="/search" class="search-form card" role="search">
            <div class="field field-wide">
                <label for="search-q">{t.field_query}</label>
                <input id="search-q" type="search" name="q" value=move || params.get().q.unwrap_or_default()/>
            </div>
            <details class="filters" open=move || { let p = params.get(); p.kind.is_some() || p.category.is_some() || p.zone.is_some() || p.min.is_some() || p.max.is_some() || p.date.is_some() }>
                <summary>{t.filters}</summary>
                <div class="filter-grid">
                    <div class="field">
                        <label for="search-kind">{t.field_kind}</label>
                        <select id="search-kind" name="kind">
                            <option value="">{t.search_any_kind}</option>
                            <option value="service" selected=move || params.get().kind.as_deref() == Some("service")>{t.kind_service}</option>
                            <option value="delivery" selected=move || params.get().kind.as_deref() == Some("delivery")>{t.kind_delivery}</option>
                        </select>
                    </div>
                    <div class="field">
                        <label for="search-category">{t.field_category}</label>
                        <select id="search-category" name="category">
                            <option value="">{t.search_any_category}</option>
                            {move || categories.get().and_then(Result::ok).map(|list| list.into_iter().map(|c| {
                                let slug = c.slug.clone();
                                view! { <option value=c.slug selected=move || params.get().category.as_deref() == Some(slug.as_str())>{c.name}</option> }
                            }).collect_view())}
                        </select>
                    </div>
                    <div class="field">
                        <label for="search-zone">{t.field_zone}</label>
                        <select id="search-zone" name="zone">
                            <option value="">{t.search_any_zone}</option>
                            {move || zones.get().and_then(Result::ok).map(|list| list.into_iter().map(|z| {
                                let id = z.id.to_string();
                                let id2 = id.clone();
                                view! { <option value=id selected=move || params.get().zone.as_deref() == Some(id2.as_str())>{z.name}</option> }
                            }).collect_view())}
                        </select>
                    </div>
                    <div class="field">
                        <label for="search-min">{t.field_min_price}</label>
                        <input id="search-min" name="min" inputmode="decimal" value=move || params.get().min.unwrap_or_default()/>
                        <p class="field-error" role="alert">{move || field_error("min")}</p>
                    </div>
                    <div class="field">
                        <label for="search-max">{t.field_max_price}</label>
                        <input id="search-max" name="max" inputmode="decimal" value=move || params.get().max.unwrap_or_default()/>
                        <p class="field-error" role="alert">{move || field_error("max")}</p>
                    </div>
                    <div class="field">
                        <label for="search-date">{t.field_date}</label>
                        <input id="search-date" type="date" name="date" value=move || params.get().date.unwrap_or_default()/>
                        <p class="field-error" role="alert">{move || field_error("date")}</p>
                    </div>
                    <div class="field">
                        <label for="search-sort">{t.field_sort}</label>
                        <select id="search-sort" name="sort">
                            {[("", t.sort_relevance), ("price", t.sort_price), ("price_desc", t.sort_price_desc), ("newest", t.sort_newest)].into_iter().map(|(v, l)| view! {
                                <option value=v selected=move || params.get().sort.as_deref().unwrap_or("") == v>{l}</option>
                            }).collect_view()}
                        </select>
                    </div>
                </div>
            </details>
            <button type="submit" class="button">{t.submit_search}</button>
        </form>
            {move || results.get().map(|r| match r {
                Ok(page) => {
                    let p = params.get();
                    let pages = page.total.div_ceil(page.per_page).max(1);
                    let prev = (page.page > 1).then(|| page_href(&p, page.page - 1));
                    let next = (page.page < pages).then(|| page_href(&p, page.page + 1));
                    view! {
                        <h2 class="muted results-heading"><span role="status" data-testid="result-count">{t.search_results.count(page.total)}</span></h2>
                        {page.items.is_empty().then(|| view! { <NoResults p=p.clone()/> })}
                        <ul class="listing-grid" data-testid="results">
                            {page.items.into_iter().map(|card| view! { <ListingCardView card/> }).collect_view()}
                        </ul>
                        {(pages > 1).then(|| view! {
                            <nav class="pagination" aria-label=t.pagination>
                                {prev.map(|h| view! { <a href=h rel="prev" class="button button-secondary">{t.page_prev}</a> })}
                                <span>{t.page_label}" "{page.page}" / "{pages}</span>
                                {next.map(|h| view! { <a href=h rel="next" class="button button-secondary">{t.page_next}</a> })}
                            </nav>
                        })}
                    }.into_any()
                }
                Err(AppError::Invalid { .. }) => view! { <p class="alert alert-error">{t.err_form_has_errors}</p> }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn page_links_keep_the_filters_and_encode_them() {
        let p = super::SearchParams {
            q: Some("caffè & co".into()),
            kind: Some("service".into()),
            ..Default::default()
        };
        assert_eq!(
            super::page_href(&p, 3),
            "/search?q=caff%C3%A8+%26+co&kind=service&page=3"
        );
    }
}
