//! Prometheus metrics: HTTP traffic and database statements by route pattern, database pool
//! occupancy, build info.
//!
//! Served only on the `[metrics] listen` address (its own actix server, `startup`), never on
//! the public listener. Even there, the sealed routes — everything a bidder does about its own
//! bid or bond, and a drawn expert's answer — are counted under one label ([`SEALED_ROUTE`],
//! method [`SEALED_ROUTE`]): per-route counters would tell an operator how many submissions,
//! withdrawals or part uploads arrived, and when, which is how many bids a tender has while
//! only one tender is open (issue 11, finding 6).

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

/// Metric handles, registered once per application.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    queries: HistogramVec,
    pool: IntGaugeVec,
    outside_contract: IntCounterVec,
    pub audit_events: IntGauge,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new_custom(Some("etender".into()), None).unwrap_or_default();
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by method, route pattern and status",
            ),
            &["method", "route", "status"],
        )
        .unwrap_or_else(|_| unreachable_metric());
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by route pattern",
            )
            .buckets(vec![
                0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["method", "route"],
        )
        .unwrap_or_else(|_| unreachable_metric());
        // Statements per request: a list that turns into a query per row shows up here.
        let queries = HistogramVec::new(
            HistogramOpts::new(
                "http_request_db_queries",
                "Database statements sent on behalf of one HTTP request, by route pattern",
            )
            .buckets(vec![
                0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0,
            ]),
            &["method", "route"],
        )
        .unwrap_or_else(|_| unreachable_metric());
        let pool = IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "Database pool connections by pool and state",
            ),
            &["pool", "state"],
        )
        .unwrap_or_else(|_| unreachable_metric());
        let outside_contract = IntCounterVec::new(
            Opts::new(
                "http_responses_outside_contract_total",
                "Responses whose status or media type the OpenAPI document does not declare for \
                 their operation (a bug: see the error log)",
            ),
            &["method", "route", "status", "breach"],
        )
        .unwrap_or_else(|_| unreachable_metric());
        let build = IntGaugeVec::new(Opts::new("build_info", "Build information"), &["version"])
            .unwrap_or_else(|_| unreachable_metric());
        build.with_label_values(&[env!("CARGO_PKG_VERSION")]).set(1);
        let audit_events = IntGauge::new("audit_events", "Audit events recorded (at last scrape)")
            .unwrap_or_else(|_| unreachable_metric());
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(duration.clone()),
            Box::new(queries.clone()),
            Box::new(pool.clone()),
            Box::new(outside_contract.clone()),
            Box::new(build),
            Box::new(audit_events.clone()),
        ] {
            // Registration only fails on duplicate names, which this fixed list cannot have.
            let _ = registry.register(c);
        }
        Metrics {
            registry,
            requests,
            duration,
            queries,
            pool,
            outside_contract,
            audit_events,
        }
    }

    pub fn observe_request(
        &self,
        method: &str,
        route: &str,
        status: u16,
        seconds: f64,
        db_queries: u64,
    ) {
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.duration
            .with_label_values(&[method, route])
            .observe(seconds);
        self.queries
            .with_label_values(&[method, route])
            .observe(db_queries as f64);
    }

    pub fn observe_outside_contract(&self, method: &str, route: &str, status: u16, breach: &str) {
        self.outside_contract
            .with_label_values(&[method, route, &status.to_string(), breach])
            .inc();
    }

    /// Every response counted outside the contract so far, as `METHOD route status (breach) ×n`.
    pub fn outside_contract(&self) -> Vec<String> {
        use prometheus::core::Collector;
        let mut found = Vec::new();
        for family in self.outside_contract.collect() {
            for m in family.get_metric() {
                let label = |name: &str| {
                    m.get_label()
                        .iter()
                        .find(|l| l.name() == name)
                        .map(|l| l.value().to_string())
                        .unwrap_or_default()
                };
                found.push(format!(
                    "{} {} {} ({}) ×{}",
                    label("method"),
                    label("route"),
                    label("status"),
                    label("breach"),
                    m.get_counter().get_value()
                ));
            }
        }
        found
    }

    pub fn set_pool(&self, stats: crate::db::PoolStats) {
        self.pool
            .with_label_values(&["write", "open"])
            .set(i64::from(stats.write_connections));
        self.pool
            .with_label_values(&["write", "idle"])
            .set(i64::from(stats.write_idle));
        self.pool
            .with_label_values(&["read", "open"])
            .set(i64::from(stats.read_connections));
        self.pool
            .with_label_values(&["read", "idle"])
            .set(i64::from(stats.read_idle));
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}

/// The label every sealed route is counted (and access-logged) under.
pub const SEALED_ROUTE: &str = "sealed";

/// Route patterns whose traffic would tell who bids where, or how many: a bidder's own bid,
/// bond, uploads, receipt, withdrawal and confirmation, and a drawn expert's seat and answer.
pub const SEALED_ROUTES: &[&str] = &[
    "/api/v1/tenders/{id}/sections/{code}/bid-bonds/mine",
    "/api/v1/tenders/{id}/sections/{code}/bid-bonds/account",
    "/api/v1/bank/bond-arrivals",
    "/api/v1/tenders/{id}/sections/{code}/bids/mine",
    "/api/v1/tenders/{id}/sections/{code}/bid-uploads",
    "/api/v1/bid-uploads/{upload_id}",
    "/api/v1/bid-uploads/{upload_id}/parts/{index}",
    "/api/v1/bid-uploads/{upload_id}/submit",
    "/api/v1/bids/{bid_id}/receipt",
    "/api/v1/tenders/{id}/sections/{code}/bids/mine/withdrawal",
    "/api/v1/tenders/{id}/sections/{code}/bids/mine/confirmation",
    "/api/v1/me/draw-seats",
    "/api/v1/draws/{id}/answer",
];

/// `(method, route)` as metrics and access logs show them: a sealed route as
/// `(sealed, sealed)`, any other unchanged.
pub fn public_labels<'a>(method: &'a str, route: &'a str) -> (&'a str, &'a str) {
    if SEALED_ROUTES.contains(&route) {
        (SEALED_ROUTE, SEALED_ROUTE)
    } else {
        (method, route)
    }
}

/// `GET /metrics` on the metrics listener: the Prometheus text exposition.
pub async fn exposition(
    ctx: actix_web::web::Data<crate::app::AppContext>,
    m: actix_web::web::Data<Metrics>,
) -> actix_web::HttpResponse {
    m.set_pool(ctx.db.pool_stats());
    actix_web::HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(m.render())
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

#[cold]
fn unreachable_metric<T>() -> T {
    // Metric construction fails only for invalid static names/labels, fixed at compile time.
    panic!("invalid static metric definition")
}
