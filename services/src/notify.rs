//! E-mail notifications about orders, in the recipient's language. They are
//! written to `email_outbox` inside the transaction of the event they tell
//! about; the server's mailer sends them (or files them in the outbox
//! directory when no SMTP server is configured).

use super::entities::{email_outbox, users};
use chrono::{DateTime, Utc};
use i18n::Locale;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};
use uuid::Uuid;

/// Replaced by the public address of the site when the mail is sent.
pub const BASE_URL_TOKEN: &str = "{base_url}";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// To a provider: a new order has a line for you.
    NewOrder,
    /// To the customer: every provider accepted.
    Accepted,
    /// To the customer: the courier delivered.
    Delivered,
    /// To the customer: a service line's work is done.
    Done,
    /// To the providers: the order is completed.
    Completed,
    /// To the customer: the payment did not arrive in time, the order expired.
    Expired,
    /// To the customer: declined or cancelled after payment; money goes back.
    Refunded,
    /// To the customer: a bank transfer is due within a day.
    PaymentReminder,
    /// To the customer: a card order not paid expires in a quarter of an hour.
    CardReminder,
    /// To the customer: the order is placed; what to pay, how and by when.
    Placed,
}

/// The outbox's mark of a mail the order waits for: the customer told the
/// work is done (an order completes by itself 48 h after it went out).
pub const WORK_DONE: &str = "work_done";

/// The outbox's mark of an order's confirmation to its customer.
pub const PLACED: &str = "placed";

/// The outbox's mark of a mail sent because someone registered an address
/// (counted to limit how many one address gets).
pub const REGISTRATION: &str = "registration";

impl Notice {
    fn tag(self) -> Option<&'static str> {
        matches!(self, Notice::Delivered | Notice::Done).then_some(WORK_DONE)
    }
}

