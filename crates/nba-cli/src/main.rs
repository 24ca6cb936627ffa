//! The `nba-mcp` binary: parse configuration, open the store, then ingest, serve MCP over
//! stdio, or serve HTTP (API + MCP at /mcp) until a shutdown signal.

mod access_cmd;
mod backup_cmd;
mod config;
mod db_cmd;
mod ingest;
mod limits;
mod model_cmd;
mod scheduled_backup;
mod serve;
mod status_cmd;
mod tls;

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use config::Settings;
use nba_store::Store;

/// mimalloc instead of the system allocator: a request makes many small, short-lived
/// allocations across threads, and glibc's malloc was a tenth of the server's time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "nba-mcp",
    version,
    about = "NBA data, analytics and history over MCP and HTTP"
)]
struct Cli {
    /// TOML configuration file (environment variables override it).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API and MCP (Streamable HTTP at /mcp).
    Serve {
        /// Address to listen on (overrides NBA_MCP_BIND); port 0 picks a free port.
        #[arg(long)]
        bind: Option<String>,
        /// PEM certificate chain: serve HTTPS (overrides NBA_MCP_TLS_CERT; needs --tls-key).
        #[arg(long)]
        tls_cert: Option<PathBuf>,
        /// PEM private key of the certificate (overrides NBA_MCP_TLS_KEY).
        #[arg(long)]
        tls_key: Option<PathBuf>,
    },
    /// Serve MCP over stdio (for Claude Desktop and other local clients).
    Mcp,
    /// Load a data file: `ingest <format> <path>`, or `ingest all <dir>`.
    Ingest {
        /// fivethirtyeight, nba-stats-team-logs, nba-stats-player-logs, nba-stats-schedule, players, teams, or all.
        format: String,
        /// The file (or, for `all`, the data folder; default NBA_MCP_DATA_DIR).
        path: Option<PathBuf>,
        /// Load the valid rows and list every skipped one instead of stopping at the first bad row.
        #[arg(long)]
        skip_invalid: bool,
        /// Print the load summary (an array for `all`) as JSON instead of sentences.
        #[arg(long)]
        json: bool,
    },
    /// Show the effective configuration (`config check`).
    Config {
        #[arg(default_value = "check")]
        action: String,
    },
    /// List games on which sources disagree (score or date).
    Conflicts {
        #[arg(long, default_value_t = 100)]
        limit: i64,
        /// One JSON object per line instead of sentences.
        #[arg(long)]
        json: bool,
    },
    /// What the store holds: demo or real data, rows, seasons per source and missing
    /// seasons, the latest ingest runs.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Train a game model on seasons of the store and save it in the model store.
    Train(model_cmd::TrainArgs),
    /// Walk-forward evaluation beside FiveThirtyEight's published forecasts.
    Evaluate(model_cmd::EvaluateArgs),
    /// Feature drift of recent served predictions against the model's reference (PSI, KS).
    Drift {
        /// How many of the latest served predictions to compare.
        #[arg(long, default_value_t = 1000)]
        window: i64,
        /// The report as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print the role x permission matrix.
    Roles,
    /// Manage users and service accounts: add, list, disable, set-role.
    Users {
        #[command(subcommand)]
        cmd: access_cmd::UsersCmd,
    },
    /// Manage API keys: create, list, revoke, rotate.
    Keys {
        #[command(subcommand)]
        cmd: access_cmd::KeysCmd,
    },
    /// The audit log: verify its hash chain, export it as JSON lines.
    Audit {
        #[command(subcommand)]
        cmd: access_cmd::AuditCmd,
    },
    /// The model store: list, show, promote, rollback (a running server follows an alias
    /// move within 2 s).
    Models {
        #[command(subcommand)]
        cmd: model_cmd::ModelsCmd,
    },
    /// Model roll-outs: start (canary, shadow, blue-green), status, advance, stop; the same
    /// as the roll-out tools, audited.
    Rollout {
        #[command(subcommand)]
        cmd: model_cmd::RolloutCmd,
    },
    /// Database maintenance: check (integrity, size, rows), optimize (statistics, VACUUM).
    Db {
        #[command(subcommand)]
        cmd: db_cmd::DbCmd,
    },
    /// Remove all loaded data (games, box scores, players, teams, ingest runs), e.g. the demo
    /// league before loading real data; accounts, keys and the logs are kept. Lists what it
    /// would remove unless --yes.
    Reset {
        #[arg(long)]
        yes: bool,
    },
    /// The servers' data caches: flush (after data was changed other than by ingest).
    Cache {
        #[command(subcommand)]
        cmd: db_cmd::CacheCmd,
    },
    /// Print a shell completion script: `nba-mcp completions bash > /etc/bash_completion.d/nba-mcp`
    /// (zsh: into a folder on $fpath as `_nba-mcp`; fish: ~/.config/fish/completions/nba-mcp.fish).
    Completions { shell: clap_complete::Shell },
    /// Backups of the store and the model store: create, list, verify, restore, keygen.
    Backup {
        #[command(subcommand)]
        cmd: backup_cmd::BackupCmd,
    },
}

fn init_logging(settings: &Settings) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("RUST_LOG")
        .unwrap_or_else(|_| EnvFilter::new(format!("{},sqlx=warn,rmcp=error", settings.log_level)));
    let json = match settings.log_format.as_str() {
        "json" => true,
        "pretty" => false,
        _ => !std::io::stderr().is_terminal(),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().flatten_event(true).init();
    } else {
        builder.init();
    }
}

