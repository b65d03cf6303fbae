//! In-process service tests: each test gets a fresh, migrated database,
//! an SQLite file or a PostgreSQL database of its own, and runs the
//! services on it directly (no server, no HTTP).

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

/// The two databases every test runs on.
#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

/// A migrated database that is removed when dropped.
pub struct TestDb {
    pub db: DatabaseConnection,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Postgres(String),
}

fn postgres_admin_url() -> String {
    std::env::var("MUTUA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

impl TestDb {
    /// Never skips PostgreSQL: an unreachable server fails the test.
    pub async fn new(backend: Backend) -> TestDb {
        let name = format!("mutua_svc_{}", uuid::Uuid::new_v4().simple());
        let (db, cleanup) = match backend {
            Backend::Sqlite => {
                let file = std::env::temp_dir().join(format!("{name}.db"));
                let url = format!("sqlite://{}?mode=rwc", file.display());
                let db = Database::connect(url)
                    .await
                    .unwrap_or_else(|e| panic!("SQLite: {e}"));
                db.execute_unprepared("PRAGMA foreign_keys = ON")
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                (db, Cleanup::File(file))
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url();
                let admin = Database::connect(&admin_url).await.unwrap_or_else(|e| {
                    panic!("PostgreSQL at {admin_url} is needed by the tests: {e}")
                });
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                admin.close().await.unwrap_or_else(|e| panic!("{e}"));
                let base = admin_url
                    .rsplit_once('/')
                    .map_or(admin_url.as_str(), |(b, _)| b)
                    .to_owned();
                let db = Database::connect(format!("{base}/{name}"))
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                (db, Cleanup::Postgres(name))
            }
        };
        Migrator::up(&db, None)
            .await
            .unwrap_or_else(|e| panic!("migrations: {e}"));
        TestDb { db, cleanup }
    }

    /// Closes the pool and removes the database.
    pub async fn drop_db(self) {
        let _ = self.db.close().await;
        match self.cleanup {
            Cleanup::File(file) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
                }
            }
            Cleanup::Postgres(name) => {
                if let Ok(admin) = Database::connect(postgres_admin_url()).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            }
        }
    }
}