fn texts(notice: Notice, locale: Locale) -> (&'static str, &'static str) {
    use Notice::*;
    match (locale, notice) {
        (Locale::It, NewOrder) => ("Nuovo ordine su Mutua", "Hai un nuovo ordine: «{title}».\nAccetta il lavoro (o rifiutalo) qui:"),
        (Locale::It, Accepted) => ("Il tuo ordine è stato accettato", "I soci hanno accettato il tuo ordine «{title}».\nSeguilo qui:"),
        (Locale::It, Delivered) => ("Consegna effettuata", "La consegna del tuo ordine «{title}» è stata effettuata.\nConferma che è tutto a posto, o apri una contestazione (senza risposta, l'ordine si chiude da solo tra 48 ore):"),
        (Locale::It, Done) => ("Lavoro svolto", "Il lavoro «{title}» del tuo ordine è stato svolto.\nConferma che è tutto a posto, o apri una contestazione (senza risposta, l'ordine si chiude da solo tra 48 ore):"),
        (Locale::En, Done) => ("Work done", "The work “{title}” of your order is done.\nConfirm all is well, or open a dispute (without an answer, the order closes by itself in 48 hours):"),
        (Locale::Es, Done) => ("Trabajo realizado", "El trabajo «{title}» de tu pedido está hecho.\nConfirma que todo está bien, o abre una reclamación (sin respuesta, el pedido se cierra solo en 48 horas):"),
        (Locale::It, Completed) => ("Ordine completato", "L'ordine «{title}» è completato. Grazie per il tuo lavoro!"),
        (Locale::It, Expired) => ("Ordine scaduto", "Il tuo ordine «{title}» è scaduto: il pagamento non è arrivato in tempo."),
        (Locale::It, Refunded) => ("Ordine annullato: ti rimborsiamo", "Il tuo ordine «{title}» è stato annullato; quanto hai pagato ti sarà restituito."),
        (Locale::It, CardReminder) => ("Promemoria: paga il tuo ordine con la carta", "Il pagamento con carta del tuo ordine «{title}» non è ancora arrivato: l'ordine scade tra un quarto d'ora. Paga qui:"),
        (Locale::En, CardReminder) => ("Reminder: pay for your order by card", "The card payment for your order “{title}” has not arrived yet; the order expires in a quarter of an hour. Pay here:"),
        (Locale::Es, CardReminder) => ("Recordatorio: paga tu pedido con tarjeta", "El pago con tarjeta de tu pedido «{title}» aún no ha llegado; el pedido caduca en un cuarto de hora. Paga aquí:"),
        (Locale::It, PaymentReminder) => ("Promemoria: pagamento dell'ordine", "Il bonifico per il tuo ordine «{title}» non è ancora arrivato: scade tra meno di un giorno. Conto e riferimento sono qui:"),
        (Locale::En, PaymentReminder) => ("Reminder: your order's payment", "The transfer for your order “{title}” has not arrived yet; it is due within a day. The account and the reference are here:"),
        (Locale::Es, PaymentReminder) => ("Recordatorio: pago del pedido", "La transferencia de tu pedido «{title}» aún no ha llegado; vence en menos de un día. La cuenta y la referencia están aquí:"),
        (Locale::En, NewOrder) => ("New order on Mutua", "You have a new order: “{title}”.\nAccept the work (or decline it) here:"),
        (Locale::En, Accepted) => ("Your order was accepted", "The members accepted your order “{title}”.\nFollow it here:"),
        (Locale::En, Delivered) => ("Delivered", "Your order “{title}” was delivered.\nConfirm all is well, or open a dispute (without an answer, the order closes by itself in 48 hours):"),
        (Locale::En, Completed) => ("Order completed", "The order “{title}” is completed. Thank you for your work!"),
        (Locale::En, Expired) => ("Order expired", "Your order “{title}” expired: the payment did not arrive in time."),
        (Locale::En, Refunded) => ("Order cancelled: you will be refunded", "Your order “{title}” was cancelled; what you paid will be returned."),
        (Locale::Es, NewOrder) => ("Nuevo pedido en Mutua", "Tienes un nuevo pedido: «{title}».\nAcepta el trabajo (o recházalo) aquí:"),
        (Locale::Es, Accepted) => ("Tu pedido ha sido aceptado", "Los socios aceptaron tu pedido «{title}».\nSíguelo aquí:"),
        (Locale::Es, Delivered) => ("Entrega realizada", "Tu pedido «{title}» ha sido entregado.\nConfirma que todo está bien, o abre una reclamación (sin respuesta, el pedido se cierra solo en 48 horas):"),
        (Locale::Es, Completed) => ("Pedido completado", "El pedido «{title}» está completado. ¡Gracias por tu trabajo!"),
        (Locale::Es, Expired) => ("Pedido caducado", "Tu pedido «{title}» caducó: el pago no llegó a tiempo."),
        (Locale::Es, Refunded) => ("Pedido cancelado: te devolvemos el dinero", "Tu pedido «{title}» fue cancelado; se te devolverá lo pagado."),
        (Locale::It, Placed) => ("Abbiamo ricevuto il tuo ordine", "Grazie! Il tuo ordine «{title}» è registrato.\n{pay}\nLo segui qui:"),
        (Locale::En, Placed) => ("We have your order", "Thank you! Your order “{title}” is in.\n{pay}\nFollow it here:"),
        (Locale::Es, Placed) => ("Hemos recibido tu pedido", "¡Gracias! Tu pedido «{title}» está registrado.\n{pay}\nSíguelo aquí:"),
    }
}

/// The word before an order's number, per language.
fn order_word(locale: Locale) -> &'static str {
    match locale {
        Locale::It => "Ordine",
        Locale::En => "Order",
        Locale::Es => "Pedido",
    }
}

/// The order a notice is about.
#[derive(Clone, Copy, Debug)]
pub struct About<'a> {
    pub id: Uuid,
    /// Its human number, `2026-0042`.
    pub number: &'a str,
    /// The line the notice is about, or the order's first.
    pub title: &'a str,
}

/// The subject and body of a notice, with the order's number and link;
/// `pay` fills the `{pay}` of `Placed` (what to pay, how, by when).
pub fn render(notice: Notice, locale: Locale, about: About<'_>, pay: &str) -> (String, String) {
    let (subject, body) = texts(notice, locale);
    let word = order_word(locale);
    let number = about.number;
    let body = format!(
        "{word} {number}\n\n{}\n\n{BASE_URL_TOKEN}/orders/{}\n\n— Mutua\n",
        body.replace("{title}", about.title).replace("{pay}", pay),
        about.id
    );
    (format!("{subject} · {word} {number}"), body)
}

