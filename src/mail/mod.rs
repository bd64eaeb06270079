//! Outgoing mail through a transactional outbox.
//!
//! Use-cases call [`enqueue`] inside their transaction: a mail exists only if the change it
//! reports committed, and it survives an SMTP outage because it sits in the database until a
//! [`Dispatcher`] has handed it to the server. Delivery is at least once (a crash between the
//! SMTP `250` and marking the row can resend); every message carries the outbox id as its
//! Message-ID so receivers can de-duplicate. Several nodes may dispatch: a row is claimed before
//! it is sent.
//!
//! Retry timing is operational, not a statutory rule, so it runs on real time.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::db::repo::mail as repo;
use crate::db::types::to_db;
use crate::db::{AnyConnection, Db};
use crate::error::{AppError, AppResult};
use crate::secret::{ExposeSecret, SecretString};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// Deliver through the SMTP server configured below.
    Smtp,
    /// Log and mark as sent (development without a mail server).
    Log,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    None,
    Starttls,
    Tls,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    pub transport: Transport,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: Security,
    pub smtp_username: String,
    #[serde(
        serialize_with = "crate::secret::serialize_redacted",
        deserialize_with = "crate::secret::deserialize_secret"
    )]
    pub smtp_password: SecretString,
    pub from: String,
    pub dispatch_interval_ms: u64,
    pub retry_max_secs: u64,
}

/// One mail to send, as a use-case describes it.
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub body: String,
    /// e.g. `amendment`, `answer`, `suspension`, `deadline_moved`.
    pub kind: String,
    pub tender_id: Option<String>,
}

/// Queue `mail` in the caller's transaction.
pub fn enqueue(c: &mut AnyConnection, now: DateTime<Utc>, mail: OutgoingMail) -> AppResult<String> {
    let id = uuid::Uuid::now_v7().to_string();
    repo::insert(
        c,
        &repo::MailRow {
            id: id.clone(),
            to_addr: mail.to,
            subject: mail.subject,
            body: mail.body,
            kind: mail.kind,
            tender_id: mail.tender_id,
            created_at: to_db(now),
            attempts: 0,
            // Due at once; the dispatcher compares with real time.
            next_attempt_at: to_db(now.min(Utc::now())),
            claimed_until: None,
            sent_at: None,
            last_error: None,
        },
    )
    .map_err(AppError::internal)?;
    Ok(id)
}

/// Delivers the outbox.
#[derive(Clone)]
pub struct Dispatcher {
    db: Db,
    settings: MailSettings,
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    wake: Arc<Notify>,
}

impl Dispatcher {
    pub fn new(db: Db, settings: MailSettings, wake: Arc<Notify>) -> anyhow::Result<Dispatcher> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("mail.from {:?}: {e}", settings.from))?;
        let smtp = match settings.transport {
            Transport::Log => None,
            Transport::Smtp => {
                let builder = match settings.smtp_security {
                    Security::None => {
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.smtp_host)
                    }
                    Security::Starttls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.smtp_host)?
                    }
                    Security::Tls => {
                        AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.smtp_host)?
                    }
                };
                let mut builder = builder
                    .port(settings.smtp_port)
                    .timeout(Some(Duration::from_secs(10)));
                if !settings.smtp_username.is_empty() {
                    builder = builder.credentials(Credentials::new(
                        settings.smtp_username.clone(),
                        settings.smtp_password.expose_secret().to_owned(),
                    ));
                }
                Some(builder.build())
            }
        };
        Ok(Dispatcher {
            db,
            settings,
            smtp,
            from,
            wake,
        })
    }

    /// Run until the task is dropped: deliver whatever is due, then wait for a wake-up or the
    /// interval.
    pub async fn run(self) {
        let interval = Duration::from_millis(self.settings.dispatch_interval_ms.max(50));
        loop {
            if let Err(e) = self.dispatch_once().await {
                tracing::warn!(error = %e, "mail dispatch round failed");
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(interval) => {}
            }
        }
    }

    /// One round: returns how many mails were handed to the server.
    pub async fn dispatch_once(&self) -> AppResult<usize> {
        let now = Utc::now();
        let due = self
            .db
            .read_primary(move |c| repo::due(c, to_db(now), 50).map_err(AppError::internal))
            .await?;
        let mut sent = 0;
        for id in due {
            let claim_until = to_db(Utc::now() + chrono::Duration::seconds(60));
            let now = to_db(Utc::now());
            let idc = id.clone();
            let Some(row) = self
                .db
                .write(move |c| repo::claim(c, &idc, now, claim_until).map_err(AppError::internal))
                .await?
            else {
                continue;
            };
            match self.send(&row).await {
                Ok(()) => {
                    let now = to_db(Utc::now());
                    self.db
                        .write(move |c| repo::mark_sent(c, &id, now).map_err(AppError::internal))
                        .await?;
                    sent += 1;
                }
                Err(e) => {
                    let backoff = 2u64
                        .saturating_pow(row.attempts.clamp(0, 20) as u32)
                        .min(self.settings.retry_max_secs.max(1));
                    let next = to_db(Utc::now() + chrono::Duration::seconds(backoff as i64));
                    tracing::warn!(
                        mail.id = %id,
                        attempts = row.attempts + 1,
                        error = %e,
                        "mail delivery failed; will retry"
                    );
                    let msg = e.to_string();
                    self.db
                        .write(move |c| {
                            repo::mark_failed(c, &id, next, &msg).map_err(AppError::internal)
                        })
                        .await?;
                    // The server is likely down: stop this round instead of failing every mail.
                    break;
                }
            }
        }
        Ok(sent)
    }

    async fn send(&self, row: &repo::MailRow) -> anyhow::Result<()> {
        let to: Mailbox = row
            .to_addr
            .parse()
            .map_err(|e| anyhow::anyhow!("bad recipient {:?}: {e}", row.to_addr))?;
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(row.subject.clone())
            .message_id(Some(format!("<{}@etender>", row.id)))
            .header(ContentType::TEXT_PLAIN)
            .body(row.body.clone())?;
        match &self.smtp {
            Some(t) => {
                t.send(msg).await?;
            }
            None => {
                tracing::info!(mail.id = %row.id, mail.kind = %row.kind, "mail (log transport)")
            }
        }
        Ok(())
    }
}
