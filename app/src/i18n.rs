//! Every string a person reads, in Italian (default), English and Spanish.
//!
//! One `Strings` table per locale: a missing translation is a compile error.
//! The locale is chosen on the server (cookie, then `Accept-Language`) and
//! written into `<html lang>`, which the browser bundle reads back on hydration.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    It,
    En,
    Es,
}

/// Name of the cookie that remembers the chosen language.
pub const LOCALE_COOKIE: &str = "mutua_lang";

/// The `Set-Cookie` value that remembers `locale` for a year.
pub fn locale_cookie(locale: Locale) -> String {
    format!(
        "{LOCALE_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        locale.code()
    )
}

impl Locale {
    pub const ALL: [Locale; 3] = [Locale::It, Locale::En, Locale::Es];

    pub fn code(self) -> &'static str {
        match self {
            Locale::It => "it",
            Locale::En => "en",
            Locale::Es => "es",
        }
    }

    /// The language's own name, as shown in the switcher.
    pub fn endonym(self) -> &'static str {
        match self {
            Locale::It => "Italiano",
            Locale::En => "English",
            Locale::Es => "Español",
        }
    }

    /// Parses a language tag such as `es`, `en-GB` or `IT`.
    pub fn parse(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "it" => Some(Locale::It),
            "en" => Some(Locale::En),
            "es" => Some(Locale::Es),
            _ => None,
        }
    }

    /// Picks the best supported language from an `Accept-Language` header,
    /// honouring `q` weights (ties keep header order).
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(u16, Locale)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let Some(locale) = parts.next().and_then(Locale::parse) else {
                continue;
            };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            // q has at most three decimals (RFC 9110): compare as integers.
            let q = (q.clamp(0.0, 1.0) * 1000.0).round() as u16;
            if q > 0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, locale));
            }
        }
        best.map(|(_, l)| l)
    }

    pub fn strings(self) -> &'static Strings {
        match self {
            Locale::It => &IT,
            Locale::En => &EN,
            Locale::Es => &ES,
        }
    }
}

/// All user-visible text. Grouped by page; field names say where they show.
pub struct Strings {
    pub site_name: &'static str,
    pub tagline: &'static str,
    pub skip_to_content: &'static str,
    pub nav_home: &'static str,
    pub nav_search: &'static str,
    pub nav_transparency: &'static str,
    pub nav_login: &'static str,
    pub nav_register: &'static str,
    pub nav_account: &'static str,
    pub nav_logout: &'static str,
    pub nav_menu_label: &'static str,
    pub language: &'static str,
    pub change_language: &'static str,
    pub footer_text: &'static str,

    pub home_title: &'static str,
    pub home_lead: &'static str,
    pub home_how_title: &'static str,
    pub home_how_1: &'static str,
    pub home_how_2: &'static str,
    pub home_how_3: &'static str,
    pub home_members_title: &'static str,
    pub home_cta_join: &'static str,
    pub home_stats_members: &'static str,
    pub home_example_price: &'static str,
    pub home_example_fee: &'static str,

    pub login_title: &'static str,
    pub register_title: &'static str,
    pub field_email: &'static str,
    pub field_password: &'static str,
    pub field_display_name: &'static str,
    pub field_language: &'static str,
    pub field_current_password: &'static str,
    pub field_new_password: &'static str,
    pub password_hint: &'static str,
    pub submit_login: &'static str,
    pub submit_register: &'static str,
    pub submit_change_password: &'static str,
    pub submit_save: &'static str,
    pub no_account_yet: &'static str,
    pub have_account: &'static str,

    pub account_title: &'static str,
    pub account_greeting: &'static str,
    pub account_role: &'static str,
    pub account_member_since: &'static str,
    pub account_preferences: &'static str,
    pub account_change_password: &'static str,
    pub password_changed: &'static str,
    pub preferences_saved: &'static str,

    pub role_customer: &'static str,
    pub role_member: &'static str,
    pub role_board: &'static str,
    pub class_worker: &'static str,
    pub class_user: &'static str,
    pub class_supporter: &'static str,

