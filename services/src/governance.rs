//! Proposals, ballots and their closing. Voters are fixed when a proposal
//! opens; ballots change until `closes_at` and never after (a ballot and
//! the closing both lock the proposal's row first); the job runner closes
//! due proposals, tallies them and enacts what passed in the same
//! transaction: a fee rule change becomes a fee rule version in force from
//! its `effective_from`, an admission activates the membership.

use super::audit;
use super::entities::{
    ballot_history, ballots, board_seats, fee_rule_versions, memberships, proposal_voters,
    proposals, users, vote_rule_versions,
};
use super::notify;
use super::service::ServiceError;
use chrono::{DateTime, Duration, Utc};
use domain::calendar::{parse_day, start_of};
use domain::fee::FeeRule;
use domain::governance::{
    whole_percent_bps, Body, Choice, ProposalKind, Tally, Threshold, VoteRuleSet, VoteRules,
    ENTRENCHED, MIN_DAYS_MAX, QUORUM_MIN_BPS,
};
use domain::order_form::parse_text;
use domain::validation::FieldError;
use domain::validation::FieldProblem;
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use std::collections::HashMap;
use uuid::Uuid;
use wire::governance::{ProposalForm, ProposalSummary, ProposalView, ResultView, VoteRulesForm};
use wire::viewer::Viewer;

pub const TITLE_MAX: usize = 140;
pub const BODY_MAX: usize = 5_000;
/// Voting lasts at most this long.
pub const MAX_DAYS: i64 = 60;

/// The members who vote in `body` now: every active member, or the active
/// members holding a board seat.
async fn voters_now(
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

/// The fee rule a fee change proposes, from the form's terms.
fn fee_rule_of(form: &ProposalForm, fields: &mut Vec<FieldError>) -> Option<FeeRule> {
    let mut terms = |prefix: &'static str,
                     percent: &str,
                     fixed: &str,
                     min: &str,
                     max: &str|
     -> Option<domain::fee::FeeTerms> {
        let mut field = |name: &'static str, raw: &str, required: bool, cap: i64| {
            if raw.trim().is_empty() && !required {
                return Some(None);
            }
            match domain::listing::amount(raw, domain::money::Currency::Eur) {
                Ok(m) if m.minor() <= cap => Some(Some(m.minor())),
                Ok(_) => {
                    fields.push(FieldError::new(name, FieldProblem::NumberOutOfRange));
                    None
                }
                Err(p) => {
                    fields.push(FieldError::new(name, p));
                    None
                }
            }
        };
        let (p, f, lo, hi) = match prefix {
            "service" => (
                "service_percent",
                "service_fixed",
                "service_min",
                "service_max",
            ),
            _ => (
                "delivery_percent",
                "delivery_fixed",
                "delivery_min",
                "delivery_max",
            ),
        };
        // A percentage has at most two decimals: its hundredths are basis
        // points. No fee above half the price.
        let percent = field(p, percent, true, 5_000);
        let fixed = field(f, fixed, false, 100_000);
        let min = field(lo, min, false, 100_000);
        let max = field(hi, max, false, 100_000);
        let (Some(Some(percent)), Some(fixed), Some(min), Some(max)) = (percent, fixed, min, max)
        else {
            return None;
        };
        let min = min.unwrap_or(0);
        if max.is_some_and(|m| m < min) {
            fields.push(FieldError::new(hi, FieldProblem::MaxBelowMin));
            return None;
        }
        Some(domain::fee::FeeTerms {
            percent_bps: u32::try_from(percent).unwrap_or(0),
            fixed_minor: fixed.unwrap_or(0),
            min_minor: min,
            max_minor: max,
        })
    };
    let service = terms(
        "service",
        &form.service_percent,
        &form.service_fixed,
        &form.service_min,
        &form.service_max,
    );
    let delivery = terms(
        "delivery",
        &form.delivery_percent,
        &form.delivery_fixed,
        &form.delivery_min,
        &form.delivery_max,
    );
    Some(FeeRule {
        service: service?,
        delivery: delivery?,
        categories: Default::default(),
    })
}

