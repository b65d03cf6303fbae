//! `mutua seed-demo`: a small, deterministic Italian cooperative so that a
//! newcomer sees a living marketplace. Running it twice changes nothing.

use chrono::{TimeZone, Utc};
use domain::account::AddressForm;
use i18n::Locale;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use services::accounts::{self, NewAccount};
use services::entities::memberships;
use services::password::Hasher;
use uuid::Uuid;

mod bench;
mod catalog;
mod orders;

/// Extra data for benchmarks (`seed-demo --bench-…`).
#[derive(Clone, Copy, Debug, Default)]
pub struct BenchSize {
    pub members: usize,
    pub listings: usize,
    pub orders: usize,
}

/// Password of every demo account (documented in the README).
pub const DEMO_PASSWORD: &str = "mutua-demo-2026";

struct DemoPerson {
    name: &'static str,
    /// How they chose to be addressed (one neutral, to show all three).
    form: AddressForm,
    email: &'static str,
    /// Stakeholder class when a member, and board seat.
    class: Option<&'static str>,
    board: bool,
    shares: i32,
    admitted: (i32, u32, u32),
}

const PEOPLE: &[DemoPerson] = &[
    DemoPerson {
        name: "Anna Rossi",
        form: AddressForm::Feminine,
        email: "anna.rossi@mutua.example",
        class: Some("worker"),
        board: true,
        shares: 4,
        admitted: (2024, 3, 1),
    },
    DemoPerson {
        name: "Luca Ferrari",
        form: AddressForm::Masculine,
        email: "luca.ferrari@mutua.example",
        class: Some("user"),
        board: true,
        shares: 2,
        admitted: (2024, 3, 1),
    },
    DemoPerson {
        name: "Giulia Bianchi",
        form: AddressForm::Feminine,
        email: "giulia.bianchi@mutua.example",
        class: Some("worker"),
        board: false,
        shares: 2,
        admitted: (2024, 5, 12),
    },
    DemoPerson {
        name: "Marco Esposito",
        form: AddressForm::Masculine,
        email: "marco.esposito@mutua.example",
        class: Some("worker"),
        board: false,
        shares: 1,
        admitted: (2024, 9, 2),
    },
    DemoPerson {
        name: "Francesca Romano",
        form: AddressForm::Feminine,
        email: "francesca.romano@mutua.example",
        class: Some("worker"),
        board: false,
        shares: 1,
        admitted: (2025, 1, 20),
    },
    DemoPerson {
        name: "Chiara Colombo",
        form: AddressForm::Neutral,
        email: "chiara.colombo@mutua.example",
        class: Some("user"),
        board: false,
        shares: 1,
        admitted: (2025, 4, 7),
    },
    DemoPerson {
        name: "Davide Ricci",
        form: AddressForm::Masculine,
        email: "davide.ricci@mutua.example",
        class: Some("supporter"),
        board: false,
        shares: 20,
        admitted: (2025, 6, 30),
    },
    DemoPerson {
        name: "Elena Greco",
        form: AddressForm::Feminine,
        email: "elena.greco@mutua.example",
        class: Some("worker"),
        board: false,
        shares: 2,
        admitted: (2025, 2, 14),
    },
    DemoPerson {
        name: "Matteo Bruno",
        form: AddressForm::Masculine,
        email: "matteo.bruno@mutua.example",
        class: Some("worker"),
        board: false,
        shares: 1,
        admitted: (2025, 3, 3),
    },
    DemoPerson {
        name: "Sofia Marino",
        form: AddressForm::Feminine,
        email: "sofia.marino@mutua.example",
        class: Some("worker"),
        board: true,
        shares: 3,
        admitted: (2024, 11, 18),
    },
    DemoPerson {
        name: "Lorenzo Gallo",
        form: AddressForm::Masculine,
        email: "lorenzo.gallo@mutua.example",
        class: Some("worker"),
        board: false,
        shares: 1,
        admitted: (2025, 8, 25),
    },
    DemoPerson {
        name: "Martina Costa",
        form: AddressForm::Feminine,
        email: "martina.costa@mutua.example",
        class: Some("user"),
        board: false,
        shares: 1,
        admitted: (2025, 9, 9),
    },
    DemoPerson {
        name: "Paolo Conti",
        form: AddressForm::Masculine,
        email: "paolo.conti@mutua.example",
        class: None,
        board: false,
        shares: 0,
        admitted: (2025, 10, 1),
    },
];

