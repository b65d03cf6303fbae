//! Who votes, reminders before closing, and casting or changing a ballot.

use super::*;

/// The members who vote in `body` now: every active member, or the active
/// members holding a board seat.
pub(super) async fn voters_now(
    db: &impl ConnectionTrait,
    body: Body,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, DbErr> {
    let mut q = memberships::Entity::find().filter(memberships::Column::Status.eq("active"));
    if body == Body::Board {
        q = q.filter(
            memberships::Column::UserId.in_subquery(
                Query::select()
                    .column(board_seats::Column::UserId)
                    .from(board_seats::Entity)
                    .and_where(Expr::col(board_seats::Column::StartedAt).lte(now))
                    .cond_where(
                        Condition::any()
                            .add(Expr::col(board_seats::Column::EndedAt).is_null())
                            .add(Expr::col(board_seats::Column::EndedAt).gt(now)),
                    )
                    .to_owned(),
            ),
        );
    }
    Ok(q.all(db).await?.into_iter().map(|m| m.user_id).collect())
}

/// A day before an open vote closes, its voters who have not voted yet
/// are reminded, once. Run by the job runner; answers how many votes.
pub async fn remind_voters(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let due = proposals::Entity::find()
        .filter(proposals::Column::Status.eq("open"))
        .filter(proposals::Column::RemindedAt.is_null())
        .filter(proposals::Column::ClosesAt.gt(now))
        .filter(proposals::Column::ClosesAt.lte(now + Duration::hours(24)))
        .all(db)
        .await?;
    let mut reminded = 0;
    for p in due {
        let txn = crate::txn::begin_write(db).await?;
        let claimed = proposals::Entity::update_many()
            .col_expr(proposals::Column::RemindedAt, Expr::value(now))
            .filter(proposals::Column::Id.eq(p.id))
            .filter(proposals::Column::RemindedAt.is_null())
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        let voted: Vec<Uuid> = ballots::Entity::find()
            .filter(ballots::Column::ProposalId.eq(p.id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|b| b.member_id)
            .collect();
        let waiting: Vec<Uuid> = proposal_voters::Entity::find()
            .filter(proposal_voters::Column::ProposalId.eq(p.id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|v| v.member_id)
            .filter(|m| !voted.contains(m))
            .collect();
        let people = users::Entity::find()
            .filter(users::Column::Id.is_in(waiting))
            .all(&txn)
            .await?;
        for user in &people {
            notify::vote(
                &txn,
                notify::VoteNotice::Reminder,
                user,
                p.id,
                &p.title,
                p.closes_at,
                now,
            )
            .await?;
        }
        txn.commit().await?;
        reminded += 1;
    }
    Ok(reminded)
}

/// Casts (or changes) `member`'s ballot while the proposal is open.
pub async fn vote(
    db: &DatabaseConnection,
    clock: &crate::clock::Clock,
    member: Uuid,
    proposal: Uuid,
    choice: &str,
) -> Result<(), ServiceError> {
    let choice = Choice::parse(choice.trim())
        .ok_or_else(|| ServiceError::field("choice", FieldProblem::ChoiceInvalid))?;
    let now = clock.now();
    let txn = crate::txn::begin_write(db).await?;
    // Locks the proposal's row: a closing waits for this ballot, or this
    // ballot finds the proposal closed.
    let open = proposals::Entity::update_many()
        .col_expr(
            proposals::Column::Eligible,
            Expr::col(proposals::Column::Eligible).into(),
        )
        .filter(proposals::Column::Id.eq(proposal))
        .filter(proposals::Column::Status.eq("open"))
        .filter(proposals::Column::ClosesAt.gt(now))
        .exec(&txn)
        .await?
        .rows_affected;
    let eligible = proposal_voters::Entity::find_by_id((proposal, member))
        .one(&txn)
        .await?
        .is_some();
    if open == 0 {
        let exists = proposals::Entity::find_by_id(proposal)
            .one(&txn)
            .await?
            .is_some();
        return Err(if exists {
            ServiceError::Conflict
        } else {
            ServiceError::NotFound
        });
    }
    let active = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(member))
        .filter(memberships::Column::Status.eq("active"))
        .one(&txn)
        .await?
        .is_some();
    if !eligible || !active {
        return Err(ServiceError::Forbidden);
    }
    // Read after the lock, so ballots are stamped in the order they
    // commit: the history's last ballot is always the current one.
    let closes_at = proposals::Entity::find_by_id(proposal)
        .one(&txn)
        .await?
        .map(|p| p.closes_at)
        .ok_or(ServiceError::NotFound)?;
    let now = clock
        .now()
        .max(now)
        .min(closes_at - Duration::microseconds(1));
    ballots::Entity::insert(ballots::ActiveModel {
        id: Set(Uuid::now_v7()),
        proposal_id: Set(proposal),
        member_id: Set(member),
        choice: Set(choice.as_str().to_owned()),
        cast_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([ballots::Column::ProposalId, ballots::Column::MemberId])
            .update_columns([ballots::Column::Choice, ballots::Column::CastAt])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    ballot_history::Entity::insert(ballot_history::ActiveModel {
        id: Set(Uuid::now_v7()),
        proposal_id: Set(proposal),
        member_id: Set(member),
        choice: Set(choice.as_str().to_owned()),
        cast_at: Set(now),
    })
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(())
}
