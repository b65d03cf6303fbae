//! Opening the database (SQLite file or PostgreSQL) and migrating it.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use std::time::Duration;

/// Opens a pool of at most `max_connections` connections.
pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<DatabaseConnection> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let file = path.split('?').next().unwrap_or_default();
        if let Some(dir) = std::path::Path::new(file).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)?;
            }
        }
    }
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        // One writer at a time on SQLite: a small pool, WAL and a busy
        // timeout, set on every connection of the pool.
        use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
        opts.max_connections(max_connections.max(1))
            .min_connections(1)
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .busy_timeout(Duration::from_secs(5))
                    .foreign_keys(true)
                    .synchronous(SqliteSynchronous::Normal)
            });
    } else {
        opts.max_connections(max_connections.max(1))
            .min_connections(1);
    }
    let db = Database::connect(opts)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
    Ok(db)
}

/// Brings the schema up to date, and the search index when what it stores
/// has changed.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await?;
    let indexed = services::listings::reindex_if_stale(db).await?;
    if indexed > 0 {
        tracing::info!(listings = indexed, "search index rebuilt");
    }
    refresh_statistics(db).await
}

/// Gives SQLite's query planner table statistics (bounded, so it stays fast
/// on a large file); without them it picks poor plans for search. PostgreSQL
/// keeps its own statistics.
pub async fn refresh_statistics(db: &DatabaseConnection) -> anyhow::Result<()> {
    use sea_orm::{ConnectionTrait, DbBackend};
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA analysis_limit = 1000; ANALYZE;")
            .await?;
    }
    Ok(())
}

/// Full planner statistics on either database, after a bulk load (seeding):
/// PostgreSQL's autovacuum would gather them only later, and until then it
/// plans a 10,000-row table as if it were empty (measured: the home page's
/// newest listings took 4 ms instead of 0.1 ms).
pub async fn analyze(db: &DatabaseConnection) -> anyhow::Result<()> {
    use sea_orm::ConnectionTrait;
    db.execute_unprepared("ANALYZE").await?;
    Ok(())
}