    pub not_found_title: &'static str,
    pub not_found_text: &'static str,
    pub back_home: &'static str,
    pub coming_soon: &'static str,

    pub err_required: &'static str,
    pub err_email_invalid: &'static str,
    pub err_email_taken: &'static str,
    pub err_password_too_short: &'static str,
    pub err_password_too_long: &'static str,
    pub err_password_common: &'static str,
    pub err_display_name_invalid: &'static str,
    pub err_credentials: &'static str,
    pub err_current_password_wrong: &'static str,
    pub err_too_many_attempts: &'static str,
    pub err_unauthorized: &'static str,
    pub err_forbidden: &'static str,
    pub err_not_found: &'static str,
    pub err_conflict: &'static str,
    pub err_internal: &'static str,
    pub err_reference: &'static str,
    pub err_form_has_errors: &'static str,
}

pub static IT: Strings = Strings {
    site_name: "Mutua",
    tagline: "Il mercato di chi ci lavora",
    skip_to_content: "Vai al contenuto",
    nav_home: "Home",
    nav_search: "Cerca",
    nav_transparency: "Trasparenza",
    nav_login: "Accedi",
    nav_register: "Registrati",
    nav_account: "Il mio account",
    nav_logout: "Esci",
    nav_menu_label: "Navigazione principale",
    language: "Lingua",
    change_language: "Cambia",
    footer_text: "Mutua è una cooperativa di piattaforma: appartiene a chi ci lavora.",
    home_title: "Servizi locali e consegne, dalla cooperativa",
    home_lead: "Pulizie, riparazioni, cura della persona, sartoria e consegne in cargo-bike, offerti dai soci che possiedono la piattaforma. Le commissioni le votano i soci, e ogni euro è scritto in un registro che tutti possono vedere.",
    home_how_title: "Come funziona",
    home_how_1: "Scegli un servizio o una consegna offerti da un socio.",
    home_how_2: "Paghi: la cooperativa trattiene una piccola commissione, votata dai soci.",
    home_how_3: "Il resto va a chi ha fatto il lavoro, e a fine anno gli utili tornano ai soci.",
    home_members_title: "I nostri soci",
    home_cta_join: "Entra nella cooperativa",
    home_stats_members: "soci attivi",
    home_example_price: "Esempio: un servizio da",
    home_example_fee: "di cui alla cooperativa",
    login_title: "Accedi",
    register_title: "Crea un account",
    field_email: "E-mail",
    field_password: "Password",
    field_display_name: "Nome visualizzato",
    field_language: "Lingua preferita",
    field_current_password: "Password attuale",
    field_new_password: "Nuova password",
    password_hint: "Da 8 a 128 caratteri; evita password comuni.",
    submit_login: "Accedi",
    submit_register: "Registrati",
    submit_change_password: "Cambia password",
    submit_save: "Salva",
    no_account_yet: "Non hai un account?",
    have_account: "Hai già un account?",
    account_title: "Il mio account",
    account_greeting: "Ciao",
    account_role: "Ruolo",
    account_member_since: "Iscritto dal",
    account_preferences: "Preferenze",
    account_change_password: "Cambia password",
    password_changed: "Password cambiata.",
    preferences_saved: "Preferenze salvate.",
    role_customer: "Cliente",
    role_member: "Socio",
    role_board: "Consiglio di amministrazione",
    class_worker: "Socio lavoratore",
    class_user: "Socio fruitore",
    class_supporter: "Socio sovventore",
    not_found_title: "Pagina non trovata",
    not_found_text: "La pagina che cerchi non esiste o è stata spostata.",
    back_home: "Torna alla home",
    coming_soon: "In arrivo.",
    err_required: "Campo obbligatorio.",
    err_email_invalid: "Inserisci un indirizzo e-mail valido.",
    err_email_taken: "Esiste già un account con questa e-mail.",
    err_password_too_short: "La password deve avere almeno 8 caratteri.",
    err_password_too_long: "La password può avere al massimo 128 caratteri.",
    err_password_common: "Questa password è troppo comune: scegline un'altra.",
    err_display_name_invalid: "Il nome deve avere da 2 a 60 caratteri.",
    err_credentials: "E-mail o password errata.",
    err_current_password_wrong: "La password attuale non è corretta.",
    err_too_many_attempts: "Troppi tentativi. Riprova tra qualche minuto.",
    err_unauthorized: "Accedi per continuare.",
    err_forbidden: "Non hai i permessi per questa operazione.",
    err_not_found: "Non trovato.",
    err_conflict: "L'operazione è in conflitto con lo stato attuale.",
    err_internal: "Qualcosa è andato storto da parte nostra. Riprova.",
    err_reference: "Codice di riferimento",
    err_form_has_errors: "Controlla i campi evidenziati.",
};