/// Someone who has applied and waits for the board.
async fn seed_applicant(db: &DatabaseConnection, hasher: &Hasher) -> anyhow::Result<&'static str> {
    let email = "sara.lombardi@mutua.example";
    if accounts::find_by_email(db, email).await?.is_some() {
        return Ok("");
    }
    let user = accounts::register(
        db,
        hasher,
        NewAccount {
            email,
            display_name: "Sara Lombardi",
            password: DEMO_PASSWORD,
            locale: Locale::It,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("demo applicant: {e}"))?;
    services::membership::apply(
        db,
        user.id,
        services::membership::NewApplication {
            class: "worker",
            motivation: "Faccio la sarta da dieci anni e vorrei lavorare in cooperativa, con orari miei e un compenso giusto.",
            shares: "1",
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("demo application: {e}"))?;
    Ok(", one application waiting")
}

pub async fn seed_demo(
    db: &DatabaseConnection,
    hasher: &Hasher,
    data_dir: &std::path::Path,
    bench: BenchSize,
) -> anyhow::Result<String> {
    let mut created = 0;
    for p in PEOPLE {
        if accounts::find_by_email(db, p.email).await?.is_some() {
            continue;
        }
        let txn = services::txn::begin_write(db).await?;
        let user = accounts::register(
            &txn,
            hasher,
            NewAccount {
                email: p.email,
                display_name: p.name,
                password: DEMO_PASSWORD,
                locale: Locale::It,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo account {}: {e}", p.email))?;
        accounts::set_preferences(&txn, user.id, Locale::It, p.form).await?;
        if let Some(class) = p.class {
            let (y, m, d) = p.admitted;
            let admitted = Utc
                .with_ymd_and_hms(y, m, d, 9, 0, 0)
                .single()
                .ok_or_else(|| anyhow::anyhow!("bad demo date"))?;
            memberships::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(user.id),
                status: Set(wire::membership::MembershipStatus::Active.into()),
                class: Set(class.into()),
                shares: Set(p.shares),
                applied_at: Set(admitted - chrono::Duration::days(14)),
                admitted_at: Set(Some(admitted)),
                motivation: Set(None),
            }
            .insert(&txn)
            .await?;
        }
        if p.board {
            accounts::grant_board_seat(&txn, user.id).await?;
        }
        txn.commit().await?;
        created += 1;
    }
    let applicant = seed_applicant(db, hasher).await?;
    let zones = catalog::seed_zones(db).await?;
    let mut listings = catalog::seed_listings(db, data_dir, &zones).await?;
    let orders = orders::seed_orders(db).await?;
    seed_money(db).await?;
    seed_governance(db).await?;
    // Members first, so that the bench listings spread over them too.
    let members = bench::seed_members(db, hasher, bench.members).await?;
    if bench.listings > 0 {
        listings += catalog::seed_bench_listings(db, bench.listings).await?;
    }
    let orders = orders + bench::seed_orders(db, bench.orders).await?;
    Ok(format!(
        "demo cooperative ready: {} accounts created, {} in all{applicant}; {listings} listings and {orders} orders created (password: {DEMO_PASSWORD})",
        created + members,
        PEOPLE.len() + bench.members
    ))
}

/// The cooperative's bank account and every worker's payout account
/// (made-up account numbers with valid check digits), so payout batches
/// and their SEPA file work in the demo.
async fn seed_money(db: &DatabaseConnection) -> anyhow::Result<()> {
    use domain::iban::Iban;
    use sea_orm::EntityTrait;
    use services::entities::{coop_settings, payout_accounts};
    use services::money;
    let fail = |e: services::service::ServiceError| anyhow::anyhow!("demo money: {e}");
    if coop_settings::Entity::find_by_id("coop_iban".to_owned())
        .one(db)
        .await?
        .is_none()
    {
        money::save_coop_bank(
            db,
            services::clock::wall_now(),
            None,
            "Mutua Bologna Soc. Coop. Sociale",
            "IT60 X054 2811 1010 0000 0123 456",
            "BPMOIT22XXX",
        )
        .await
        .map_err(fail)?;
    }
    for (i, p) in PEOPLE.iter().enumerate() {
        if p.class != Some("worker") {
            continue;
        }
        let Some(user) = accounts::find_by_email(db, p.email).await? else {
            continue;
        };
        if payout_accounts::Entity::find_by_id(user.id)
            .one(db)
            .await?
            .is_some()
        {
            continue;
        }
        let iban = Iban::from_bban("IT", &format!("X0542811101{:012}", 1000 + i))
            .ok_or_else(|| anyhow::anyhow!("demo IBAN"))?;
        money::store_payout_account(
            db,
            services::clock::wall_now(),
            &user,
            p.name.to_owned(),
            iban,
        )
        .await
        .map_err(fail)?;
    }
    Ok(())
}

/// Two open votes: a fee cut for deliveries and a motion to the assembly,
/// each with a few ballots already cast (results show once they close).
async fn seed_governance(db: &DatabaseConnection) -> anyhow::Result<()> {
    use app::api::governance::ProposalForm;
    use sea_orm::{EntityTrait, PaginatorTrait};
    use services::clock::Clock;
    use services::entities::proposals;
    use services::governance;
    if proposals::Entity::find().count(db).await? > 0 {
        return Ok(());
    }
    let fail = |e: services::service::ServiceError| anyhow::anyhow!("demo governance: {e}");
    let clock = Clock::system();
    let today = clock.now().date_naive();
    let day = |n: i64| {
        (today + chrono::Duration::days(n))
            .format("%Y-%m-%d")
            .to_string()
    };
    let giulia = orders::viewer(db, "giulia.bianchi@mutua.example").await?;
    let luca = orders::viewer(db, "luca.ferrari@mutua.example").await?;
    let fee = governance::propose(
        db,
        clock.now(),
        &giulia,
        &ProposalForm {
            kind: "fee_rule_change".into(),
            title: "Consegne al 4 %".into(),
            body: "Le consegne in cargo bike sono cresciute: proponiamo di scendere dal 5 al 4 % \
                   per i corrieri, lasciando invariati i servizi."
                .into(),
            closes_on: day(12),
            effective_on: day(14),
            service_percent: "8".into(),
            service_min: "0,50".into(),
            delivery_percent: "4".into(),
            delivery_min: "0,50".into(),
            ..ProposalForm::default()
        },
    )
    .await
    .map_err(fail)?;
    let motion = governance::propose(
        db,
        clock.now(),
        &luca,
        &ProposalForm {
            kind: "general_motion".into(),
            title: "Assemblea d'estate all'aperto".into(),
            body: "Teniamo l'assemblea di luglio ai Giardini Margherita, con merenda offerta dalla cooperativa.".into(),
            closes_on: day(10),
            ..ProposalForm::default()
        },
    )
    .await
    .map_err(fail)?;
    for (email, on_fee, on_motion) in [
        ("matteo.bruno@mutua.example", "yes", "yes"),
        ("lorenzo.gallo@mutua.example", "yes", "abstain"),
        ("anna.rossi@mutua.example", "no", "yes"),
    ] {
        let v = orders::viewer(db, email).await?;
        governance::vote(db, &clock, v.id, fee, on_fee)
            .await
            .map_err(fail)?;
        governance::vote(db, &clock, v.id, motion, on_motion)
            .await
            .map_err(fail)?;
    }
    Ok(())
}
