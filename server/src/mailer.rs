//! Sends the e-mails queued in `email_outbox`: through SMTP when
//! `MUTUA_SMTP_URL` is set, otherwise as `.eml` files in the outbox
//! directory under the data directory. A message is marked sent only after
//! the server (or the disk) took it; failures are retried on the next run.

use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use services::entities::email_outbox;
use services::jobs::take_lease;
use services::notify::BASE_URL_TOKEN;
use std::path::PathBuf;

const BATCH: u64 = 50;
const MAX_ATTEMPTS: i32 = 10;

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    base_url: String,
}

impl Mailer {
    pub fn new(
        smtp_url: Option<&str>,
        data_dir: &std::path::Path,
        from: &str,
        base_url: &str,
    ) -> anyhow::Result<Mailer> {
        let transport = match smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("MUTUA_SMTP_URL is not usable: {e}"))?
                    .build(),
            ),
            None => Transport::Outbox(data_dir.join("outbox")),
        };
        Ok(Mailer {
            transport,
            from: from
                .parse()
                .map_err(|e| anyhow::anyhow!("MUTUA_MAIL_FROM is not an address: {e}"))?,
            base_url: base_url.trim_end_matches('/').to_owned(),
        })
    }

    async fn deliver(&self, row: &email_outbox::Model) -> anyhow::Result<()> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(row.recipient.parse()?)
            .subject(row.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(row.body.replace(BASE_URL_TOKEN, &self.base_url))?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await?;
            }
            Transport::Outbox(dir) => {
                tokio::fs::create_dir_all(dir).await?;
                let file = dir.join(format!("{}.eml", row.id));
                tokio::fs::write(file, message.formatted()).await?;
            }
        }
        Ok(())
    }

    /// Sends what is waiting; returns how many went out. The sending time
    /// is on the orders' clock: an order counts from it (48 h after its
    /// "work done" mail went out, it completes by itself).
    pub async fn send_pending(
        &self,
        db: &DatabaseConnection,
        holder: &str,
        clock: &services::clock::Clock,
    ) -> anyhow::Result<usize> {
        if !take_lease(db, "mail.send", holder).await? {
            return Ok(0);
        }
        let rows = email_outbox::Entity::find()
            .filter(email_outbox::Column::SentAt.is_null())
            .filter(email_outbox::Column::Attempts.lt(MAX_ATTEMPTS))
            .order_by_asc(email_outbox::Column::CreatedAt)
            .limit(BATCH)
            .all(db)
            .await?;
        let mut sent = 0;
        for row in rows {
            let result = self.deliver(&row).await;
            let mut update = email_outbox::Entity::update_many()
                .col_expr(
                    email_outbox::Column::Attempts,
                    Expr::value(row.attempts + 1),
                )
                .filter(email_outbox::Column::Id.eq(row.id));
            match &result {
                Ok(()) => {
                    sent += 1;
                    update =
                        update.col_expr(email_outbox::Column::SentAt, Expr::value(clock.now()));
                }
                Err(e) => {
                    // The error names the server, never the recipient's data.
                    tracing::warn!(mail = %row.id, "sending failed: {e}");
                    update = update
                        .col_expr(email_outbox::Column::LastError, Expr::value(e.to_string()));
                }
            }
            update.exec(db).await?;
        }
        Ok(sent)
    }
}