pub static EN: Strings = Strings {
    site_name: "Mutua",
    tagline: "The marketplace owned by the people who work on it",
    skip_to_content: "Skip to content",
    nav_home: "Home",
    nav_search: "Search",
    nav_transparency: "Transparency",
    nav_login: "Log in",
    nav_register: "Sign up",
    nav_account: "My account",
    nav_logout: "Log out",
    nav_menu_label: "Main navigation",
    language: "Language",
    change_language: "Change",
    footer_text: "Mutua is a platform cooperative: it belongs to the people who work on it.",
    home_title: "Local services and deliveries, from the cooperative",
    home_lead: "Cleaning, repairs, care, tailoring and cargo-bike deliveries, offered by the members who own the platform. Members vote the fees, and every euro is written in a ledger everyone can see.",
    home_how_title: "How it works",
    home_how_1: "Pick a service or a delivery offered by a member.",
    home_how_2: "Pay: the cooperative keeps a small fee, voted by its members.",
    home_how_3: "The rest goes to whoever did the work, and at year end the surplus returns to members.",
    home_members_title: "Our members",
    home_cta_join: "Join the cooperative",
    home_stats_members: "active members",
    home_example_price: "Example: a service at",
    home_example_fee: "of which to the cooperative",
    login_title: "Log in",
    register_title: "Create an account",
    field_email: "E-mail",
    field_password: "Password",
    field_display_name: "Display name",
    field_language: "Preferred language",
    field_current_password: "Current password",
    field_new_password: "New password",
    password_hint: "8 to 128 characters; avoid common passwords.",
    submit_login: "Log in",
    submit_register: "Sign up",
    submit_change_password: "Change password",
    submit_save: "Save",
    no_account_yet: "No account yet?",
    have_account: "Already have an account?",
    account_title: "My account",
    account_greeting: "Hello",
    account_role: "Role",
    account_member_since: "Joined",
    account_preferences: "Preferences",
    account_change_password: "Change password",
    password_changed: "Password changed.",
    preferences_saved: "Preferences saved.",
    role_customer: "Customer",
    role_member: "Member",
    role_board: "Board member",
    class_worker: "Worker member",
    class_user: "User member",
    class_supporter: "Supporting member",
    not_found_title: "Page not found",
    not_found_text: "The page you are looking for does not exist or has moved.",
    back_home: "Back to the home page",
    coming_soon: "Coming soon.",
    err_required: "This field is required.",
    err_email_invalid: "Enter a valid e-mail address.",
    err_email_taken: "An account with this e-mail already exists.",
    err_password_too_short: "The password must be at least 8 characters long.",
    err_password_too_long: "The password can be at most 128 characters long.",
    err_password_common: "This password is too common: choose another one.",
    err_display_name_invalid: "The name must be 2 to 60 characters long.",
    err_credentials: "E-mail or password is wrong.",
    err_current_password_wrong: "The current password is not correct.",
    err_too_many_attempts: "Too many attempts. Try again in a few minutes.",
    err_unauthorized: "Log in to continue.",
    err_forbidden: "You are not allowed to do this.",
    err_not_found: "Not found.",
    err_conflict: "This conflicts with the current state.",
    err_internal: "Something went wrong on our side. Please try again.",
    err_reference: "Reference",
    err_form_has_errors: "Please check the highlighted fields.",
};