/// Title, text and closing day, as every proposal form has them.
struct Common {
    title: Option<String>,
    body: Option<String>,
    closes_at: Option<DateTime<Utc>>,
}

fn common(
    now: DateTime<Utc>,
    title: &str,
    body: &str,
    closes_on: &str,
    min_days: u32,
    fields: &mut Vec<FieldError>,
) -> Common {
    let title = parse_text(title, TITLE_MAX, true)
        .and_then(|t| {
            if t.chars().count() < 5 {
                Err(FieldProblem::TooShort)
            } else {
                Ok(t)
            }
        })
        .map_err(|p| fields.push(FieldError::new("title", p)))
        .ok();
    let body = parse_text(body, BODY_MAX, true)
        .map_err(|p| fields.push(FieldError::new("body", p)))
        .ok();
    let today = now.date_naive();
    // No vote can be rushed: open at least the kind's minimum period.
    let closes_on = match parse_day(closes_on) {
        Some(d) if d > today + Duration::days(MAX_DAYS) => {
            fields.push(FieldError::new("closes_on", FieldProblem::DateInvalid));
            None
        }
        Some(d) if d < today + Duration::days(i64::from(min_days)) => {
            fields.push(FieldError::new("closes_on", FieldProblem::VotingTooShort));
            None
        }
        Some(d) => Some(d),
        None => {
            fields.push(FieldError::new("closes_on", FieldProblem::DateInvalid));
            None
        }
    };
    // Voting is open through the closing day.
    let closes_at = closes_on.map(|d| start_of(d + Duration::days(1)));
    Common {
        title,
        body,
        closes_at,
    }
}

/// Opens a proposal: checked, its voters fixed now, audited.
pub async fn propose(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    proposer: &Viewer,
    form: &ProposalForm,
) -> Result<Uuid, ServiceError> {
    let kind = ProposalKind::parse(form.kind.trim())
        .filter(|k| {
            matches!(
                k,
                ProposalKind::FeeRuleChange
                    | ProposalKind::PlatformRule
                    | ProposalKind::GeneralMotion
            )
        })
        .ok_or_else(|| ServiceError::field("kind", FieldProblem::ChoiceInvalid))?;
    may_propose(db, proposer, kind).await?;
    let min_days = current_rules(db).await?.1.of(kind).min_days_for(kind);
    let mut fields = Vec::new();
    let Common {
        title,
        body,
        closes_at,
    } = common(
        now,
        &form.title,
        &form.body,
        &form.closes_on,
        min_days,
        &mut fields,
    );
    let (payload, effective_from) = if kind == ProposalKind::FeeRuleChange {
        let rule = fee_rule_of(form, &mut fields);
        // In force at least a day after the vote closed.
        let effective = parse_day(&form.effective_on)
            .map(start_of)
            .filter(|e| closes_at.is_none_or(|c| *e >= c + Duration::days(1)))
            .ok_or_else(|| fields.push(FieldError::new("effective_on", FieldProblem::DateInvalid)))
            .ok();
        let payload = rule
            .map(|r| serde_json::to_string(&r))
            .transpose()
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        (payload, effective)
    } else {
        (None, None)
    };
    let (Some(title), Some(body), Some(closes_at)) = (title, body, closes_at) else {
        return Err(ServiceError::Invalid(fields));
    };
    if !fields.is_empty() {
        return Err(ServiceError::Invalid(fields));
    }
    let id = open(
        db,
        now,
        proposer.id,
        kind,
        Opening {
            title,
            body,
            payload,
            closes_at,
            effective_from,
        },
    )
    .await?;
    Ok(id)
}

/// Members propose; a kind the board votes on, only the board proposes.
async fn may_propose(
    db: &impl ConnectionTrait,
    proposer: &Viewer,
    kind: ProposalKind,
) -> Result<(), ServiceError> {
    let rules = current_rules(db).await?.1.of(kind);
    if proposer.member_class.is_none() || (rules.body == Body::Board && !proposer.board) {
        return Err(ServiceError::Forbidden);
    }
    Ok(())
}

