//! Proposing: fee rule changes, motions, platform rules, vote rules and
//! admissions, each checked and opened with its voters fixed.

use super::*;

/// The fee rule a fee change proposes, from the form's terms.
pub(super) fn fee_rule_of(form: &ProposalForm, fields: &mut Vec<FieldError>) -> Option<FeeRule> {
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
pub(super) struct Common {
    pub(super) title: Option<String>,
    pub(super) body: Option<String>,
    pub(super) closes_at: Option<DateTime<Utc>>,
}

pub(super) fn common(
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
pub(super) async fn may_propose(
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
pub(super) fn vote_rules_of(
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

pub(super) struct Opening {
    pub(super) title: String,
    pub(super) body: String,
    pub(super) payload: Option<String>,
    pub(super) closes_at: DateTime<Utc>,
    pub(super) effective_from: Option<DateTime<Utc>>,
}

/// Writes a proposal with its voters fixed now, and audits it.
pub(super) async fn open(
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
        kind: Set(kind.into()),
        title: Set(title.clone()),
        body: Set(body),
        payload: Set(payload),
        proposer_id: Set(proposer),
        voters: Set(rules.body.into()),
        quorum_bps: Set(i32::try_from(rules.quorum_bps).unwrap_or(i32::MAX)),
        threshold: Set(rules.threshold.into()),
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
