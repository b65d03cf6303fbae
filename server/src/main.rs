//! `mutua`: the Mutua web server and its operator commands.

mod api;
mod config;
mod db;
mod downloads;
mod form_echo;
mod listener;
mod mailer;
mod middleware;
mod routes;
mod seed;
mod statements;
mod uploads;
mod web;
mod webhooks;

use clap::{Parser, Subcommand};
use config::Config;
use i18n::Locale;
use leptos::prelude::LeptosOptions;
use services::clock::Clock;
use services::password::Hasher;
use services::session_store::DbSessionStore;
use services::{accounts, jobs, AppState};
use std::io::BufRead;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// mimalloc: many small allocations per request (measured with `perf`: glibc's
/// malloc took about a tenth of the server's time under load).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "mutua",
    version,
    about = "Mutua, the platform cooperative's marketplace"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Load the demo cooperative (idempotent).
    SeedDemo {
        /// Also create this many extra listings (for benchmarks).
        #[arg(long, default_value_t = 0)]
        bench_listings: usize,
        /// Also create this many extra members (for benchmarks).
        #[arg(long, default_value_t = 0)]
        bench_members: usize,
        /// Also place this many extra orders, completed or cancelled (for
        /// benchmarks).
        #[arg(long, default_value_t = 0)]
        bench_orders: usize,
    },
    /// Create an account; the password is read from standard input.
    CreateUser {
        email: String,
        /// Display name (default: the part of the e-mail before `@`).
        #[arg(long)]
        name: Option<String>,
        /// Give the account a board seat.
        #[arg(long)]
        board: bool,
        /// Enter the account as a founding member of this class (worker,
        /// user or supporter); later members are admitted by board vote.
        #[arg(long, value_name = "CLASS")]
        member: Option<String>,
    },
    /// The money ledger.
    Ledger {
        #[command(subcommand)]
        command: LedgerCommand,
    },
}

#[derive(Subcommand)]
enum LedgerCommand {
    /// Check every invariant of the ledger; exit non-zero with a report of
    /// each breach.
    Verify,
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    // One thread for async work (decision 32): Leptos' server rendering can
    // deadlock when two threads drive one page's reactive graph at once.
    // Hashing, image work and SQLite run on their own threads anyway.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mutua: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve))) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mutua: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    let config = Config::load()?;
    // The server splits its connections over its web threads; a command
    // run once has them all.
    let pool = match command {
        Command::Serve => config.pools().1,
        _ => config.db_connections(),
    };
    let db = db::connect(&config.database_url(), pool).await?;
    db::migrate(&db).await?;
    // Password hashing may take at most half the cores (19 MiB each): the
    // rest stay free for pages however many logins arrive (README,
    // Performance: login under attack).
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let hasher = Hasher::new((cores / 2).max(1));
    match command {
        Command::Serve => serve(config, db, hasher).await,
        Command::Migrate => {
            println!("migrations applied");
            Ok(())
        }
        Command::Ledger {
            command: LedgerCommand::Verify,
        } => {
            let report = services::ledger::verify(&db).await?;
            println!(
                "checked {} entries ({} postings), {} orders, {} payouts",
                report.entries, report.postings, report.orders, report.payouts
            );
            if report.ok() {
                println!("ledger ok: every invariant holds");
                Ok(())
            } else {
                for p in &report.problems {
                    println!("BREACH {p}");
                }
                anyhow::bail!("{} ledger invariant breaches", report.problems.len())
            }
        }
        Command::SeedDemo {
            bench_listings,
            bench_members,
            bench_orders,
        } => {
            let bench = seed::BenchSize {
                members: bench_members,
                listings: bench_listings,
                orders: bench_orders,
            };
            let report = seed::seed_demo(&db, &hasher, &config.data_dir, bench).await?;
            db::analyze(&db).await?;
            println!("{report}");
            Ok(())
        }
        Command::CreateUser {
            email,
            name,
            board,
            member,
        } => {
            if let Some(class) = &member {
                anyhow::ensure!(
                    ["worker", "user", "supporter"].contains(&class.as_str()),
                    "refused: --member is worker, user or supporter"
                );
            }
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            let name =
                name.unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_owned());
            let user = accounts::register(
                &db,
                &hasher,
                accounts::NewAccount {
                    email: &email,
                    display_name: &name,
                    password,
                    locale: Locale::It,
                },
            )
            .await
            .map_err(|e| match e {
                services::service::ServiceError::Invalid(fields) => anyhow::anyhow!(
                    "refused: {}",
                    fields
                        .iter()
                        .map(|f| format!("{} ({:?})", f.field, f.problem))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                other => anyhow::anyhow!(other),
            })?;
            if board {
                accounts::grant_board_seat(&db, user.id).await?;
            }
            if let Some(class) = &member {
                services::membership::found(&db, user.id, class)
                    .await
                    .map_err(|e| anyhow::anyhow!("membership refused: {e}"))?;
            }
            println!(
                "created {} ({}){}{}",
                user.email,
                user.id,
                if board { " with a board seat" } else { "" },
                member
                    .map(|c| format!(", founding {c} member"))
                    .unwrap_or_default()
            );
            Ok(())
        }
    }
}