/// Queues `notice` about an order for the user `recipient`.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    notice: Notice,
    recipient: Uuid,
    about: About<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    match users::Entity::find_by_id(recipient).one(db).await? {
        Some(user) => enqueue_to(db, notice, &user, about, now).await,
        None => Ok(()),
    }
}

/// Queues `notice` for a user already read.
pub async fn enqueue_to(
    db: &impl ConnectionTrait,
    notice: Notice,
    user: &users::Model,
    about: About<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let locale = Locale::parse(&user.locale).unwrap_or(Locale::It);
    let (subject, body) = render(notice, locale, about, "");
    let mail = Mail {
        locale,
        subject,
        body,
        order_id: Some(about.id),
        notice: notice.tag(),
    };
    enqueue_mail(db, user, mail, now).await
}

/// How an order is paid, as its confirmation mail says it.
pub enum HowToPay<'a> {
    /// In cash to `collector`, when the work is done.
    Cash { collector: &'a str },
    /// By bank transfer to the cooperative's account, with the reference,
    /// by a deadline.
    Bank {
        beneficiary: &'a str,
        iban: &'a str,
        reference: &'a str,
        by: DateTime<Utc>,
    },
    /// By card on the order's page, by a deadline.
    Card { by: DateTime<Utc> },
}

/// When a deadline falls, as a mail says it (UTC until the cooperative's
/// time zone is configurable).
fn deadline(locale: Locale, at: DateTime<Utc>) -> String {
    let date = i18n::format_date(locale, at.date_naive());
    let time = at.format("%H:%M");
    match locale {
        Locale::It => format!("{date} alle {time} (UTC)"),
        Locale::En => format!("{date} at {time} (UTC)"),
        Locale::Es => format!("{date} a las {time} (UTC)"),
    }
}

/// Tells the customer their order is placed: its number, what to pay, how
/// and by when.
pub async fn placed(
    db: &impl ConnectionTrait,
    customer: &wire::viewer::Viewer,
    about: About<'_>,
    amount: domain::money::Money,
    how: HowToPay<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let locale = customer.locale;
    let amount = amount.format(locale);
    let pay = match (locale, how) {
        (Locale::It, HowToPay::Cash { collector }) => format!("Pagherai {amount} in contanti a {collector}, a lavoro svolto."),
        (Locale::En, HowToPay::Cash { collector }) => format!("You pay {amount} in cash to {collector} once the work is done."),
        (Locale::Es, HowToPay::Cash { collector }) => format!("Pagarás {amount} en efectivo a {collector}, con el trabajo hecho."),
        (Locale::It, HowToPay::Bank { beneficiary, iban, reference, by }) => format!("Paga {amount} con bonifico entro il {}:\nBeneficiario: {beneficiary}\nIBAN: {iban}\nCausale (riferimento): {reference}\nSenza pagamento entro quella data l'ordine scade.", deadline(locale, by)),
        (Locale::En, HowToPay::Bank { beneficiary, iban, reference, by }) => format!("Pay {amount} by bank transfer by {}:\nBeneficiary: {beneficiary}\nIBAN: {iban}\nReference: {reference}\nWithout payment by then, the order expires.", deadline(locale, by)),
        (Locale::Es, HowToPay::Bank { beneficiary, iban, reference, by }) => format!("Paga {amount} por transferencia antes del {}:\nBeneficiario: {beneficiary}\nIBAN: {iban}\nConcepto (referencia): {reference}\nSin el pago en ese plazo, el pedido caduca.", deadline(locale, by)),
        (Locale::It, HowToPay::Card { by }) => format!("Paga {amount} con carta dalla pagina dell'ordine entro il {}; poi l'ordine scade.", deadline(locale, by)),
        (Locale::En, HowToPay::Card { by }) => format!("Pay {amount} by card on the order's page by {}; after that the order expires.", deadline(locale, by)),
        (Locale::Es, HowToPay::Card { by }) => format!("Paga {amount} con tarjeta en la página del pedido antes del {}; después el pedido caduca.", deadline(locale, by)),
    };
    let (subject, body) = render(Notice::Placed, locale, about, &pay);
    let mail = Mail {
        locale,
        subject,
        body,
        order_id: Some(about.id),
        notice: Some(PLACED),
    };
    enqueue_mail_to(db, &customer.email, mail, now).await
}

