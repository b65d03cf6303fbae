//! Governance rules, pure: proposal kinds and who votes on them, ballots,
//! and the tally (quorum and threshold).

use serde::{Deserialize, Serialize};

/// What a proposal decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ProposalKind {
    /// A new fee rule, in force from `effective_from` once passed.
    FeeRuleChange,
    /// Admits an applicant as a member.
    AdmitMember,
    /// A rule of the platform the board decides (text).
    PlatformRule,
    /// Anything the assembly decides (text).
    GeneralMotion,
    /// New vote rules (body, quorum, threshold per kind), in force for
    /// proposals opened after it passes.
    VoteRulesChange,
}

impl ProposalKind {
    pub const ALL: [ProposalKind; 5] = [
        ProposalKind::FeeRuleChange,
        ProposalKind::AdmitMember,
        ProposalKind::PlatformRule,
        ProposalKind::GeneralMotion,
        ProposalKind::VoteRulesChange,
    ];

    /// The kinds whose vote rules are settings.
    pub const SETTABLE: [ProposalKind; 4] = [
        ProposalKind::FeeRuleChange,
        ProposalKind::AdmitMember,
        ProposalKind::PlatformRule,
        ProposalKind::GeneralMotion,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProposalKind::FeeRuleChange => "fee_rule_change",
            ProposalKind::AdmitMember => "admit_member",
            ProposalKind::PlatformRule => "platform_rule",
            ProposalKind::GeneralMotion => "general_motion",
            ProposalKind::VoteRulesChange => "vote_rules_change",
        }
    }

    pub fn parse(s: &str) -> Option<ProposalKind> {
        ProposalKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Who votes, the quorum and the threshold, as the statute sets them
    /// before the assembly changes them (see docs/decisions.md). The rules
    /// of a change of the rules are entrenched: the assembly, half of it
    /// voting, two thirds in favour.
    pub fn statute_rules(self) -> VoteRules {
        match self {
            ProposalKind::FeeRuleChange | ProposalKind::GeneralMotion => VoteRules {
                body: Body::Assembly,
                quorum_bps: 3_000,
                threshold: Threshold::Majority,
                min_days: Some(7),
            },
            ProposalKind::AdmitMember | ProposalKind::PlatformRule => VoteRules {
                body: Body::Board,
                quorum_bps: 5_000,
                threshold: Threshold::Majority,
                min_days: Some(3),
            },
            ProposalKind::VoteRulesChange => ENTRENCHED,
        }
    }
}

/// How a change of the vote rules is itself voted; not a setting.
pub const ENTRENCHED: VoteRules = VoteRules {
    body: Body::Assembly,
    quorum_bps: 5_000,
    threshold: Threshold::TwoThirds,
    min_days: Some(7),
};

/// The longest a minimum voting period may be set to (days).
pub const MIN_DAYS_MAX: u32 = 30;

/// The vote rules in force: body, quorum and threshold per settable kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteRuleSet {
    pub fee_rule_change: VoteRules,
    pub admit_member: VoteRules,
    pub platform_rule: VoteRules,
    pub general_motion: VoteRules,
}

impl Default for VoteRuleSet {
    fn default() -> Self {
        VoteRuleSet {
            fee_rule_change: ProposalKind::FeeRuleChange.statute_rules(),
            admit_member: ProposalKind::AdmitMember.statute_rules(),
            platform_rule: ProposalKind::PlatformRule.statute_rules(),
            general_motion: ProposalKind::GeneralMotion.statute_rules(),
        }
    }
}

impl VoteRuleSet {
    /// The rules a proposal of `kind` opens with.
    pub fn of(&self, kind: ProposalKind) -> VoteRules {
        match kind {
            ProposalKind::FeeRuleChange => self.fee_rule_change,
            ProposalKind::AdmitMember => self.admit_member,
            ProposalKind::PlatformRule => self.platform_rule,
            ProposalKind::GeneralMotion => self.general_motion,
            ProposalKind::VoteRulesChange => ENTRENCHED,
        }
    }

    pub fn set(&mut self, kind: ProposalKind, rules: VoteRules) {
        match kind {
            ProposalKind::FeeRuleChange => self.fee_rule_change = rules,
            ProposalKind::AdmitMember => self.admit_member = rules,
            ProposalKind::PlatformRule => self.platform_rule = rules,
            ProposalKind::GeneralMotion => self.general_motion = rules,
            ProposalKind::VoteRulesChange => {}
        }
    }

