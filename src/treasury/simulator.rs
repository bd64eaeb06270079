//! A treasury simulator: a real HTTP server speaking the treasury's payment interface
//! (docs/TREASURY.md §2), with switches to be down, slow, answer garbage, re-send every record
//! or fail halfway through the pages. The tests and the demo start it in-process on a random
//! loopback port; it is not part of a production node.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

use super::{Page, TreasurySettings};
use crate::domain::payment::TreasuryPayment;
use crate::secret::SecretString;

/// How the simulator answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// `503` to everything.
    Down,
    /// Answers only after this long.
    Slow(Duration),
    /// `200` with a body that is not a page.
    Garbage,
    /// Every record listed twice (a treasury re-sending what it sent).
    Resend,
    /// The first page answers, every further page is `503`.
    DownAfterFirstPage,
}

struct State {
    mode: Mode,
    page_size: usize,
    /// In the order the treasury paid them.
    payments: Vec<TreasuryPayment>,
    requests: u64,
}

struct Shared {
    state: Mutex<State>,
    token: String,
}

/// A running simulator.
pub struct Simulator {
    pub url: String,
    shared: Arc<Shared>,
    handle: actix_web::dev::ServerHandle,
}

impl Simulator {
    /// Starts on `127.0.0.1:0`, accepting `token` as its bearer credential; pages of 50.
    pub async fn start(token: &str) -> anyhow::Result<Simulator> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                mode: Mode::Normal,
                page_size: 50,
                payments: Vec::new(),
                requests: 0,
            }),
            token: token.to_string(),
        });
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let data = web::Data::from(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/v1/contracts/{contract}/payments", web::get().to(answer))
        })
        .workers(1)
        // A non-graceful stop returns before the worker has dropped its connections, so a
        // pooled keep-alive connection could still be answered after `stop`: every answer
        // closes its connection, and a stopped simulator is then reliably unreachable.
        .keep_alive(actix_web::http::KeepAlive::Disabled)
        .disable_signals()
        .listen(listener)?
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Ok(Simulator {
            url: format!("http://127.0.0.1:{port}"),
            shared,
            handle,
        })
    }

    /// Settings that point a node at this simulator (no background polling: tests and the
    /// demo pull when they mean to).
    pub fn settings(&self, timeout_ms: u64, retries: u32) -> TreasurySettings {
        TreasurySettings {
            endpoint: self.url.clone(),
            token: SecretString::from(self.shared.token.clone()),
            timeout_ms,
            retries,
            retry_backoff_ms: 10,
            poll_interval_secs: 0,
            allow_http: true,
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.shared.state.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn set_mode(&self, mode: Mode) {
        self.with(|s| s.mode = mode);
    }

    pub fn set_page_size(&self, n: usize) {
        self.with(|s| s.page_size = n.max(1));
    }

    /// Record a payment; one with the id of an earlier one replaces it in place (a treasury
    /// that rewrote a record).
    pub fn put(&self, p: TreasuryPayment) {
        self.with(
            |s| match s.payments.iter_mut().find(|q| q.payment_id == p.payment_id) {
                Some(q) => *q = p,
                None => s.payments.push(p),
            },
        );
    }

    pub fn requests(&self) -> u64 {
        self.with(|s| s.requests)
    }

    pub async fn stop(self) {
        self.handle.stop(false).await;
    }
}

async fn answer(
    req: HttpRequest,
    sim: web::Data<Shared>,
    contract: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let expected = format!("Bearer {}", sim.token);
    let authorised = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == expected);
    let (mode, size, list) = {
        let mut s = sim.state.lock().unwrap_or_else(|p| p.into_inner());
        s.requests += 1;
        let list: Vec<TreasuryPayment> = s
            .payments
            .iter()
            .filter(|p| p.contract == *contract)
            .cloned()
            .collect();
        (s.mode, s.page_size, list)
    };
    let token = query.get("page_token");
    match mode {
        Mode::Down => return HttpResponse::ServiceUnavailable().body("maintenance"),
        Mode::DownAfterFirstPage if token.is_some() => {
            return HttpResponse::ServiceUnavailable().body("maintenance")
        }
        Mode::Slow(d) => tokio::time::sleep(d).await,
        _ => {}
    }
    if !authorised {
        return HttpResponse::Unauthorized().body("bad credentials");
    }
    if mode == Mode::Garbage {
        return HttpResponse::Ok()
            .content_type("text/html")
            .body("<html><body>系统维护中</body></html>");
    }
    if list.is_empty() {
        return HttpResponse::NotFound().body("no such contract");
    }
    let list: Vec<TreasuryPayment> = if mode == Mode::Resend {
        list.into_iter().flat_map(|p| [p.clone(), p]).collect()
    } else {
        list
    };
    let from: usize = match token.map(|t| t.trim_start_matches('p').parse()) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => return HttpResponse::BadRequest().body("bad page token"),
    };
    let to = (from + size).min(list.len());
    let page = Page {
        contract: contract.into_inner(),
        payments: list.get(from..to).map(<[_]>::to_vec).unwrap_or_default(),
        next_page_token: (to < list.len()).then(|| format!("p{to}")),
    };
    HttpResponse::Ok().json(page)
}