fn leptos_options(config: &Config, addr: SocketAddr) -> LeptosOptions {
    let env = match std::env::var("LEPTOS_ENV").as_deref() {
        Ok("DEV") | Ok("dev") | Ok("development") => leptos::config::Env::DEV,
        _ => leptos::config::Env::PROD,
    };
    LeptosOptions::builder()
        .output_name(std::env::var("LEPTOS_OUTPUT_NAME").unwrap_or_else(|_| "mutua".into()))
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir(std::env::var("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|_| "pkg".into()))
        .env(env)
        .site_addr(addr)
        .reload_port(3001)
        .hash_files(true)
        .build()
}

async fn serve(
    config: Config,
    db: sea_orm::DatabaseConnection,
    hasher: Hasher,
) -> anyhow::Result<()> {
    services::fresh::keep_for(Duration::from_millis(config.public_cache_ms));
    let (threads, pool) = config.pools();
    tracing::info!(
        threads,
        connections_per_thread = pool,
        "database connections: {} at most",
        threads as u32 * pool
    );
    let wanted = tokio::net::lookup_host(&config.listen)
        .await
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| anyhow::anyhow!("cannot listen on {}: no such address", config.listen))?;
    let listener = free_port(wanted)
        .and_then(|addr| listen(addr, threads > 1))
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr()?;
    let origins = middleware::Origins::new(config.public_url.as_deref(), addr.port());
    hasher.warm_up().await;
    let public = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let state = AppState {
        db: db.clone(),
        hasher,
        login_limits: services::login_throttle::LoginLimits {
            per_ip: config.login_limit_per_ip,
            per_account: config.login_limit_per_account,
            window: Duration::from_secs(config.login_window_secs),
        },
        secure_cookies: public.starts_with("https://"),
        session_absolute_secs: config.session_absolute_hours * 3600,
        data_dir: config.data_dir.clone(),
        max_image_bytes: config.max_image_mb.saturating_mul(1024 * 1024),
        clock: match &config.clock_offset_file {
            Some(path) => Clock::with_offset_file(path.clone()),
            None => Clock::system(),
        },
        stripe: match (&config.stripe_secret_key, &config.stripe_webhook_secret) {
            (Some(key), Some(hook)) => {
                if config.stripe_publishable_key.is_none() {
                    tracing::warn!(
                        "STRIPE_PUBLISHABLE_KEY is not set: customers cannot confirm card payments"
                    );
                }
                Some(
                    services::stripe::Stripe::new(services::stripe::Settings {
                        secret_key: key.expose(),
                        webhook_secret: hook.expose(),
                        api_base: config.stripe_api_base.as_deref(),
                        publishable_key: config.stripe_publishable_key.as_deref(),
                        js_url: &config.stripe_js_url,
                        public_url: &public,
                    })
                    .map_err(|e| anyhow::anyhow!(e))?,
                )
            }
            _ => None,
        },
        payments: services::payments::Settings::default(),
        trusted_proxies: Arc::new(config.trusted_proxies.clone()),
        registrations: Arc::new(services::throttle::RegistrationThrottle::new(
            config.register_limit_per_ip,
            config.register_limit_overall,
            Duration::from_secs(3600),
        )),
    };
    let state = AppState {
        payments: services::payments::Settings::new(
            config.default_payment,
            Some(config.bank_transfer_days),
            state.stripe.is_some(),
        ),
        ..state
    };
    let clock = state.clock.clone();
    let stripe = state.stripe.clone();
    // Before any page is served, and once for every web thread (see
    // `web::routes`).
    let routes = web::routes();
    let router = web::router(
        &config,
        leptos_options(&config, addr),
        state.clone(),
        origins.clone(),
        routes.clone(),
    );

    let jobs_db = db.clone();
    // Every hour: expired sessions are swept, planner statistics refreshed.
    let store = DbSessionStore::new(db.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match store.delete_expired().await {
                Ok(n) if n > 0 => tracing::info!(sessions = n, "expired sessions deleted"),
                Ok(_) => {}
                Err(e) => tracing::warn!("session sweep failed: {e}"),
            }
            if let Err(e) = db::refresh_statistics(&db).await {
                tracing::warn!("statistics refresh failed: {e}");
            }
        }
    });

    // The job runner: timed order transitions, then e-mail. Safe with
    // several server processes (leases in the database).
    let mailer = mailer::Mailer::new(
        config.smtp_url.as_ref().map(|s| s.expose()),
        &config.data_dir,
        &config.mail_from,
        &public,
    )?;
    let holder = uuid::Uuid::now_v7().to_string();
    let interval = Duration::from_secs(config.job_interval_secs.max(1));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        loop {
            tick.tick().await;
            match jobs::run_due(&jobs_db, &clock, &holder).await {
                Ok(n) if n > 0 => tracing::info!(orders = n, "timed transitions applied"),
                Ok(_) => {}
                Err(e) => tracing::warn!("job runner: {e}"),
            }
            if let Err(e) = mailer.send_pending(&jobs_db, &holder, &clock).await {
                tracing::warn!("mailer: {e}");
            }
            // Votes close, and what passed is enacted, with nobody's help.
            match jobs::take_lease(&jobs_db, "governance.close", &holder).await {
                Ok(true) => {
                    match services::governance::close_due(&jobs_db, clock.now()).await {
                        Ok(n) if n > 0 => {
                            // An admission may have passed: public lists change.
                            services::fresh::changed();
                            tracing::info!(proposals = n, "proposals closed");
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!("closing proposals: {e}"),
                    }
                    match services::governance::remind_voters(&jobs_db, clock.now()).await {
                        Ok(n) if n > 0 => tracing::info!(proposals = n, "voters reminded"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!("reminding voters: {e}"),
                    }
                    if let Err(e) =
                        services::login_throttle::forget_old(&jobs_db, services::clock::wall_now())
                            .await
                    {
                        tracing::warn!("old login counters: {e}");
                    }
                }
                Ok(false) => {}
                Err(e) => tracing::warn!("job lease: {e}"),
            }
            // Card refunds and members' transfers go to Stripe, and
            // Stripe's fees come back, from here: a failure (or a crash)
            // is retried on the next tick.
            if let Some(stripe) = &stripe {
                match jobs::take_lease(&jobs_db, "stripe.sync", &holder).await {
                    Ok(true) => {
                        // In this order: an unpaid order's intent is
                        // cancelled before it can be paid late, and money
                        // Stripe gave back by itself is booked after
                        // Mutua's own refunds.
                        let clock = &clock;
                        report(
                            stripe.cancel_intents(&jobs_db, clock).await,
                            "unpaid card payments cancelled",
                            "cancelling card payments",
                        );
                        report(
                            stripe.send_refunds(&jobs_db, clock).await,
                            "card refunds sent",
                            "card refunds",
                        );
                        report(
                            services::stripe::chargebacks::book(&jobs_db, clock).await,
                            "card refunds and disputes booked",
                            "booking card refunds and disputes",
                        );
                        report(
                            stripe.send_transfers(&jobs_db, clock).await,
                            "transfers sent",
                            "transfers",
                        );
                        report(
                            stripe.post_fees(&jobs_db, clock).await,
                            "card fees posted",
                            "card fees",
                        );
                    }
                    Ok(false) => {}
                    Err(e) => tracing::warn!("job lease: {e}"),
                }
            }
        }
    });
    // More threads serve pages, each with its own single-threaded runtime,
    // database pool and socket on the port: a page is rendered from start
    // to end on one thread (decision 32), and every core renders pages
    // (decision 35).
    listener::raise_open_files_limit();
    let gate = listener::Gate::new(config.connection_limits(), config.trusted_proxies.clone());
    middleware::limit_in_flight(config.max_in_flight);
    for n in 1..threads {
        let (config, state, origins) = (config.clone(), state.clone(), origins.clone());
        let (gate, routes) = (gate.clone(), routes.clone());
        std::thread::Builder::new()
            .name(format!("mutua-web-{n}"))
            .spawn(move || {
                if let Err(e) = serve_more(config, state, origins, addr, gate, routes) {
                    tracing::error!("web thread {n} stopped: {e:#}");
                }
            })?;
    }
    // Tests and scripts read this line to learn the port.
    println!("Mutua is listening on http://{addr} (open {public})");
    listener::serve(listener, router, gate, shutdown_signal()).await;
    Ok(())
}