    /// The same rules with every minimum voting period written out.
    pub fn resolved(&self) -> VoteRuleSet {
        let mut out = self.clone();
        for kind in ProposalKind::SETTABLE {
            let mut r = self.of(kind);
            r.min_days = Some(r.min_days_for(kind));
            out.set(kind, r);
        }
        out
    }
}

/// A quorum a rule may set: at least one voter in ten, at most all.
pub const QUORUM_MIN_BPS: u32 = 1_000;

/// A whole percentage as typed (`30`, `30 %`), from 0 to 100, in basis
/// points.
pub fn whole_percent_bps(raw: &str) -> Option<u32> {
    raw.trim()
        .trim_end_matches('%')
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|p| *p <= 100)
        .map(|p| p * 100)
}

/// The voters of a proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    /// Every active member.
    Assembly,
    /// The members holding a board seat.
    Board,
}

impl Body {
    pub fn as_str(self) -> &'static str {
        match self {
            Body::Assembly => "assembly",
            Body::Board => "board",
        }
    }

    pub fn parse(s: &str) -> Option<Body> {
        [Body::Assembly, Body::Board]
            .into_iter()
            .find(|b| b.as_str() == s)
    }
}

/// The share of decided ballots (yes ÷ (yes + no)) a proposal needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    /// More yes than no.
    Majority,
    /// At least two yes for every no.
    TwoThirds,
}

impl Threshold {
    pub fn as_str(self) -> &'static str {
        match self {
            Threshold::Majority => "majority",
            Threshold::TwoThirds => "two_thirds",
        }
    }

    pub fn parse(s: &str) -> Option<Threshold> {
        [Threshold::Majority, Threshold::TwoThirds]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteRules {
    pub body: Body,
    /// Share of eligible voters who must cast a ballot (abstentions
    /// count), in basis points: 3000 = 30 %.
    pub quorum_bps: u32,
    pub threshold: Threshold,
    /// The fewest days a vote stays open; rules stored before this existed
    /// have none and take the statute's for their kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_days: Option<u32>,
}

impl VoteRules {
    /// The minimum voting period of a `kind` vote under these rules.
    pub fn min_days_for(self, kind: ProposalKind) -> u32 {
        self.min_days.or(kind.statute_rules().min_days).unwrap_or(7)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Choice {
    Yes,
    No,
    Abstain,
}

impl Choice {
    pub fn as_str(self) -> &'static str {
        match self {
            Choice::Yes => "yes",
            Choice::No => "no",
            Choice::Abstain => "abstain",
        }
    }

    pub fn parse(s: &str) -> Option<Choice> {
        [Choice::Yes, Choice::No, Choice::Abstain]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// The counted ballots of a closed proposal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub eligible: u32,
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
}

/// What a tally decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub quorum_met: bool,
    pub passed: bool,
}

impl Tally {
    pub fn count(eligible: u32, choices: impl IntoIterator<Item = Choice>) -> Tally {
        let mut t = Tally {
            eligible,
            ..Tally::default()
        };
        for c in choices {
            match c {
                Choice::Yes => t.yes += 1,
                Choice::No => t.no += 1,
                Choice::Abstain => t.abstain += 1,
            }
        }
        t
    }

    pub fn cast(&self) -> u32 {
        self.yes + self.no + self.abstain
    }

    /// Quorum: cast ÷ eligible ≥ quorum (no eligible voter, no quorum).
    /// Threshold: over yes + no, so abstentions count only for quorum; a
    /// proposal nobody decided (all abstain) does not pass. Exact integer
    /// arithmetic: exactly at the quorum or at two thirds is enough; a tie
    /// under simple majority is not.
    pub fn outcome(&self, rules: VoteRules) -> Outcome {
        let cast = u64::from(self.cast());
        let quorum_met = self.eligible > 0
            && cast * 10_000 >= u64::from(rules.quorum_bps) * u64::from(self.eligible);
        let (yes, no) = (u64::from(self.yes), u64::from(self.no));
        let threshold_met = match rules.threshold {
            Threshold::Majority => yes > no,
            Threshold::TwoThirds => yes + no > 0 && 3 * yes >= 2 * (yes + no),
        };
        Outcome {
            quorum_met,
            passed: quorum_met && threshold_met,
        }
    }

    /// Turnout in basis points of the eligible voters.
    pub fn turnout_bps(&self) -> u32 {
        if self.eligible == 0 {
            return 0;
        }
        let bps = u64::from(self.cast()) * 10_000 / u64::from(self.eligible);
        u32::try_from(bps).unwrap_or(u32::MAX)
    }
}

/// A completed order line, as the impact preview replays it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PastLine {
    pub kind: crate::listing::ListingKind,
    pub category: String,
    pub provider: uuid::Uuid,
    pub price: i64,
    /// The fee it paid.
    pub fee: i64,
}

/// What a fee rule would have collected over past lines, next to what
/// they paid: in total, per category, and for the median member (the
/// provider in the middle when ranked by fees paid; the lower middle of an
/// even count).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Impact {
    pub lines: u32,
    pub now: i64,
    pub proposed: i64,
    /// (category slug, now, proposed), by slug.
    pub categories: Vec<(String, i64, i64)>,
    pub median_member: Option<(i64, i64)>,
}

