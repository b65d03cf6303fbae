//! Accessible form fields that show a translated error next to themselves
//! and keep what the user typed (also after a submit without JavaScript).

use crate::error::AppError;
use crate::i18n::use_i18n;
use leptos::prelude::*;

/// The last error of a form's action, as a signal.
pub type FormError = Signal<Option<AppError>>;

#[component]
pub fn Field(
    /// The form's current error, if any.
    error: FormError,
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = true)] required: bool,
    #[prop(optional, into)] value: Option<String>,
) -> impl IntoView {
    let t = use_i18n();
    let id = format!("field-{name}");
    let err_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let message = move || error.get().and_then(|e| e.field_message(t, name));
    // Secrets are never echoed back.
    let secret = input_type == "password";
    let echoed = move || {
        if secret {
            None
        } else {
            error
                .get()
                .and_then(|e| e.echoed(name))
                .or_else(|| value.clone())
        }
    };
    let described = described_by(hint.map(|_| hint_id.clone()), err_id.clone(), message);
    view! {
        <div class="field" class:field-invalid=move || message().is_some()>
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="field-hint" id=hint_id.clone()>{h}</p> })}
            <input
                id=id
                name=name
                type=input_type
                autocomplete=autocomplete
                required=required
                value=echoed
                aria-invalid=move || message().map(|_| "true")
                aria-describedby=described
            />
            <p class="field-error" id=err_id role="alert">{message}</p>
        </div>
    }
}

/// The `aria-describedby` of a field: its hint, and its error while shown.
fn described_by(
    hint_id: Option<String>,
    err_id: String,
    message: impl Fn() -> Option<&'static str> + Clone,
) -> impl Fn() -> Option<String> + Clone {
    move || {
        let mut ids: Vec<String> = hint_id.iter().cloned().collect();
        if message().is_some() {
            ids.push(err_id.clone());
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

/// A summary above the form for errors that belong to no single field.
#[component]
pub fn FormMessage(error: FormError) -> impl IntoView {
    let t = use_i18n();
    view! {
        <div class="form-message" role="alert" aria-live="assertive">
            {move || error.get().map(|e| view! { <p class="alert alert-error">{e.message(t)}</p> })}
        </div>
    }
}

/// A multi-line text field with the same error and echo behaviour as `Field`.
#[component]
pub fn TextArea(
    error: FormError,
    name: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = true)] required: bool,
    #[prop(optional, into)] value: Option<String>,
    #[prop(default = 5)] rows: u32,
) -> impl IntoView {
    let t = use_i18n();
    let id = format!("field-{name}");
    let err_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let message = move || error.get().and_then(|e| e.field_message(t, name));
    let echoed = move || {
        error
            .get()
            .and_then(|e| e.echoed(name))
            .or_else(|| value.clone())
            .unwrap_or_default()
    };
    let text = echoed.clone();
    let described = described_by(hint.map(|_| hint_id.clone()), err_id.clone(), message);
    view! {
        <div class="field" class:field-invalid=move || message().is_some()>
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="field-hint" id=hint_id.clone()>{h}</p> })}
            <textarea
                id=id
                name=name
                rows=rows
                required=required
                aria-invalid=move || message().map(|_| "true")
                aria-describedby=described
                prop:value=echoed
            >{text}</textarea>
            <p class="field-error" id=err_id role="alert">{message}</p>
        </div>
    }
}

/// A select box; `options` are (value, label) pairs.
#[component]
pub fn Select(
    error: FormError,
    name: &'static str,
    label: &'static str,
    options: Vec<(String, String)>,
    #[prop(optional, into)] value: Option<String>,
    /// A first, empty choice (e.g. "choose…").
    #[prop(optional)]
    placeholder: Option<&'static str>,
) -> impl IntoView {
    let t = use_i18n();
    let id = format!("field-{name}");
    let err_id = format!("{id}-error");
    let message = move || error.get().and_then(|e| e.field_message(t, name));
    let chosen = move || {
        error
            .get()
            .and_then(|e| e.echoed(name))
            .or_else(|| value.clone())
            .unwrap_or_default()
    };
    let described = {
        let err_id = err_id.clone();
        move || message().map(|_| err_id.clone())
    };
    view! {
        <div class="field" class:field-invalid=move || message().is_some()>
            <label for=id.clone()>{label}</label>
            <select id=id name=name aria-invalid=move || message().map(|_| "true") aria-describedby=described>
                {placeholder.map(|p| view! { <option value="">{p}</option> })}
                {options.into_iter().map(|(v, l)| {
                    let selected = {
                        let chosen = chosen.clone();
                        let v = v.clone();
                        move || chosen() == v
                    };
                    view! { <option value=v selected=selected>{l}</option> }
                }).collect_view()}
            </select>
            <p class="field-error" id=err_id role="alert">{message}</p>
        </div>
    }
}
