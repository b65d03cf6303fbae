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
fn described_by<M>(
    hint_id: Option<String>,
    err_id: String,
    message: impl Fn() -> Option<M> + Clone,
) -> impl Fn() -> Option<String> + Clone {
    move || {
        let mut ids: Vec<String> = hint_id.iter().cloned().collect();
        if message().is_some() {
            ids.push(err_id.clone());
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

/// The summary above a form: what went wrong, and each field's problem as
/// a link to that field. With JavaScript, a refused form also puts the
/// focus on its first wrong field.
#[component]
pub fn FormMessage(
    error: FormError,
    /// Each field's label by name: the summary then says which field.
    #[prop(optional)]
    labels: Vec<(&'static str, &'static str)>,
) -> impl IntoView {
    let t = use_i18n();
    let summary = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if error.get().is_some() {
            // After the fields have marked themselves invalid.
            request_animation_frame(move || focus_first_invalid(summary));
        }
    });
    view! {
        <div class="form-message" role="alert" aria-live="assertive" node_ref=summary>
            {move || error.get().map(|e| {
                let fields = e.field_problems(t);
                view! {
                    <div class="alert alert-error" data-testid="form-summary">
                        <p>{e.message(t)}</p>
                        {(!fields.is_empty()).then(|| view! {
                            <ul>
                                {fields.into_iter().map(|(name, message)| {
                                    let label = labels.iter().find(|(n, _)| *n == name).map(|(_, l)| *l);
                                    view! {
                                        <li><a href=format!("#field-{name}")>
                                            {label.map(|l| view! { <strong>{l}</strong>": " })}
                                            {message}
                                        </a></li>
                                    }
                                }).collect_view()}
                            </ul>
                        })}
                    </div>
                }
            })}
        </div>
    }
}

/// Focuses the first field marked invalid in the form around `summary`
/// (in the browser, once the fields show their errors).
fn focus_first_invalid(summary: NodeRef<leptos::html::Div>) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(el) = summary.get_untracked() else {
            return;
        };
        let scope: web_sys::Element = match el.closest("form") {
            Ok(Some(form)) => form,
            _ => el.unchecked_into(),
        };
        // A wrong field, or a whole group of choices (its fieldset).
        if let Ok(Some(field)) = scope.query_selector("[aria-invalid=\"true\"], .group-invalid") {
            if let Ok(field) = field.dyn_into::<web_sys::HtmlElement>() {
                let _ = field.focus();
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = summary;
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

/// A check box sending `on` when ticked; `checked` when the form is new.
#[component]
pub fn Checkbox(
    error: FormError,
    name: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = false)] checked: bool,
) -> impl IntoView {
    let t = use_i18n();
    let id = format!("field-{name}");
    let err_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let message = move || error.get().and_then(|e| e.field_message(t, name));
    let ticked = move || {
        error
            .get()
            .and_then(|e| e.echoed(name))
            .map_or(checked, |v| v == "on")
    };
    let described = described_by(hint.map(|_| hint_id.clone()), err_id.clone(), message);
    view! {
        <div class="field checkbox" class:field-invalid=move || message().is_some()>
            <input type="checkbox" id=id.clone() name=name value="on" checked=ticked
                aria-invalid=move || message().map(|_| "true") aria-describedby=described/>
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p class="field-hint" id=hint_id.clone()>{h}</p> })}
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