/// Logs what one step of the job runner did: how many it did, or why it
/// failed (tried again on the next tick).
fn report<E: std::fmt::Display>(done: Result<usize, E>, what: &str, failing: &str) {
    match done {
        Ok(n) if n > 0 => tracing::info!(count = n, "{what}"),
        Ok(_) => {}
        Err(e) => tracing::warn!("{failing}: {e}"),
    }
}

/// The address to listen on, checked free of any other process's socket:
/// a plain bind (no SO_REUSEPORT), dropped at once. Sockets opened with
/// SO_REUSEPORT by the same user share a port silently, so without it a
/// second server started on a taken port (or handed one by the kernel for
/// port 0 while ports are scarce) would take half of another's connections
/// instead of failing.
fn free_port(addr: SocketAddr) -> std::io::Result<SocketAddr> {
    let probe = std::net::TcpListener::bind(addr)?;
    probe.local_addr()
}

/// A listening socket. With `shared`, other threads open their own on the
/// same port (SO_REUSEPORT) and the kernel spreads new connections evenly
/// over them; one socket shared by all gives most connections to whichever
/// thread wakes first (measured: at 16 connections one thread did nearly
/// all the work).
fn listen(addr: SocketAddr, shared: bool) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    #[cfg(unix)]
    if shared {
        socket.set_reuseport(true)?;
    }
    #[cfg(not(unix))]
    let _ = shared;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// One more web thread: its own runtime, database pool, router over the
/// shared state (hasher, login throttle, clock) and socket on the port.
fn serve_more(
    config: Config,
    state: AppState,
    origins: middleware::Origins,
    addr: SocketAddr,
    gate: std::sync::Arc<listener::Gate>,
    routes: Vec<leptos_axum::AxumRouteListing>,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let db = db::connect(&config.database_url(), config.pools().1).await?;
        let state = AppState { db, ..state };
        let router = web::router(
            &config,
            leptos_options(&config, addr),
            state,
            origins,
            routes,
        );
        let socket = listen(addr, true)?;
        listener::serve(socket, router, gate, std::future::pending()).await;
        Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