pub static ES: Strings = Strings {
    site_name: "Mutua",
    tagline: "El mercado de quienes trabajan en él",
    skip_to_content: "Saltar al contenido",
    nav_home: "Inicio",
    nav_search: "Buscar",
    nav_transparency: "Transparencia",
    nav_login: "Iniciar sesión",
    nav_register: "Registrarse",
    nav_account: "Mi cuenta",
    nav_logout: "Cerrar sesión",
    nav_menu_label: "Navegación principal",
    language: "Idioma",
    change_language: "Cambiar",
    footer_text: "Mutua es una cooperativa de plataforma: pertenece a quienes trabajan en ella.",
    home_title: "Servicios locales y entregas, de la cooperativa",
    home_lead: "Limpieza, reparaciones, cuidados, costura y entregas en bicicleta de carga, ofrecidos por los socios que son dueños de la plataforma. Los socios votan las comisiones y cada euro queda escrito en un libro que todos pueden ver.",
    home_how_title: "Cómo funciona",
    home_how_1: "Elige un servicio o una entrega que ofrece un socio.",
    home_how_2: "Paga: la cooperativa se queda una pequeña comisión, votada por los socios.",
    home_how_3: "El resto va a quien hizo el trabajo, y a fin de año los excedentes vuelven a los socios.",
    home_members_title: "Nuestros socios",
    home_cta_join: "Únete a la cooperativa",
    home_stats_members: "socios activos",
    home_example_price: "Ejemplo: un servicio de",
    home_example_fee: "de los cuales para la cooperativa",
    login_title: "Iniciar sesión",
    register_title: "Crear una cuenta",
    field_email: "Correo electrónico",
    field_password: "Contraseña",
    field_display_name: "Nombre visible",
    field_language: "Idioma preferido",
    field_current_password: "Contraseña actual",
    field_new_password: "Contraseña nueva",
    password_hint: "De 8 a 128 caracteres; evita contraseñas comunes.",
    submit_login: "Entrar",
    submit_register: "Registrarse",
    submit_change_password: "Cambiar contraseña",
    submit_save: "Guardar",
    no_account_yet: "¿Aún no tienes cuenta?",
    have_account: "¿Ya tienes cuenta?",
    account_title: "Mi cuenta",
    account_greeting: "Hola",
    account_role: "Rol",
    account_member_since: "Registrado desde",
    account_preferences: "Preferencias",
    account_change_password: "Cambiar contraseña",
    password_changed: "Contraseña cambiada.",
    preferences_saved: "Preferencias guardadas.",
    role_customer: "Cliente",
    role_member: "Socio",
    role_board: "Consejo rector",
    class_worker: "Socio trabajador",
    class_user: "Socio usuario",
    class_supporter: "Socio colaborador",
    not_found_title: "Página no encontrada",
    not_found_text: "La página que buscas no existe o se ha movido.",
    back_home: "Volver al inicio",
    coming_soon: "Próximamente.",
    err_required: "Este campo es obligatorio.",
    err_email_invalid: "Introduce un correo electrónico válido.",
    err_email_taken: "Ya existe una cuenta con este correo.",
    err_password_too_short: "La contraseña debe tener al menos 8 caracteres.",
    err_password_too_long: "La contraseña puede tener como máximo 128 caracteres.",
    err_password_common: "Esta contraseña es demasiado común: elige otra.",
    err_display_name_invalid: "El nombre debe tener entre 2 y 60 caracteres.",
    err_credentials: "Correo o contraseña incorrectos.",
    err_current_password_wrong: "La contraseña actual no es correcta.",
    err_too_many_attempts: "Demasiados intentos. Vuelve a intentarlo en unos minutos.",
    err_unauthorized: "Inicia sesión para continuar.",
    err_forbidden: "No tienes permiso para hacer esto.",
    err_not_found: "No encontrado.",
    err_conflict: "Esto entra en conflicto con el estado actual.",
    err_internal: "Algo ha fallado por nuestra parte. Inténtalo de nuevo.",
    err_reference: "Referencia",
    err_form_has_errors: "Revisa los campos marcados.",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_honours_weights_and_falls_back() {
        assert_eq!(
            Locale::from_accept_language("es-ES,es;q=0.9,en;q=0.8"),
            Some(Locale::Es)
        );
        assert_eq!(
            Locale::from_accept_language("fr-FR, en;q=0.5, it;q=0.7"),
            Some(Locale::It)
        );
        assert_eq!(Locale::from_accept_language("de, fr"), None);
        assert_eq!(
            Locale::from_accept_language("en;q=0, es;q=0.1"),
            Some(Locale::Es)
        );
        assert_eq!(Locale::from_accept_language(""), None);
    }

    #[test]
    fn parse_accepts_region_tags() {
        assert_eq!(Locale::parse("EN-gb"), Some(Locale::En));
        assert_eq!(Locale::parse("it_IT"), Some(Locale::It));
        assert_eq!(Locale::parse("pt"), None);
    }
}