/// Errors end the command with their message and causes on stderr and exit code 1; a
/// backtrace only with `NBA_MCP_DEBUG=1 RUST_BACKTRACE=1` (`RUST_BACKTRACE` alone prints none for a
/// user error such as a missing file). Panics keep Rust's own report.
#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nba-mcp: error: {e:#}");
            if std::env::var("NBA_MCP_DEBUG").is_ok_and(|v| v == "1") {
                eprintln!("{}", e.backtrace());
            }
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    let cli = Cli::parse();
    // One-shot commands print to stdout; `nba-mcp status | head` closing the pipe must end
    // them quietly, as for any Unix tool, not with a panic. Servers keep ignoring SIGPIPE.
    #[cfg(unix)]
    if !matches!(cli.command, Command::Serve { .. } | Command::Mcp) {
        // SAFETY: restoring the default disposition of one signal before any thread writes.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    if let Command::Completions { shell } = cli.command {
        // Needs no configuration or store.
        use clap::CommandFactory;
        clap_complete::generate(
            shell,
            &mut Cli::command(),
            "nba-mcp",
            &mut std::io::stdout(),
        );
        return Ok(());
    }
    let settings = Settings::load(cli.config.as_deref(), &|k| std::env::var(k).ok())?;
    init_logging(&settings);
    match cli.command {
        Command::Config { action } => {
            anyhow::ensure!(
                action == "check",
                "unknown config action '{action}'; use `config check`"
            );
            print!("{}", settings.redacted());
            Ok(())
        }
        Command::Ingest {
            format,
            path,
            skip_invalid,
            json,
        } => {
            let store = open(&settings).await?;
            if format == "all" {
                let dir = path
                    .or(settings.data_dir.clone())
                    .context("ingest all needs a folder (argument or NBA_MCP_DATA_DIR)")?;
                let sums = ingest::ingest_all(&store, &dir, skip_invalid).await?;
                let secs: f64 = sums.iter().map(|s| s.seconds).sum();
                if json {
                    println!("{}", serde_json::to_string_pretty(&sums)?);
                } else {
                    println!("loaded {} files in {:.1}s", sums.len(), secs);
                }
            } else {
                let fmt = nba_ingest::Format::from_name(&format)?;
                let path = path.context("ingest needs a file path")?;
                let s = ingest::ingest_file(&store, fmt, &path, skip_invalid, "real").await?;
                if json {
                    println!("{}", serde_json::to_string(&s)?);
                } else {
                    ingest::print_summary(&s, &mut std::io::stdout());
                }
            }
            store.close().await;
            Ok(())
        }
        Command::Conflicts { limit, json } => {
            let store = open(&settings).await?;
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            for (g, s) in store.disagreements(limit).await? {
                let (h, a) = if s.home_id == g.home_id {
                    (s.home_score, s.away_score)
                } else {
                    (s.away_score, s.home_score)
                };
                if json {
                    let line = serde_json::json!({
                        "game_id": g.id,
                        "stage": g.stage,
                        "stored": {"source": g.primary_source, "date": g.date, "home": g.home_score, "away": g.away_score},
                        "other": {"source": s.source, "date": s.date, "home": h, "away": a},
                    });
                    if writeln!(out, "{line}").is_err() {
                        break;
                    }
                    continue;
                }
                let line = writeln!(
                    out,
                    "{} {}: stored {}-{} ({}) on {}; {} says {}-{} on {}",
                    g.id,
                    g.stage,
                    g.home_score.unwrap_or(0),
                    g.away_score.unwrap_or(0),
                    g.primary_source,
                    g.date,
                    s.source,
                    h.unwrap_or(0),
                    a.unwrap_or(0),
                    s.date
                );
                if line.is_err() {
                    break; // stdout closed (e.g. piped into head)
                }
            }
            Ok(())
        }
        Command::Status { json } => {
            with_store(&settings, async |store| {
                status_cmd::status(store, json).await
            })
            .await
        }
        Command::Train(args) => {
            with_store(&settings, async |store| {
                let summary = model_cmd::train(store, &settings, &args).await?;
                if args.json {
                    println!("{summary}");
                }
                Ok(())
            })
            .await
        }
        Command::Evaluate(args) => {
            with_store(&settings, async |store| {
                model_cmd::evaluate(store, &settings.state_dir, &args).await
            })
            .await
        }
        Command::Drift { window, json } => {
            let store = open(&settings).await?;
            let config = nba_app::predict::ModelConfig {
                registry: settings.registry()?,
                spec: settings.model.clone(),
            };
            let app = nba_app::App::with_models(store.clone(), config).await?;
            let out = app.drift_report(Some(window)).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                model_cmd::print_drift(&out);
            }
            app.close().await;
            store.close().await;
            Ok(())
        }
        Command::Roles => {
            print!("{}", nba_auth::matrix_text());
            Ok(())
        }
        Command::Models { cmd } => {
            let registry = settings.registry()?;
            with_store(&settings, async |store| {
                model_cmd::models(store, registry.as_ref(), cmd).await
            })
            .await
        }
        Command::Rollout { cmd } => {
            let store = open(&settings).await?;
            let config = nba_app::predict::ModelConfig {
                registry: settings.registry()?,
                spec: settings.model.clone(),
            };
            let app = nba_app::App::with_models(store.clone(), config).await?;
            let out = model_cmd::rollout(&app, cmd).await;
            app.close().await;
            store.close().await;
            out
        }
        Command::Backup { cmd } => backup_cmd::run(&settings, cmd).await,
        Command::Completions { .. } => unreachable!("handled before the configuration is read"),
        Command::Db { cmd } => {
            with_store(&settings, async |store| db_cmd::run(store, cmd).await).await
        }
        Command::Reset { yes } => {
            with_store(&settings, async |store| {
                db_cmd::reset(store, &settings, yes).await
            })
            .await
        }
        Command::Cache { cmd } => {
            with_store(&settings, async |store| db_cmd::cache(store, cmd).await).await
        }
        Command::Users { cmd } => {
            with_store(&settings, async |store| access_cmd::users(store, cmd).await).await
        }
        Command::Keys { cmd } => {
            with_store(&settings, async |store| access_cmd::keys(store, cmd).await).await
        }
        Command::Audit { cmd } => {
            with_store(&settings, async |store| {
                access_cmd::audit_cmd(store, cmd).await
            })
            .await
        }
        Command::Mcp => {
            if settings.state_dir.is_relative() {
                // A desktop host starts `mcp` wherever it likes: say where the state goes.
                let here = std::env::current_dir().unwrap_or_default();
                eprintln!(
                    "nba-mcp: warning: NBA_MCP_STATE_DIR is the relative path {} and resolves to {}; \
                     give an absolute path in the MCP client's configuration so every start uses the same store and models",
                    settings.state_dir.display(),
                    here.join(&settings.state_dir).display()
                );
            }
            let store = open(&settings).await?;
            // A bad key stops the server before any data load or model training.
            if let Some(key) = &settings.access.api_key {
                let key = secrecy::ExposeSecret::expose_secret(key).trim().to_string();
                nba_app::access::check_api_key(&store, &key)
                    .await
                    .map_err(|f| anyhow::anyhow!("NBA_MCP_API_KEY: {}", f.description()))?;
            }
            serve::prepare_store(&store, &settings).await?;
            serve::run_stdio(store, &settings).await
        }
        Command::Serve {
            bind,
            tls_cert,
            tls_key,
        } => {
            let mut settings = settings;
            if let Some(b) = bind {
                settings.bind = b.parse().map_err(|_| {
                    anyhow::anyhow!("--bind: '{b}' is not an address like 127.0.0.1:8080")
                })?;
            }
            settings.tls_cert = tls_cert.or(settings.tls_cert);
            settings.tls_key = tls_key.or(settings.tls_key);
            settings.check_serve()?;
            // Read the certificate before the store: a bad file fails start-up at once.
            let tls = tls::server_config(&settings)?;
            let store = open(&settings).await?;
            serve::prepare_store(&store, &settings).await?;
            serve::run_http(store, &settings, tls).await
        }
    }
}

/// `f` on the configured store, which is closed afterwards whatever `f` answered.
async fn with_store<T>(settings: &Settings, f: impl AsyncFnOnce(&Store) -> Result<T>) -> Result<T> {
    let store = open(settings).await?;
    let done = f(&store).await;
    store.close().await;
    done
}

async fn open(settings: &Settings) -> Result<Store> {
    Store::open(&settings.store_options())
        .await
        .with_context(|| {
            format!(
                "opening database {}",
                nba_store::redact_url(secrecy::ExposeSecret::expose_secret(&settings.database_url))
            )
        })
}
