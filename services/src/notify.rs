//! E-mail notifications about orders, in the recipient's language. They are
//! written to `email_outbox` inside the transaction of the event they tell
//! about; the server's mailer sends them (or files them in the outbox
//! directory when no SMTP server is configured).

use super::entities::{email_outbox, users};
use chrono::{DateTime, Utc};
use i18n::{fill, Locale};
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
    let m = locale.mail();
    match notice {
        Notice::NewOrder => (m.new_order_subject, m.new_order_body),
        Notice::Accepted => (m.accepted_subject, m.accepted_body),
        Notice::Delivered => (m.delivered_subject, m.delivered_body),
        Notice::Done => (m.done_subject, m.done_body),
        Notice::Completed => (m.completed_subject, m.completed_body),
        Notice::Expired => (m.expired_subject, m.expired_body),
        Notice::Refunded => (m.refunded_subject, m.refunded_body),
        Notice::PaymentReminder => (m.payment_reminder_subject, m.payment_reminder_body),
        Notice::CardReminder => (m.card_reminder_subject, m.card_reminder_body),
        Notice::Placed => (m.placed_subject, m.placed_body),
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
    let word = locale.mail().order_word;
    let number = about.number;
    let body = format!(
        "{word} {number}\n\n{}\n\n{BASE_URL_TOKEN}/orders/{}\n\n— Mutua\n",
        fill(body, &[("title", about.title), ("pay", pay)]),
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
    let time = at.format("%H:%M").to_string();
    fill(locale.mail().deadline, &[("date", &date), ("time", &time)])
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
    let m = locale.mail();
    let pay = match how {
        HowToPay::Cash { collector } => {
            fill(m.pay_cash, &[("amount", &amount), ("collector", collector)])
        }
        HowToPay::Bank {
            beneficiary,
            iban,
            reference,
            by,
        } => fill(
            m.pay_bank,
            &[
                ("amount", &amount),
                ("deadline", &deadline(locale, by)),
                ("beneficiary", beneficiary),
                ("iban", iban),
                ("reference", reference),
            ],
        ),
        HowToPay::Card { by } => fill(
            m.pay_card,
            &[("amount", &amount), ("deadline", &deadline(locale, by))],
        ),
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
    let m = locale.mail();
    let held = held_until
        .map(|h| {
            let until = h.format("%Y-%m-%d %H:%M UTC").to_string();
            fill(m.iban_held, &[("until", &until)])
        })
        .unwrap_or_default();
    let (subject, body) = (
        m.iban_changed_subject,
        fill(
            m.iban_changed_body,
            &[("old", old), ("new", new), ("held", &held)],
        ),
    );
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
    let closes = closes_at.format("%Y-%m-%d %H:%M UTC").to_string();
    let m = locale.mail();
    let (subject, body) = match notice {
        VoteNotice::Opened => (m.vote_opened_subject, m.vote_opened_body),
        VoteNotice::Reminder => (m.vote_reminder_subject, m.vote_reminder_body),
    };
    let body = fill(body, &[("title", title), ("closes", &closes)]);
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
    let m = locale.mail();
    let (subject, body, ignore) = (
        m.registration_link_subject,
        m.registration_link_body,
        m.registration_link_ignore,
    );
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
    let m = locale.mail();
    let (subject, body, ignore) = (
        m.registration_known_subject,
        m.registration_known_body,
        m.registration_known_ignore,
    );
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
