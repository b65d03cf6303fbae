//! Governance: proposals, the voters fixed when each opens, ballots (the
//! current one per member, enforced by a unique index, and every ballot
//! ever cast as history), and the audit log. Voters, ballot history and
//! audit events are append-only.

use crate::schema::{append_only, fk, index};
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
    Kind,
    Title,
    Body,
    Payload,
    ProposerId,
    Voters,
    QuorumBps,
    Threshold,
    OpensAt,
    ClosesAt,
    EffectiveFrom,
    Status,
    Eligible,
    Yes,
    No,
    Abstain,
    QuorumMet,
    ClosedAt,
    EnactedVersion,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ProposalVoters {
    Table,
    ProposalId,
    MemberId,
}

#[derive(DeriveIden)]
enum Ballots {
    Table,
    Id,
    ProposalId,
    MemberId,
    Choice,
    CastAt,
}

#[derive(DeriveIden)]
enum BallotHistory {
    Table,
    Id,
    ProposalId,
    MemberId,
    Choice,
    CastAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    At,
    ActorId,
    Kind,
    Subject,
    Detail,
}

const CHOICES: [&str; 3] = ["yes", "no", "abstain"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Proposals::Table)
                    .if_not_exists()
                    .col(pk_uuid(Proposals::Id))
                    .col(string_len(Proposals::Kind, 32))
                    .col(string_len(Proposals::Title, 140))
                    .col(text(Proposals::Body))
                    .col(text_null(Proposals::Payload))
                    .col(uuid(Proposals::ProposerId))
                    .col(string_len(Proposals::Voters, 16))
                    .col(integer(Proposals::QuorumBps))
                    .col(string_len(Proposals::Threshold, 16))
                    .col(timestamp_with_time_zone(Proposals::OpensAt))
                    .col(timestamp_with_time_zone(Proposals::ClosesAt))
                    .col(timestamp_with_time_zone_null(Proposals::EffectiveFrom))
                    .col(string_len(Proposals::Status, 16))
                    .col(integer(Proposals::Eligible))
                    .col(integer_null(Proposals::Yes))
                    .col(integer_null(Proposals::No))
                    .col(integer_null(Proposals::Abstain))
                    .col(boolean_null(Proposals::QuorumMet))
                    .col(timestamp_with_time_zone_null(Proposals::ClosedAt))
                    .col(integer_null(Proposals::EnactedVersion))
                    .col(timestamp_with_time_zone(Proposals::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_proposals_proposer",
                        (Proposals::Table, Proposals::ProposerId),
                        (Users::Table, Users::Id),
                    ))
                    .check(Expr::col(Proposals::Kind).is_in([
                        "fee_rule_change",
                        "admit_member",
                        "platform_rule",
                        "general_motion",
                    ]))
                    .check(Expr::col(Proposals::Status).is_in(["open", "passed", "rejected"]))
                    .check(Expr::col(Proposals::Voters).is_in(["assembly", "board"]))
                    .check(Expr::col(Proposals::Threshold).is_in(["majority", "two_thirds"]))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_proposals_status_closes",
            Proposals::Table,
            vec![
                Proposals::Status.into_iden(),
                Proposals::ClosesAt.into_iden(),
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProposalVoters::Table)
                    .if_not_exists()
                    .col(uuid(ProposalVoters::ProposalId))
                    .col(uuid(ProposalVoters::MemberId))
                    .primary_key(
                        Index::create()
                            .col(ProposalVoters::ProposalId)
                            .col(ProposalVoters::MemberId),
                    )
                    .foreign_key(&mut fk(
                        "fk_proposal_voters_proposal",
                        (ProposalVoters::Table, ProposalVoters::ProposalId),
                        (Proposals::Table, Proposals::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_proposal_voters_member",
                        (ProposalVoters::Table, ProposalVoters::MemberId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        for (table, id, proposal, member, choice, cast_at, unique) in [
            (
                Ballots::Table.into_iden(),
                Ballots::Id.into_iden(),
                Ballots::ProposalId.into_iden(),
                Ballots::MemberId.into_iden(),
                Ballots::Choice.into_iden(),
                Ballots::CastAt.into_iden(),
                true,
            ),
            (
                BallotHistory::Table.into_iden(),
                BallotHistory::Id.into_iden(),
                BallotHistory::ProposalId.into_iden(),
                BallotHistory::MemberId.into_iden(),
                BallotHistory::Choice.into_iden(),
                BallotHistory::CastAt.into_iden(),
                false,
            ),
        ] {
            let name = table.to_string();
            manager
                .create_table(
                    Table::create()
                        .table(table.clone())
                        .if_not_exists()
                        .col(pk_uuid(id))
                        .col(uuid(proposal.clone()))
                        .col(uuid(member.clone()))
                        .col(string_len(choice.clone(), 8))
                        .col(timestamp_with_time_zone(cast_at))
                        .foreign_key(&mut fk(
                            &format!("fk_{name}_proposal"),
                            (table.clone(), proposal.clone()),
                            (Proposals::Table, Proposals::Id),
                        ))
                        .foreign_key(&mut fk(
                            &format!("fk_{name}_member"),
                            (table.clone(), member.clone()),
                            (Users::Table, Users::Id),
                        ))
                        .check(Expr::col(choice).is_in(CHOICES))
                        .to_owned(),
                )
                .await?;
            index(
                manager,
                &format!(
                    "{}_{name}_proposal_member",
                    if unique { "uq" } else { "idx" }
                ),
                table,
                vec![proposal, member],
                unique,
            )
            .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .if_not_exists()
                    .col(pk_uuid(AuditEvents::Id))
                    .col(timestamp_with_time_zone(AuditEvents::At))
                    .col(uuid_null(AuditEvents::ActorId))
                    .col(string_len(AuditEvents::Kind, 40))
                    .col(string_len(AuditEvents::Subject, 80))
                    .col(text(AuditEvents::Detail))
                    .foreign_key(&mut fk(
                        "fk_audit_events_actor",
                        (AuditEvents::Table, AuditEvents::ActorId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_audit_events_kind_at",
            AuditEvents::Table,
            vec![AuditEvents::Kind.into_iden(), AuditEvents::At.into_iden()],
            false,
        )
        .await?;

        for table in ["proposal_voters", "ballot_history", "audit_events"] {
            append_only(manager, table).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditEvents::Table.into_iden(),
            BallotHistory::Table.into_iden(),
            Ballots::Table.into_iden(),
            ProposalVoters::Table.into_iden(),
            Proposals::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
