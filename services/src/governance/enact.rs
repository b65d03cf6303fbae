//! Closing due votes: the tally, and what a passed vote changes by itself.

use super::*;

pub(super) fn rules_of(p: &proposals::Model) -> VoteRules {
    VoteRules {
        body: *p.voters,
        quorum_bps: u32::try_from(p.quorum_bps).unwrap_or(10_000),
        threshold: *p.threshold,
        min_days: None,
    }
}

/// Closes every open proposal whose `closes_at` has passed: tally, result,
/// enactment and audit in one transaction each. Answers how many closed.
pub async fn close_due(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let due = proposals::Entity::find()
        .filter(proposals::Column::Status.eq("open"))
        .filter(proposals::Column::ClosesAt.lte(now))
        .order_by_asc(proposals::Column::ClosesAt)
        .all(db)
        .await?;
    let mut closed = 0;
    for p in due {
        if close(db, now, &p).await? {
            closed += 1;
        }
    }
    Ok(closed)
}

pub(super) async fn close(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    p: &proposals::Model,
) -> Result<bool, DbErr> {
    let txn = crate::txn::begin_write(db).await?;
    // The lock first: ballots still being cast commit before the count.
    let claimed = proposals::Entity::update_many()
        .col_expr(proposals::Column::ClosedAt, Expr::value(now))
        .filter(proposals::Column::Id.eq(p.id))
        .filter(proposals::Column::Status.eq("open"))
        .filter(proposals::Column::ClosedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if claimed == 0 {
        return Ok(false);
    }
    let choices: Vec<Choice> = ballots::Entity::find()
        .filter(ballots::Column::ProposalId.eq(p.id))
        .filter(
            ballots::Column::MemberId.in_subquery(
                Query::select()
                    .column(proposal_voters::Column::MemberId)
                    .from(proposal_voters::Entity)
                    .and_where(Expr::col(proposal_voters::Column::ProposalId).eq(p.id))
                    .to_owned(),
            ),
        )
        .all(&txn)
        .await?
        .into_iter()
        .filter_map(|b| Choice::parse(&b.choice))
        .collect();
    let tally = Tally::count(u32::try_from(p.eligible).unwrap_or(0), choices);
    let outcome = tally.outcome(rules_of(p));
    let mut enacted = None;
    if outcome.passed {
        match *p.kind {
            ProposalKind::AdmitMember => admit(&txn, p).await?,
            kind => enacted = enact(&txn, now, p, kind).await?,
        }
    }
    let int = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    proposals::Entity::update_many()
        .col_expr(
            proposals::Column::Status,
            Expr::value(if outcome.passed { "passed" } else { "rejected" }),
        )
        .col_expr(proposals::Column::Yes, Expr::value(int(tally.yes)))
        .col_expr(proposals::Column::No, Expr::value(int(tally.no)))
        .col_expr(proposals::Column::Abstain, Expr::value(int(tally.abstain)))
        .col_expr(
            proposals::Column::QuorumMet,
            Expr::value(outcome.quorum_met),
        )
        .col_expr(proposals::Column::EnactedVersion, Expr::value(enacted))
        .filter(proposals::Column::Id.eq(p.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        now,
        None,
        "proposal_closed",
        &format!("proposal:{}", p.id),
        &format!(
            "{}: yes {}, no {}, abstain {} of {} eligible; quorum {}",
            if outcome.passed { "passed" } else { "rejected" },
            tally.yes,
            tally.no,
            tally.abstain,
            tally.eligible,
            if outcome.quorum_met { "met" } else { "not met" }
        ),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(proposal = %p.id, passed = outcome.passed, "proposal closed");
    Ok(true)
}

/// What a passed proposal changes by itself: a fee change becomes the next
/// fee rule version, in force from its `effective_from` (never before the
/// vote closed); a vote rules change the next vote rules version, for votes
/// opened from now on. Other kinds change nothing here (`None`).
pub(super) async fn enact(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    p: &proposals::Model,
    kind: ProposalKind,
) -> Result<Option<i32>, DbErr> {
    let payload = |what: &str| {
        p.payload
            .clone()
            .ok_or_else(|| DbErr::Custom(format!("proposal {} has no {what}", p.id)))
    };
    let (event, subject, version, detail) = match kind {
        ProposalKind::FeeRuleChange => {
            let rule = payload("fee rule")?;
            let version = fee_rule_versions::Entity::find()
                .order_by_desc(fee_rule_versions::Column::Version)
                .one(txn)
                .await?
                .map_or(0, |v| v.version)
                + 1;
            let effective = p.effective_from.unwrap_or(now).max(now);
            fee_rule_versions::Entity::insert(fee_rule_versions::ActiveModel {
                version: Set(version),
                effective_from: Set(effective),
                rule: Set(rule),
                proposal_id: Set(Some(p.id)),
                created_at: Set(now),
            })
            .exec_without_returning(txn)
            .await?;
            let detail = format!(
                "from proposal {}, in force from {}",
                p.id,
                effective.to_rfc3339()
            );
            ("fee_rule_enacted", "fee_rule", version, detail)
        }
        ProposalKind::VoteRulesChange => {
            let rules = payload("vote rules")?;
            if serde_json::from_str::<VoteRuleSet>(&rules).is_err() {
                return Err(DbErr::Custom(format!(
                    "proposal {} has no vote rules",
                    p.id
                )));
            }
            let version = current_rules(txn).await?.0 + 1;
            vote_rule_versions::Entity::insert(vote_rule_versions::ActiveModel {
                version: Set(version),
                rules: Set(rules),
                proposal_id: Set(Some(p.id)),
                created_at: Set(now),
            })
            .exec_without_returning(txn)
            .await?;
            let detail = format!("from proposal {}", p.id);
            ("vote_rules_enacted", "vote_rules", version, detail)
        }
        _ => return Ok(None),
    };
    audit::record(
        txn,
        now,
        None,
        event,
        &format!("{subject}:{version}"),
        &detail,
    )
    .await?;
    Ok(Some(version))
}

/// A passed admission activates the applicant's membership.
pub(super) async fn admit(
    txn: &sea_orm::DatabaseTransaction,
    p: &proposals::Model,
) -> Result<(), DbErr> {
    let applicant = p
        .payload
        .as_deref()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
        .and_then(|v| {
            v["applicant"]
                .as_str()
                .and_then(|a| Uuid::parse_str(a).ok())
        });
    let Some(applicant) = applicant else {
        return Err(DbErr::Custom(format!(
            "proposal {} names no applicant",
            p.id
        )));
    };
    match crate::membership::decide(
        txn,
        p.proposer_id,
        applicant,
        crate::membership::Decision::Admit,
    )
    .await
    {
        Ok(()) => {}
        // Decided meanwhile (or withdrawn): the vote has nothing to do.
        Err(crate::service::ServiceError::Db(e)) => return Err(e),
        Err(e) => tracing::warn!(proposal = %p.id, "admission not applied: {e}"),
    }
    // `decide` audits the admission; the closing's audit names the vote.
    Ok(())
}
