//! `/members` (members only) and `/members/{id}` (public profile of an
//! active member).

use crate::api::catalog::member_listings;
use crate::api::membership::{member_directory, member_profile};
use crate::components::listing::{class_name, load_error, ListingCardView};
use crate::error::AppError;
use crate::i18n::{format_date, use_i18n, use_locale};
use crate::pages::listing::path_id;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MembersPage() -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let members = Resource::new(|| (), |_| member_directory());
    view! {
        <Title text=t.members_title/>
        <Suspense fallback=|| ()>
            {move || members.get().map(|r| match r {
                Ok(list) => view! {
                    <h1>{t.members_title}</h1>
                    <p class="lead">{t.members_lead}</p>
                    <ul class="member-directory" data-testid="directory">
                        {list.into_iter().map(|m| view! {
                            <li class="card member-entry">
                                <h2><a href=format!("/members/{}", m.id)>{m.display_name.clone()}</a></h2>
                                <p><span class="badge">{class_name(t, &m.class, m.form)}</span>" "
                                    <span class="muted">{t.member_since}" "{format_date(locale, m.since.date_naive())}</span></p>
                                {m.bio.clone().map(|b| view! { <p>{b}</p> })}
                                <p class="muted">{t.member_listings}": "{m.active_listings}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}

#[component]
pub fn MemberPage() -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let id = path_id("id");
    let profile = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => Ok((member_profile(id).await?, member_listings(id).await?)),
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Suspense fallback=|| ()>
            {move || profile.get().map(|r| match r {
                Ok((m, listings)) => view! {
                    <Title text=m.display_name.clone()/>
                    <section class="card profile" data-testid="profile">
                        <h1>{m.display_name.clone()}</h1>
                        <p><span class="badge">{class_name(t, &m.class, m.form)}</span>" "
                            <span class="muted">{t.member_since}" "{format_date(locale, m.since.date_naive())}</span></p>
                        {m.bio.clone().map(|b| view! { <p class="bio">{b}</p> })}
                    </section>
                    <h2>{t.member_listings}</h2>
                    {if listings.is_empty() {
                        view! { <p class="muted">{t.member_no_listings}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="listing-grid">
                                {listings.into_iter().map(|card| view! { <ListingCardView card/> }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}