/// The vote rules in force and their version (0: the statute's, as no
/// change has passed yet).
pub async fn current_rules(db: &impl ConnectionTrait) -> Result<(i32, VoteRuleSet), DbErr> {
    let last = vote_rule_versions::Entity::find()
        .order_by_desc(vote_rule_versions::Column::Version)
        .one(db)
        .await?;
    Ok(match last {
        Some(v) => (
            v.version,
            serde_json::from_str(&v.rules).map_err(|e| DbErr::Custom(e.to_string()))?,
        ),
        None => (0, VoteRuleSet::default()),
    })
}

/// The vote rules a `vote_rules_change` form proposes; every kind's three
/// fields are required, quorum a whole percentage from 10 to 100.
fn vote_rules_of(
    form: &VoteRulesForm,
    current: &VoteRuleSet,
    fields: &mut Vec<FieldError>,
) -> Option<VoteRuleSet> {
    let mut set = VoteRuleSet::default();
    let mut ok = true;
    for kind in ProposalKind::SETTABLE {
        let name = |what: &str| format!("{}_{what}", kind.as_str());
        let get = |what: &str| form.rules.get(&name(what)).map(|v| v.trim()).unwrap_or("");
        // Problems are named as the inputs are: `rules[…]`.
        let name = |what: &str| format!("rules[{}]", name(what));
        let body = Body::parse(get("voters"));
        let threshold = Threshold::parse(get("threshold"));
        let quorum = whole_percent_bps(get("quorum")).filter(|q| *q >= QUORUM_MIN_BPS);
        if body.is_none() {
            fields.push(FieldError::new(
                &name("voters"),
                FieldProblem::ChoiceInvalid,
            ));
        }
        if threshold.is_none() {
            fields.push(FieldError::new(
                &name("threshold"),
                FieldProblem::ChoiceInvalid,
            ));
        }
        if quorum.is_none() {
            fields.push(FieldError::new(
                &name("quorum"),
                FieldProblem::NumberOutOfRange,
            ));
        }
        // Left empty: the minimum voting period stays as it is.
        let min_days = match get("min_days") {
            "" => Some(current.of(kind).min_days_for(kind)),
            raw => raw
                .parse::<u32>()
                .ok()
                .filter(|d| (1..=MIN_DAYS_MAX).contains(d)),
        };
        if min_days.is_none() {
            fields.push(FieldError::new(
                &name("min_days"),
                FieldProblem::NumberOutOfRange,
            ));
        }
        match (body, quorum, threshold, min_days) {
            (Some(body), Some(quorum_bps), Some(threshold), Some(min_days)) => set.set(
                kind,
                VoteRules {
                    body,
                    quorum_bps,
                    threshold,
                    min_days: Some(min_days),
                },
            ),
            _ => ok = false,
        }
    }
    ok.then_some(set)
}

/// Opens a change of the vote rules: the assembly votes, two thirds
/// needed; if it passes, proposals opened afterwards follow the new rules.
pub async fn propose_vote_rules(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    proposer: &Viewer,
    form: &VoteRulesForm,
) -> Result<Uuid, ServiceError> {
    may_propose(db, proposer, ProposalKind::VoteRulesChange).await?;
    let current = current_rules(db).await?.1;
    let mut fields = Vec::new();
    let min_days = ENTRENCHED.min_days_for(ProposalKind::VoteRulesChange);
    let Common {
        title,
        body,
        closes_at,
    } = common(
        now,
        &form.title,
        &form.body,
        &form.closes_on,
        min_days,
        &mut fields,
    );
    let rules = vote_rules_of(form, &current, &mut fields);
    let (Some(title), Some(body), Some(closes_at), Some(rules), true) =
        (title, body, closes_at, rules, fields.is_empty())
    else {
        return Err(ServiceError::Invalid(fields));
    };
    if rules == current.resolved() {
        return Err(ServiceError::Invalid(vec![FieldError::new(
            "rules",
            FieldProblem::Unchanged,
        )]));
    }
    let payload = serde_json::to_string(&rules).map_err(|e| DbErr::Custom(e.to_string()))?;
    Ok(open(
        db,
        now,
        proposer.id,
        ProposalKind::VoteRulesChange,
        Opening {
            title,
            body,
            payload: Some(payload),
            closes_at,
            effective_from: None,
        },
    )
    .await?)
}