pub fn impact(lines: &[PastLine], rule: &crate::fee::FeeRule) -> Impact {
    use crate::money::Money;
    use std::collections::BTreeMap;
    let mut out = Impact::default();
    let mut categories: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    let mut members: BTreeMap<uuid::Uuid, (i64, i64)> = BTreeMap::new();
    for l in lines {
        let terms = rule.terms(l.kind, &l.category);
        let proposed = crate::fee::fee(Money::eur(l.price), terms).minor();
        out.lines += 1;
        out.now += l.fee;
        out.proposed += proposed;
        let c = categories.entry(&l.category).or_default();
        c.0 += l.fee;
        c.1 += proposed;
        let m = members.entry(l.provider).or_default();
        m.0 += l.fee;
        m.1 += proposed;
    }
    out.categories = categories
        .into_iter()
        .map(|(k, (n, p))| (k.to_owned(), n, p))
        .collect();
    let mut ranked: Vec<(i64, i64)> = members.into_values().collect();
    ranked.sort();
    out.median_member = ranked.get(ranked.len().saturating_sub(1) / 2).copied();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn impact_replays_past_lines_under_a_rule() {
        use crate::fee::FeeRule;
        use crate::listing::ListingKind;
        let who = |n: u128| uuid::Uuid::from_u128(n);
        let line = |kind, category: &str, provider, price, fee| PastLine {
            kind,
            category: category.to_owned(),
            provider,
            price,
            fee,
        };
        let lines = vec![
            line(ListingKind::Service, "riparazioni", who(1), 4_500, 360),
            line(ListingKind::Service, "pulizie", who(2), 10_000, 800),
            line(ListingKind::Delivery, "consegne", who(3), 760, 50),
        ];
        let mut six = FeeRule::initial();
        six.service.percent_bps = 600;
        let i = impact(&lines, &six);
        assert_eq!(i.lines, 3);
        assert_eq!((i.now, i.proposed), (1_210, 270 + 600 + 50));
        assert_eq!(
            i.categories,
            vec![
                ("consegne".to_owned(), 50, 50),
                ("pulizie".to_owned(), 800, 600),
                ("riparazioni".to_owned(), 360, 270),
            ]
        );
        // Ranked by fees paid: 50, 360, 800 → the middle one.
        assert_eq!(i.median_member, Some((360, 270)));
        assert_eq!(impact(&[], &six), Impact::default());
        // The rule in force replays to what was paid.
        assert_eq!(impact(&lines, &FeeRule::initial()).proposed, 1_210);
    }

    fn rules(quorum_bps: u32, threshold: Threshold) -> VoteRules {
        VoteRules {
            body: Body::Assembly,
            quorum_bps,
            threshold,
            min_days: None,
        }
    }

    fn tally(eligible: u32, yes: u32, no: u32, abstain: u32) -> Tally {
        Tally {
            eligible,
            yes,
            no,
            abstain,
        }
    }

    #[test]
    fn edge_cases() {
        let simple = rules(3_000, Threshold::Majority);
        // Exactly at the quorum: 3 of 10.
        assert!(tally(10, 2, 1, 0).outcome(simple).quorum_met);
        assert!(tally(10, 2, 1, 0).outcome(simple).passed);
        // Just under it: 2 of 10.
        assert_eq!(
            tally(10, 2, 0, 0).outcome(simple),
            Outcome {
                quorum_met: false,
                passed: false
            }
        );
        // Abstentions count for the quorum, not for the threshold.
        assert!(tally(10, 1, 0, 2).outcome(simple).passed);
        // A tie does not pass; all abstaining does not pass.
        assert!(!tally(10, 2, 2, 0).outcome(simple).passed);
        assert!(tally(10, 0, 0, 5).outcome(simple).quorum_met);
        assert!(!tally(10, 0, 0, 5).outcome(simple).passed);
        // Nobody eligible: nothing passes.
        assert!(!tally(0, 0, 0, 0).outcome(simple).quorum_met);
        assert!(
            !tally(0, 0, 0, 0)
                .outcome(rules(0, Threshold::Majority))
                .passed
        );
        // Two thirds: exactly 2 of 3 passes, just under does not.
        let two = rules(0, Threshold::TwoThirds);
        assert!(tally(3, 2, 1, 0).outcome(two).passed);
        assert!(!tally(5, 3, 2, 0).outcome(two).passed);
        assert!(tally(10, 4, 2, 4).outcome(two).passed);
        assert!(!tally(10, 0, 0, 10).outcome(two).passed);
        assert_eq!(tally(8, 1, 1, 0).turnout_bps(), 2_500);
        assert_eq!(tally(0, 0, 0, 0).turnout_bps(), 0);
    }

    #[test]
    fn names_round_trip() {
        for k in ProposalKind::ALL {
            assert_eq!(ProposalKind::parse(k.as_str()), Some(k));
        }
        for c in [Choice::Yes, Choice::No, Choice::Abstain] {
            assert_eq!(Choice::parse(c.as_str()), Some(c));
        }
        assert_eq!(ProposalKind::parse("fee"), None);
    }

    fn threshold() -> impl Strategy<Value = Threshold> {
        prop_oneof![Just(Threshold::Majority), Just(Threshold::TwoThirds)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        /// More support never hurts: one more yes (from an abstainer or a
        /// no, or a new voter) never turns a pass into a failure, and one
        /// more no never turns a failure with the quorum met into a pass.
        #[test]
        fn support_is_monotonic(
            absent in 0u32..40, yes in 0u32..20, no in 0u32..20, abstain in 0u32..20,
            quorum in 0u32..=10_000, th in threshold(),
        ) {
            let r = rules(quorum, th);
            let cast = yes + no + abstain;
            let eligible = cast + absent;
            let t = tally(eligible, yes, no, abstain);
            let o = t.outcome(r);
            if abstain > 0 {
                let moved = tally(eligible, yes + 1, no, abstain - 1);
                prop_assert!(!o.passed || moved.outcome(r).passed);
            }
            if no > 0 {
                let moved = tally(eligible, yes + 1, no - 1, abstain);
                prop_assert!(!o.passed || moved.outcome(r).passed);
            }
            if cast < eligible {
                prop_assert!(!o.passed || tally(eligible, yes + 1, no, abstain).outcome(r).passed);
                // A no that only brings the turnout up to the quorum can
                // let the yes pass (the quorum's known paradox); once the
                // quorum is met, a no never helps.
                let against = tally(eligible, yes, no + 1, abstain).outcome(r);
                prop_assert!(o.passed || !o.quorum_met || !against.passed);
            }
            // Passing needs the quorum, and a real majority of decided ballots.
            if o.passed {
                prop_assert!(o.quorum_met && yes > 0);
                match th {
                    Threshold::Majority => prop_assert!(yes > no),
                    Threshold::TwoThirds => prop_assert!(3 * yes >= 2 * (yes + no)),
                }
                prop_assert!(u64::from(cast) * 10_000 >= u64::from(quorum) * u64::from(eligible));
            }
            // Counting ballots one by one gives the same tally.
            let choices = std::iter::repeat_n(Choice::Yes, yes as usize)
                .chain(std::iter::repeat_n(Choice::No, no as usize))
                .chain(std::iter::repeat_n(Choice::Abstain, abstain as usize));
            prop_assert_eq!(Tally::count(eligible, choices), t);
        }
    }
}
