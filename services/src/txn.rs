//! Write transactions that wait their turn on SQLite.
//!
//! sea-orm begins every transaction with a plain (deferred) `BEGIN`. On
//! SQLite such a transaction that reads before it writes fails at once with
//! "database is locked" when another connection committed in between (a busy
//! snapshot: the busy timeout cannot help). Taking the write lock at the
//! start, as `BEGIN IMMEDIATE` would, makes it wait under the busy timeout
//! instead. PostgreSQL needs nothing.

use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, TransactionTrait};

/// Begins a transaction that will write.
pub async fn begin_write<C>(db: &C) -> Result<DatabaseTransaction, DbErr>
where
    C: TransactionTrait + ConnectionTrait,
{
    let txn = db.begin().await?;
    if txn.get_database_backend() == DbBackend::Sqlite {
        // A write statement that changes nothing: SQLite takes the write
        // lock for it (waiting under the busy timeout while it is the
        // transaction's first statement), and keeps it until commit.
        txn.execute_unprepared("UPDATE seaql_migrations SET version = version WHERE 0")
            .await?;
    }
    Ok(txn)
}
