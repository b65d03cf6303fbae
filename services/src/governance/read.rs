//! Votes as people read them: the list, one vote, results and one's own
//! ballots.

use super::*;

pub(crate) fn result_of(p: &proposals::Model) -> Option<ResultView> {
    let (Some(yes), Some(no), Some(abstain), Some(quorum_met)) =
        (p.yes, p.no, p.abstain, p.quorum_met)
    else {
        return None;
    };
    let n = |v: i32| u32::try_from(v).unwrap_or(0);
    let t = Tally {
        eligible: n(p.eligible),
        yes: n(yes),
        no: n(no),
        abstain: n(abstain),
    };
    Some(ResultView {
        eligible: t.eligible,
        yes: t.yes,
        no: t.no,
        abstain: t.abstain,
        turnout_bps: t.turnout_bps(),
        quorum_met,
        passed: p.status == "passed",
    })
}

pub(super) async fn my_ballots(
    db: &impl ConnectionTrait,
    member: Uuid,
) -> Result<HashMap<Uuid, String>, DbErr> {
    Ok(ballots::Entity::find()
        .filter(ballots::Column::MemberId.eq(member))
        .all(db)
        .await?
        .into_iter()
        .map(|b| (b.proposal_id, b.choice))
        .collect())
}

/// Every proposal, newest first, with the viewer's ballot; results only
/// once closed.
pub async fn list(db: &DatabaseConnection, viewer: Uuid) -> Result<Vec<ProposalSummary>, DbErr> {
    let mine = my_ballots(db, viewer).await?;
    Ok(proposals::Entity::find()
        .order_by_desc(proposals::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|p| ProposalSummary {
            id: p.id,
            kind: p.kind.as_str().to_owned(),
            title: p.title.clone(),
            status: p.status.clone(),
            closes_at: p.closes_at,
            effective_from: p.effective_from,
            my_choice: mine.get(&p.id).cloned(),
            result: result_of(&p),
        })
        .collect())
}

pub async fn view(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    viewer: Uuid,
    id: Uuid,
) -> Result<ProposalView, ServiceError> {
    let p = proposals::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let proposer = users::Entity::find_by_id(p.proposer_id)
        .one(db)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    let eligible = proposal_voters::Entity::find_by_id((id, viewer))
        .one(db)
        .await?
        .is_some();
    let my_choice = ballots::Entity::find()
        .filter(ballots::Column::ProposalId.eq(id))
        .filter(ballots::Column::MemberId.eq(viewer))
        .one(db)
        .await?
        .map(|b| b.choice);
    let fee_rule = p
        .payload
        .as_deref()
        .filter(|_| *p.kind == ProposalKind::FeeRuleChange)
        .and_then(|s| serde_json::from_str::<FeeRule>(s).ok());
    let current = crate::fees::active_rule(db, now).await.ok();
    let vote_rules = p
        .payload
        .as_deref()
        .filter(|_| *p.kind == ProposalKind::VoteRulesChange)
        .and_then(|s| serde_json::from_str::<VoteRuleSet>(s).ok());
    let current_vote_rules = current_rules(db).await?.1;
    Ok(ProposalView {
        id: p.id,
        kind: p.kind.as_str().to_owned(),
        title: p.title.clone(),
        body: p.body.clone(),
        proposer,
        voters: *p.voters,
        quorum_bps: u32::try_from(p.quorum_bps).unwrap_or(0),
        threshold: *p.threshold,
        opens_at: p.opens_at,
        closes_at: p.closes_at,
        effective_from: p.effective_from,
        status: p.status.clone(),
        eligible: u32::try_from(p.eligible).unwrap_or(0),
        fee_rule,
        current_rule: current,
        vote_rules,
        current_vote_rules,
        can_vote: eligible && p.status == "open" && p.closes_at > now,
        i_am_eligible: eligible,
        my_choice,
        result: result_of(&p),
        enacted_version: p.enacted_version,
    })
}
