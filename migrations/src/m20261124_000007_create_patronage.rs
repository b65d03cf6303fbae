//! Vote rules as versioned settings, changed only by a `vote_rules_change`
//! proposal, and patronage refunds: one round per year, each member's
//! share of it, and the `patronage` ledger entries. Versions, rounds and
//! shares are append-only.

use crate::schema::{append_only, fk, widen_check};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Proposals {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum VoteRuleVersions {
    Table,
    Version,
    Rules,
    ProposalId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PatronageRounds {
    Table,
    Id,
    Year,
    Currency,
    SurplusMinor,
    CashBps,
    EarningsMinor,
    DecidedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PatronageShares {
    Table,
    RoundId,
    MemberId,
    EarningsMinor,
    CashMinor,
    RetainedMinor,
}

const PROPOSAL_KINDS: [&str; 5] = [
    "fee_rule_change",
    "admit_member",
    "platform_rule",
    "general_motion",
    "vote_rules_change",
];

pub(crate) const ENTRY_KINDS: [&str; 7] = [
    "payment",
    "completion",
    "refund",
    "refund_paid",
    "processor_fee",
    "payout",
    "patronage",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        widen_check(manager, "proposals", "kind", &PROPOSAL_KINDS, 1).await?;
        widen_check(manager, "ledger_entries", "kind", &ENTRY_KINDS, 1).await?;
        manager
            .create_table(
                Table::create()
                    .table(VoteRuleVersions::Table)
                    .if_not_exists()
                    .col(integer(VoteRuleVersions::Version).primary_key())
                    .col(text(VoteRuleVersions::Rules))
                    .col(uuid_null(VoteRuleVersions::ProposalId))
                    .col(timestamp_with_time_zone(VoteRuleVersions::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_vote_rule_versions_proposal",
                        (VoteRuleVersions::Table, VoteRuleVersions::ProposalId),
                        (Proposals::Table, Proposals::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PatronageRounds::Table)
                    .if_not_exists()
                    .col(pk_uuid(PatronageRounds::Id))
                    .col(integer_uniq(PatronageRounds::Year))
                    .col(string_len(PatronageRounds::Currency, 3))
                    .col(big_integer(PatronageRounds::SurplusMinor))
                    .col(integer(PatronageRounds::CashBps))
                    .col(big_integer(PatronageRounds::EarningsMinor))
                    .col(uuid(PatronageRounds::DecidedBy))
                    .col(timestamp_with_time_zone(PatronageRounds::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_patronage_rounds_decided_by",
                        (PatronageRounds::Table, PatronageRounds::DecidedBy),
                        (Users::Table, Users::Id),
                    ))
                    .check(Expr::col(PatronageRounds::SurplusMinor).gt(0))
                    .check(Expr::col(PatronageRounds::CashBps).between(0, 10_000))
                    .check(Expr::col(PatronageRounds::EarningsMinor).gt(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PatronageShares::Table)
                    .if_not_exists()
                    .col(uuid(PatronageShares::RoundId))
                    .col(uuid(PatronageShares::MemberId))
                    .col(big_integer(PatronageShares::EarningsMinor))
                    .col(big_integer(PatronageShares::CashMinor))
                    .col(big_integer(PatronageShares::RetainedMinor))
                    .primary_key(
                        Index::create()
                            .col(PatronageShares::RoundId)
                            .col(PatronageShares::MemberId),
                    )
                    .foreign_key(&mut fk(
                        "fk_patronage_shares_round",
                        (PatronageShares::Table, PatronageShares::RoundId),
                        (PatronageRounds::Table, PatronageRounds::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_patronage_shares_member",
                        (PatronageShares::Table, PatronageShares::MemberId),
                        (Users::Table, Users::Id),
                    ))
                    .check(Expr::col(PatronageShares::EarningsMinor).gt(0))
                    .check(Expr::col(PatronageShares::CashMinor).gte(0))
                    .check(Expr::col(PatronageShares::RetainedMinor).gte(0))
                    .to_owned(),
            )
            .await?;
        for table in ["vote_rule_versions", "patronage_rounds", "patronage_shares"] {
            append_only(manager, table).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["patronage_shares", "patronage_rounds", "vote_rule_versions"] {
            manager
                .drop_table(Table::drop().table(Alias::new(t)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
