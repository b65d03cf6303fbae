//! States and kinds are stored by name and read back as their domain
//! types; a name the type does not know fails the read, on both databases,
//! instead of turning into a default or making the row vanish.

mod support;

use domain::listing::{ListingInput, ListingStatus};
use i18n::Locale;
use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, TransactionTrait,
};
use services::entities::{listings, memberships, users};
use services::{accounts, listings as listing_service, membership, password::Hasher};
use support::{Backend, TestDb, BACKENDS};
use wire::membership::MembershipStatus;

async fn founder(db: &sea_orm::DatabaseConnection) -> users::Model {
    let user = accounts::register(
        db,
        &Hasher::new(1),
        accounts::NewAccount {
            email: "ada@coop.example",
            display_name: "Ada",
            password: "a long enough password",
            locale: Locale::It,
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e:?}"));
    membership::found(db, user.id, "worker")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    user
}

/// Writes `status` into listing `id` as a newer schema would allow it.
async fn newer_version_writes(
    db: &DatabaseConnection,
    backend: Backend,
    id: uuid::Uuid,
    status: &str,
) {
    let txn = db.begin().await.unwrap_or_else(|e| panic!("{e}"));
    match backend {
        // For this connection only, inside the transaction.
        Backend::Sqlite => {
            txn.execute_unprepared("PRAGMA ignore_check_constraints = ON")
                .await
        }
        Backend::Postgres => {
            txn.execute_unprepared(
                "DO $$ DECLARE c text; BEGIN
                   FOR c IN SELECT conname FROM pg_constraint
                     WHERE conrelid = 'listings'::regclass AND contype = 'c'
                       AND pg_get_constraintdef(oid) LIKE '%status%'
                   LOOP EXECUTE 'ALTER TABLE listings DROP CONSTRAINT ' || quote_ident(c); END LOOP;
                 END $$",
            )
            .await
        }
    }
    .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
    listings::Entity::update_many()
        .col_expr(listings::Column::Status, Expr::value(status))
        .filter(listings::Column::Id.eq(id))
        .exec(&txn)
        .await
        .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
    if let Backend::Sqlite = backend {
        txn.execute_unprepared("PRAGMA ignore_check_constraints = OFF")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    txn.commit()
        .await
        .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
}

#[tokio::test]
async fn a_membership_reads_back_typed_and_the_schema_refuses_unknown_states() {
    for backend in BACKENDS {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        let user = founder(db).await;
        let row = memberships::Entity::find()
            .filter(memberships::Column::UserId.eq(user.id))
            .one(db)
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        assert_eq!(
            row.map(|m| *m.status),
            Some(MembershipStatus::Active),
            "{backend:?}"
        );
        let mine = membership::mine(db, user.id)
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        assert_eq!(mine.status, Some(MembershipStatus::Active), "{backend:?}");
        let written = memberships::Entity::update_many()
            .col_expr(memberships::Column::Status, Expr::value("on_leave"))
            .filter(memberships::Column::UserId.eq(user.id))
            .exec(db)
            .await;
        assert!(
            written.is_err(),
            "{backend:?}: the CHECK constraint let an unknown state in"
        );
        t.drop_db().await;
    }
}

#[tokio::test]
async fn a_listing_in_an_unknown_state_fails_its_reads_instead_of_vanishing() {
    for backend in BACKENDS {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        let owner = founder(db).await;
        let input = ListingInput {
            kind: "service".into(),
            category: "pulizie".into(),
            title: "Pulizia di scale condominiali".into(),
            description: "Scale, androne e vetri, con prodotti ecologici.".into(),
            price_model: "fixed".into(),
            price: "40".into(),
            duration_minutes: "90".into(),
            ..ListingInput::default()
        };
        let id = listing_service::create(db, owner.id, &input)
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: {e:?}"));
        let mine = listing_service::mine(db, owner.id, Locale::It)
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        assert_eq!(
            mine.iter().map(|l| (l.id, l.status)).collect::<Vec<_>>(),
            [(id, ListingStatus::Draft)],
            "{backend:?}"
        );

        // A state this version does not know: written by a newer one, whose
        // migration widened the CHECK, and read after a roll-back.
        newer_version_writes(db, backend, id, "on_hold").await;
        match listings::Entity::find_by_id(id).one(db).await {
            Err(DbErr::Type(message)) => {
                assert!(message.contains("\"on_hold\""), "{backend:?}: {message}")
            }
            other => panic!("{backend:?}: read {other:?}"),
        }
        // Before, the owner's list left it out without a word.
        assert!(
            listing_service::mine(db, owner.id, Locale::It)
                .await
                .is_err(),
            "{backend:?}"
        );
        t.drop_db().await;
    }
}