struct Opening {
    title: String,
    body: String,
    payload: Option<String>,
    closes_at: DateTime<Utc>,
    effective_from: Option<DateTime<Utc>>,
}

/// Writes a proposal with its voters fixed now, and audits it.
async fn open(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    proposer: Uuid,
    kind: ProposalKind,
    o: Opening,
) -> Result<Uuid, DbErr> {
    let Opening {
        title,
        body,
        payload,
        closes_at,
        effective_from,
    } = o;
    let id = Uuid::now_v7();
    let txn = crate::txn::begin_write(db).await?;
    let rules = current_rules(&txn).await?.1.of(kind);
    let voters = voters_now(&txn, rules.body, now).await?;
    proposals::Entity::insert(proposals::ActiveModel {
        id: Set(id),
        kind: Set(kind.as_str().to_owned()),
        title: Set(title.clone()),
        body: Set(body),
        payload: Set(payload),
        proposer_id: Set(proposer),
        voters: Set(rules.body.as_str().to_owned()),
        quorum_bps: Set(i32::try_from(rules.quorum_bps).unwrap_or(i32::MAX)),
        threshold: Set(rules.threshold.as_str().to_owned()),
        opens_at: Set(now),
        closes_at: Set(closes_at),
        effective_from: Set(effective_from),
        status: Set("open".to_owned()),
        eligible: Set(i32::try_from(voters.len()).unwrap_or(i32::MAX)),
        yes: Set(None),
        no: Set(None),
        abstain: Set(None),
        quorum_met: Set(None),
        closed_at: Set(None),
        enacted_version: Set(None),
        created_at: Set(now),
        reminded_at: Set(None),
    })
    .exec_without_returning(&txn)
    .await?;
    if !voters.is_empty() {
        proposal_voters::Entity::insert_many(voters.iter().map(|m| proposal_voters::ActiveModel {
            proposal_id: Set(id),
            member_id: Set(*m),
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    audit::record(
        &txn,
        now,
        Some(proposer),
        "proposal_opened",
        &format!("proposal:{id}"),
        &format!("{} «{title}», {} voters", kind.as_str(), voters.len()),
    )
    .await?;
    // Every voter hears of it, in their language.
    let people = users::Entity::find()
        .filter(users::Column::Id.is_in(voters.iter().copied()))
        .all(&txn)
        .await?;
    for user in &people {
        notify::vote(
            &txn,
            notify::VoteNotice::Opened,
            user,
            id,
            &title,
            closes_at,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(id)
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

/// Puts an application to a board vote: an `admit_member` proposal open
/// for `ADMISSION_DAYS`, enacted (the membership activated) if it passes.
pub async fn propose_admission(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    board: &Viewer,
    applicant: Uuid,
) -> Result<Uuid, ServiceError> {
    if !board.board {
        return Err(ServiceError::Forbidden);
    }
    let application = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(applicant))
        .filter(memberships::Column::Status.eq("applicant"))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let payload = serde_json::json!({ "applicant": applicant }).to_string();
    let pending = proposals::Entity::find()
        .filter(proposals::Column::Kind.eq(ProposalKind::AdmitMember.as_str()))
        .filter(proposals::Column::Status.eq("open"))
        .filter(proposals::Column::Payload.eq(payload.as_str()))
        .one(db)
        .await?;
    if pending.is_some() {
        return Err(ServiceError::Conflict);
    }
    let name = users::Entity::find_by_id(applicant)
        .one(db)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    let closes_at = start_of(now.date_naive() + Duration::days(ADMISSION_DAYS + 1));
    Ok(open(
        db,
        now,
        board.id,
        ProposalKind::AdmitMember,
        Opening {
            title: format!("{name} ({})", application.class),
            body: application
                .motivation
                .filter(|m| !m.trim().is_empty())
                .unwrap_or_else(|| name.clone()),
            payload: Some(payload),
            closes_at,
            effective_from: None,
        },
    )
    .await?)
}

/// An admission vote is open through this many days after today.
pub const ADMISSION_DAYS: i64 = 3;

/// Casts (or changes) `member`'s ballot while the proposal is open.
pub async fn vote(
    db: &DatabaseConnection,
    clock: &super::clock::Clock,
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

fn rules_of(p: &proposals::Model) -> VoteRules {
    VoteRules {
        body: Body::parse(&p.voters).unwrap_or(Body::Assembly),
        quorum_bps: u32::try_from(p.quorum_bps).unwrap_or(10_000),
        threshold: Threshold::parse(&p.threshold).unwrap_or(Threshold::TwoThirds),
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

async fn close(
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
    let kind = ProposalKind::parse(&p.kind);
    let mut enacted = None;
    if outcome.passed {
        match kind {
            Some(ProposalKind::AdmitMember) => admit(&txn, p).await?,
            Some(kind) => enacted = enact(&txn, now, p, kind).await?,
            None => {}
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
async fn enact(
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
async fn admit(txn: &sea_orm::DatabaseTransaction, p: &proposals::Model) -> Result<(), DbErr> {
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
    match super::membership::decide(
        txn,
        p.proposer_id,
        applicant,
        super::membership::Decision::Admit,
    )
    .await
    {
        Ok(()) => {}
        // Decided meanwhile (or withdrawn): the vote has nothing to do.
        Err(super::service::ServiceError::Db(e)) => return Err(e),
        Err(e) => tracing::warn!(proposal = %p.id, "admission not applied: {e}"),
    }
    // `decide` audits the admission; the closing's audit names the vote.
    Ok(())
}

/// How many days of completed orders the impact preview replays.
pub const PREVIEW_DAYS: i64 = 90;

/// What the fee terms typed in `form` would have collected over the last
/// 90 days' completed orders, next to what those orders paid.
pub async fn preview(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    form: &ProposalForm,
) -> Result<domain::governance::Impact, ServiceError> {
    use super::entities::{order_lines, orders};
    use domain::governance::{impact, PastLine};
    use domain::listing::ListingKind;
    let mut fields = Vec::new();
    let rule = fee_rule_of(form, &mut fields);
    let Some(rule) = rule.filter(|_| fields.is_empty()) else {
        return Err(ServiceError::Invalid(fields));
    };
    let since = now - Duration::days(PREVIEW_DAYS);
    let lines: Vec<PastLine> = order_lines::Entity::find()
        .filter(
            order_lines::Column::OrderId.in_subquery(
                Query::select()
                    .column(orders::Column::Id)
                    .from(orders::Entity)
                    .and_where(Expr::col(orders::Column::Status).is_in(["completed", "resolved"]))
                    .and_where(Expr::col(orders::Column::ClosedAt).gte(since))
                    .to_owned(),
            ),
        )
        .filter(order_lines::Column::Status.eq("completed"))
        .all(db)
        .await?
        .into_iter()
        .map(|l| PastLine {
            kind: ListingKind::parse(&l.kind).unwrap_or(ListingKind::Service),
            category: l.category_slug,
            provider: l.provider_id,
            price: l.price_minor,
            fee: l.fee_minor,
        })
        .collect();
    Ok(impact(&lines, &rule))
}

// ---------------------------------------------------------------------------
// Views

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

async fn my_ballots(
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
            kind: p.kind.clone(),
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
        .filter(|_| p.kind == ProposalKind::FeeRuleChange.as_str())
        .and_then(|s| serde_json::from_str::<FeeRule>(s).ok());
    let current = super::orders::active_rule(db, now).await.ok();
    let vote_rules = p
        .payload
        .as_deref()
        .filter(|_| p.kind == ProposalKind::VoteRulesChange.as_str())
        .and_then(|s| serde_json::from_str::<VoteRuleSet>(s).ok());
    let current_vote_rules = current_rules(db).await?.1;
    Ok(ProposalView {
        id: p.id,
        kind: p.kind.clone(),
        title: p.title.clone(),
        body: p.body.clone(),
        proposer,
        voters: p.voters.clone(),
        quorum_bps: u32::try_from(p.quorum_bps).unwrap_or(0),
        threshold: p.threshold.clone(),
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
