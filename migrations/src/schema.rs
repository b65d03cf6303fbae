//! What the migrations share: foreign keys, indexes, append-only triggers
//! and widening a CHECK constraint on both databases.

use sea_orm_migration::prelude::*;

/// A foreign key that refuses to delete a row still pointed to.
pub fn fk(
    name: &str,
    from: (impl IntoIden + 'static, impl IntoIden + 'static),
    to: (impl IntoIden + 'static, impl IntoIden + 'static),
) -> ForeignKeyCreateStatement {
    fk_on_delete(name, from, to, ForeignKeyAction::Restrict)
}

/// A foreign key whose rows go when the row they point to goes.
pub fn fk_cascade(
    name: &str,
    from: (impl IntoIden + 'static, impl IntoIden + 'static),
    to: (impl IntoIden + 'static, impl IntoIden + 'static),
) -> ForeignKeyCreateStatement {
    fk_on_delete(name, from, to, ForeignKeyAction::Cascade)
}

fn fk_on_delete(
    name: &str,
    from: (impl IntoIden + 'static, impl IntoIden + 'static),
    to: (impl IntoIden + 'static, impl IntoIden + 'static),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .to_owned()
}

/// An index on `cols` of `table`, unique when asked.
pub async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden + 'static,
    cols: Vec<DynIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for c in cols {
        stmt.col(c);
    }
    if unique {
        stmt.unique();
    }
    manager.create_index(stmt.to_owned()).await
}

/// Refuses UPDATE and DELETE on `table`, on either database (triggers).
pub async fn append_only(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            db.execute_unprepared(
                "CREATE OR REPLACE FUNCTION mutua_append_only() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; \
                 $$ LANGUAGE plpgsql",
            )
            .await?;
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION mutua_append_only()"
            ))
            .await?;
        }
        _ => {
            for op in ["UPDATE", "DELETE"] {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER {table}_no_{lower} BEFORE {op} ON {table} \
                     BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
                    lower = op.to_lowercase()
                ))
                .await?;
            }
        }
    }
    Ok(())
}

/// A CHECK constraint `column IN (…)` on `table` listing all of `values`
/// but the last `added` gets those too. Every stored row still satisfies
/// the wider check. On SQLite, which cannot alter a constraint, the
/// table's stored definition is rewritten in place, the procedure SQLite
/// documents for loosening CHECK constraints (no row changes on disk).
pub async fn widen_check(
    manager: &SchemaManager<'_>,
    table: &str,
    column: &str,
    values: &[&str],
    added: usize,
) -> Result<(), DbErr> {
    let list = values
        .iter()
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let db = manager.get_connection();
    match manager.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            let row = db
                .query_one(sea_orm::Statement::from_string(
                    sea_orm::DatabaseBackend::Postgres,
                    format!(
                        "SELECT conname FROM pg_constraint \
                         WHERE conrelid = '{table}'::regclass AND contype = 'c' \
                           AND pg_get_constraintdef(oid) LIKE '%{column}%' \
                           AND pg_get_constraintdef(oid) LIKE '%{}%'",
                        values[0]
                    ),
                ))
                .await?
                .ok_or_else(|| DbErr::Migration(format!("no check on {table}.{column}")))?;
            let name: String = row.try_get("", "conname")?;
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} DROP CONSTRAINT \"{name}\", \
                 ADD CONSTRAINT \"{name}\" CHECK ({column} IN ({list}))"
            ))
            .await?;
        }
        _ => {
            let txn = sea_orm::TransactionTrait::begin(db).await?;
            let sql: String = txn
                .query_one(sea_orm::Statement::from_string(
                    sea_orm::DatabaseBackend::Sqlite,
                    format!(
                        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{table}'"
                    ),
                ))
                .await?
                .ok_or_else(|| DbErr::Migration(format!("no table {table}")))?
                .try_get("", "sql")?;
            // The check as it was written: every value but the new ones,
            // in order.
            let old = values[..values.len().saturating_sub(added)]
                .iter()
                .map(|v| format!("'{v}'"))
                .collect::<Vec<_>>()
                .join(", ");
            let from = format!("\"{column}\" IN ({old})");
            if sql.matches(&from).count() != 1 {
                return Err(DbErr::Migration(format!(
                    "{table}: the check on {column} is not the one expected"
                )));
            }
            let widened = sql.replace(&from, &format!("\"{column}\" IN ({list})"));
            let version: i64 = txn
                .query_one(sea_orm::Statement::from_string(
                    sea_orm::DatabaseBackend::Sqlite,
                    "PRAGMA schema_version".to_owned(),
                ))
                .await?
                .ok_or_else(|| DbErr::Migration("no schema version".to_owned()))?
                .try_get_by_index(0)?;
            txn.execute_unprepared("PRAGMA writable_schema = ON")
                .await?;
            txn.execute(sea_orm::Statement::from_sql_and_values(
                sea_orm::DatabaseBackend::Sqlite,
                "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
                [widened.into(), table.into()],
            ))
            .await?;
            txn.execute_unprepared(&format!("PRAGMA schema_version = {}", version + 1))
                .await?;
            txn.execute_unprepared("PRAGMA writable_schema = OFF")
                .await?;
            txn.commit().await?;
        }
    }
    Ok(())
}