/// A mail to queue, in the recipient's language.
struct Mail {
    locale: Locale,
    subject: String,
    body: String,
    /// The order it is about, if any.
    order_id: Option<Uuid>,
    /// What something waits for (`Notice::tag`).
    notice: Option<&'static str>,
}

/// Queues `mail` for `user` (written in the caller's transaction).
async fn enqueue_mail(
    db: &impl ConnectionTrait,
    user: &users::Model,
    mail: Mail,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue_mail_to(db, &user.email, mail, now).await
}

/// Queues `mail` for an address (written in the caller's transaction).
async fn enqueue_mail_to(
    db: &impl ConnectionTrait,
    recipient: &str,
    mail: Mail,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Mail {
        locale,
        subject,
        body,
        order_id,
        notice,
    } = mail;
    email_outbox::Entity::insert(email_outbox::ActiveModel {
        id: Set(Uuid::now_v7()),
        recipient: Set(recipient.to_owned()),
        locale: Set(locale.code().to_owned()),
        subject: Set(subject),
        body: Set(body),
        order_id: Set(order_id),
        notice: Set(notice.map(str::to_owned)),
        created_at: Set(now),
        sent_at: Set(None),
        attempts: Set(0),
        last_error: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Tells a member that their payout IBAN changed (both masked), and until
/// when payouts to it wait.
pub async fn iban_changed(
    db: &impl ConnectionTrait,
    user: &users::Model,
    old: Option<&str>,
    new: &str,
    held_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let locale = Locale::parse(&user.locale).unwrap_or(Locale::It);
    let old = old.unwrap_or("—");
    let held = held_until
        .map(|h| h.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default();
    let (subject, body) = match locale {
        Locale::It => (
            "Il conto per i tuoi pagamenti è cambiato",
            format!("Il conto su cui Mutua ti paga è cambiato.\nPrima: {old}\nOra: {new}\n{}Se non sei stato tu, cambia subito la password e scrivi al consiglio:", if held.is_empty() { String::new() } else { format!("I pagamenti a questo conto attendono fino al {held}.\n") }),
        ),
        Locale::En => (
            "The account you are paid to has changed",
            format!("The account Mutua pays you to has changed.\nBefore: {old}\nNow: {new}\n{}If this was not you, change your password now and write to the board:", if held.is_empty() { String::new() } else { format!("Payouts to this account wait until {held}.\n") }),
        ),
        Locale::Es => (
            "Ha cambiado la cuenta en la que cobras",
            format!("Ha cambiado la cuenta en la que Mutua te paga.\nAntes: {old}\nAhora: {new}\n{}Si no has sido tú, cambia ya tu contraseña y escribe al consejo:", if held.is_empty() { String::new() } else { format!("Los pagos a esta cuenta esperan hasta el {held}.\n") }),
        ),
    };
    let body = format!("{body}\n\n{BASE_URL_TOKEN}/earnings#payout-details\n\n— Mutua\n");
    let mail = Mail {
        locale,
        subject: subject.to_owned(),
        body,
        order_id: None,
        notice: None,
    };
    enqueue_mail(db, user, mail, now).await
}

/// A vote a member may cast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteNotice {
    /// The vote opened.
    Opened,
    /// It closes within a day and the member has not voted.
    Reminder,
}

/// Tells a voter about a vote, with its closing time and link.
pub async fn vote(
    db: &impl ConnectionTrait,
    notice: VoteNotice,
    user: &users::Model,
    proposal: Uuid,
    title: &str,
    closes_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let locale = Locale::parse(&user.locale).unwrap_or(Locale::It);
    let closes = closes_at.format("%Y-%m-%d %H:%M UTC");
    let (subject, body) = match (locale, notice) {
        (Locale::It, VoteNotice::Opened) => (
            "Nuova votazione su Mutua",
            format!("Si vota su «{title}». Puoi votare fino al {closes}:"),
        ),
        (Locale::It, VoteNotice::Reminder) => (
            "Promemoria: la votazione chiude domani",
            format!("Non hai ancora votato su «{title}». La votazione chiude il {closes}:"),
        ),
        (Locale::En, VoteNotice::Opened) => (
            "New vote on Mutua",
            format!("A vote is open on “{title}”. You can vote until {closes}:"),
        ),
        (Locale::En, VoteNotice::Reminder) => (
            "Reminder: the vote closes tomorrow",
            format!("You have not voted on “{title}” yet. The vote closes on {closes}:"),
        ),
        (Locale::Es, VoteNotice::Opened) => (
            "Nueva votación en Mutua",
            format!("Se vota sobre «{title}». Puedes votar hasta el {closes}:"),
        ),
        (Locale::Es, VoteNotice::Reminder) => (
            "Recordatorio: la votación cierra mañana",
            format!("Aún no has votado sobre «{title}». La votación cierra el {closes}:"),
        ),
    };
    let body = format!("{body}\n\n{BASE_URL_TOKEN}/governance/{proposal}\n\n— Mutua\n");
    let mail = Mail {
        locale,
        subject: subject.to_owned(),
        body,
        order_id: None,
        notice: None,
    };
    enqueue_mail(db, user, mail, now).await
}

/// Mails the link that creates the account registered for `email`.
pub async fn registration_link(
    db: &impl ConnectionTrait,
    email: &str,
    locale: Locale,
    token: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let (subject, body) = match locale {
        Locale::It => (
            "Conferma il tuo indirizzo per Mutua",
            "Per creare il tuo account su Mutua apri questo link entro 24 ore:",
        ),
        Locale::En => (
            "Confirm your address for Mutua",
            "To create your Mutua account, open this link within 24 hours:",
        ),
        Locale::Es => (
            "Confirma tu dirección para Mutua",
            "Para crear tu cuenta en Mutua, abre este enlace en las próximas 24 horas:",
        ),
    };
    let ignore = match locale {
        Locale::It => "Se non hai chiesto tu di registrarti, ignora questo messaggio.",
        Locale::En => "If you did not ask to register, ignore this message.",
        Locale::Es => "Si no has pedido registrarte, ignora este mensaje.",
    };
    let link = format!("/register/confirm/{token}");
    let mail = registration_mail(locale, subject, body, &link, ignore);
    enqueue_mail_to(db, email, mail, now).await
}

/// Tells the owner of an account that someone tried to register its
/// address again (perhaps they forgot they have one).
pub async fn registration_known(
    db: &impl ConnectionTrait,
    user: &users::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let locale = Locale::parse(&user.locale).unwrap_or(Locale::It);
    let (subject, body) = match locale {
        Locale::It => (
            "Hai già un account su Mutua",
            "Qualcuno, forse tu, ha chiesto di creare un account su Mutua con questo indirizzo, ma un account c'è già. Se eri tu, accedi qui:",
        ),
        Locale::En => (
            "You already have a Mutua account",
            "Someone, perhaps you, asked to create a Mutua account with this address, but there already is one. If it was you, log in here:",
        ),
        Locale::Es => (
            "Ya tienes una cuenta en Mutua",
            "Alguien, quizá tú, pidió crear una cuenta en Mutua con esta dirección, pero ya existe una. Si fuiste tú, entra aquí:",
        ),
    };
    let ignore = match locale {
        Locale::It => "Se non eri tu, ignora questo messaggio: il tuo account non è cambiato.",
        Locale::En => "If it was not you, ignore this message: your account has not changed.",
        Locale::Es => "Si no fuiste tú, ignora este mensaje: tu cuenta no ha cambiado.",
    };
    let mail = registration_mail(locale, subject, body, "/login", ignore);
    enqueue_mail(db, user, mail, now).await
}

/// A registration mail: its text, the link (a path on the site), and a
/// closing line for whoever did not ask for it.
fn registration_mail(locale: Locale, subject: &str, text: &str, path: &str, closing: &str) -> Mail {
    Mail {
        locale,
        subject: subject.to_owned(),
        body: format!("{text}\n\n{BASE_URL_TOKEN}{path}\n\n{closing}\n\n— Mutua\n"),
        order_id: None,
        notice: Some(REGISTRATION),
    }
}