/// The language of this request: the `mutua_lang` cookie, then
/// `Accept-Language`, then Italian.
pub fn locale_from_headers<'a>(
    cookie_headers: impl Iterator<Item = &'a str>,
    accept_language: Option<&str>,
) -> Locale {
    cookie_headers
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == LOCALE_COOKIE)
        .and_then(|(_, v)| Locale::parse(v))
        .or_else(|| accept_language.and_then(Locale::from_accept_language))
        .unwrap_or_default()
}

/// The language of the request being served (server side).
#[cfg(feature = "ssr")]
pub fn request_locale() -> Locale {
    use leptos::prelude::use_context;
    let Some(parts) = use_context::<http::request::Parts>() else {
        return Locale::default();
    };
    locale_from_headers(
        parts
            .headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok()),
        parts
            .headers
            .get(http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// The page's language: from the request on the server, from `<html lang>`
/// (written by the server) in the browser.
pub fn page_locale() -> Locale {
    #[cfg(feature = "ssr")]
    {
        request_locale()
    }
    #[cfg(not(feature = "ssr"))]
    {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .and_then(|e| e.get_attribute("lang"))
            .and_then(|l| Locale::parse(&l))
            .unwrap_or_default()
    }
}

/// The strings of the current page (provided by `App`).
pub fn use_i18n() -> &'static Strings {
    use_locale().strings()
}

pub fn use_locale() -> Locale {
    leptos::prelude::use_context::<Locale>().unwrap_or_default()
}

const MONTHS: [[&str; 12]; 3] = [
    [
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ],
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
];

/// A calendar date as people write it in `locale`: `23 novembre 2026`,
/// `23 November 2026`, `23 de noviembre de 2026`.
pub fn format_date(locale: Locale, date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let m = date.month0() as usize;
    let (d, y) = (date.day(), date.year());
    match locale {
        Locale::It => format!("{d} {} {y}", MONTHS[0][m]),
        Locale::En => format!("{d} {} {y}", MONTHS[1][m]),
        Locale::Es => format!("{d} de {} de {y}", MONTHS[2][m]),
    }
}

#[cfg(test)]
mod request_tests {
    use super::*;

    #[test]
    fn cookie_wins_over_accept_language() {
        let cookies = ["theme=dark; mutua_lang=es", "other=1"];
        assert_eq!(
            locale_from_headers(cookies.into_iter(), Some("en")),
            Locale::Es
        );
        assert_eq!(
            locale_from_headers(["mutua_lang=xx"].into_iter(), Some("en-US")),
            Locale::En
        );
        assert_eq!(locale_from_headers(std::iter::empty(), None), Locale::It);
    }

    #[test]
    fn dates_per_locale() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 3).unwrap_or_default();
        assert_eq!(format_date(Locale::It, d), "3 novembre 2026");
        assert_eq!(format_date(Locale::En, d), "3 November 2026");
        assert_eq!(format_date(Locale::Es, d), "3 de noviembre de 2026");
    }
}
