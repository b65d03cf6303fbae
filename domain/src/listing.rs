//! What a member offers: kind, text, price model, duration. Parsed from the
//! form's strings into a `ListingDraft`, or a list of field problems.

use super::money::{AmountProblem, Currency, Money};
use crate::validation::FieldProblem;
use serde::{Deserialize, Serialize};

pub const TITLE_MIN: usize = 3;
pub const TITLE_MAX: usize = 120;
pub const DESCRIPTION_MAX: usize = 5_000;
pub const MAX_IMAGES: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ListingKind {
    Service,
    Delivery,
}

impl ListingKind {
    pub const ALL: [ListingKind; 2] = [ListingKind::Service, ListingKind::Delivery];
    pub fn as_str(self) -> &'static str {
        match self {
            ListingKind::Service => "service",
            ListingKind::Delivery => "delivery",
        }
    }
    pub fn parse(s: &str) -> Option<ListingKind> {
        match s {
            "service" => Some(ListingKind::Service),
            "delivery" => Some(ListingKind::Delivery),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ListingStatus {
    Draft,
    Active,
    Paused,
    Archived,
}

impl ListingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ListingStatus::Draft => "draft",
            ListingStatus::Active => "active",
            ListingStatus::Paused => "paused",
            ListingStatus::Archived => "archived",
        }
    }
    pub fn parse(s: &str) -> Option<ListingStatus> {
        match s {
            "draft" => Some(ListingStatus::Draft),
            "active" => Some(ListingStatus::Active),
            "paused" => Some(ListingStatus::Paused),
            "archived" => Some(ListingStatus::Archived),
            _ => None,
        }
    }
    /// Which statuses an owner may move a listing to from this one.
    /// Archived is final: an archived listing keeps its history for orders.
    pub fn can_become(self, next: ListingStatus) -> bool {
        use ListingStatus::*;
        matches!(
            (self, next),
            (Draft, Active)
                | (Draft, Archived)
                | (Active, Paused)
                | (Active, Archived)
                | (Paused, Active)
                | (Paused, Archived)
        )
    }
}

/// How the price of a listing is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PriceModel {
    /// One price for the whole service.
    Fixed { price: Money },
    /// A rate per hour, booked between `min_hours` and `max_hours`.
    Hourly {
        rate: Money,
        min_hours: u8,
        max_hours: u8,
    },
    /// A delivery: `base + per_km × ceil(km)`, up to `max_km`.
    Distance {
        base: Money,
        per_km: Money,
        max_km: u16,
    },
}

impl PriceModel {
    pub fn name(&self) -> &'static str {
        match self {
            PriceModel::Fixed { .. } => "fixed",
            PriceModel::Hourly { .. } => "hourly",
            PriceModel::Distance { .. } => "distance",
        }
    }
    /// The amount a search sorts and filters on: price, rate or base.
    pub fn headline(&self) -> Money {
        match *self {
            PriceModel::Fixed { price } => price,
            PriceModel::Hourly { rate, .. } => rate,
            PriceModel::Distance { base, .. } => base,
        }
    }
    /// Rebuilds the model from its stored columns; `None` if they disagree.
    pub fn from_columns(
        model: &str,
        currency: Currency,
        price_minor: i64,
        per_km_minor: Option<i64>,
        min_hours: Option<i32>,
        max_hours: Option<i32>,
        max_km: Option<i32>,
    ) -> Option<PriceModel> {
        let m = |minor| Money::new(minor, currency);
        match model {
            "fixed" => Some(PriceModel::Fixed {
                price: m(price_minor),
            }),
            "hourly" => Some(PriceModel::Hourly {
                rate: m(price_minor),
                min_hours: u8::try_from(min_hours?).ok()?,
                max_hours: u8::try_from(max_hours?).ok()?,
            }),
            "distance" => Some(PriceModel::Distance {
                base: m(price_minor),
                per_km: m(per_km_minor?),
                max_km: u16::try_from(max_km?).ok()?,
            }),
            _ => None,
        }
    }
}

/// The listing form as typed (every field a string, as a form sends it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingInput {
    pub kind: String,
    pub category: String,
    pub title: String,
    pub description: String,
    pub price_model: String,
    pub price: String,
    pub per_km: String,
    pub min_hours: String,
    pub max_hours: String,
    pub max_km: String,
    pub duration_minutes: String,
    /// A service done at the customer's place: `on` when ticked.
    #[serde(default)]
    pub at_customer: String,
}

impl ListingInput {
    /// The fields echoed back to the form when it is refused.
    pub fn echo(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("kind", self.kind.as_str()),
            ("category", self.category.as_str()),
            ("title", self.title.as_str()),
            ("description", self.description.as_str()),
            ("price_model", self.price_model.as_str()),
            ("price", self.price.as_str()),
            ("per_km", self.per_km.as_str()),
            ("min_hours", self.min_hours.as_str()),
            ("max_hours", self.max_hours.as_str()),
            ("max_km", self.max_km.as_str()),
            ("duration_minutes", self.duration_minutes.as_str()),
            ("at_customer", self.at_customer.as_str()),
        ]
    }
}

/// A valid listing, ready to store. The category is checked against the
/// database by the service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListingDraft {
    pub kind: ListingKind,
    pub category: String,
    pub title: String,
    pub description: String,
    pub price: PriceModel,
    pub duration_minutes: Option<u16>,
    /// Done at the customer's place (services only).
    pub at_customer: bool,
}

/// An amount typed in a form, with the problem to show next to the field.
pub fn amount(raw: &str, currency: Currency) -> Result<Money, FieldProblem> {
    Money::parse_amount(raw, currency).map_err(|p| match p {
        AmountProblem::Empty => FieldProblem::Required,
        AmountProblem::Invalid => FieldProblem::AmountInvalid,
        AmountProblem::Negative => FieldProblem::AmountNegative,
        AmountProblem::TooPrecise => FieldProblem::AmountTooPrecise,
        AmountProblem::TooLarge => FieldProblem::AmountTooLarge,
    })
}

fn whole(raw: &str, min: u32, max: u32) -> Result<u32, FieldProblem> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(FieldProblem::Required);
    }
    match raw.parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(FieldProblem::NumberOutOfRange),
    }
}

/// True when the text looks like markup: `<` followed by a letter, `/`, `!` or `?`.
pub fn contains_markup(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes
        .windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || matches!(w[1], b'/' | b'!' | b'?')))
}

/// Folds spaces inside lines, keeps paragraphs (at most one blank line).
pub fn tidy_paragraphs(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut blank = false;
    for line in text.replace("\r\n", "\n").replace('\r', "\n").lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            blank = !out.is_empty();
        } else {
            if blank {
                out.push(String::new());
                blank = false;
            }
            out.push(line);
        }
    }
    out.join("\n")
}

/// The paragraphs of a stored description, for display.
pub fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Parses the whole form, reporting every field's problem at once.
pub fn parse_listing(
    input: &ListingInput,
    currency: Currency,
) -> Result<ListingDraft, Vec<(&'static str, FieldProblem)>> {
    let mut problems = Vec::new();
    let kind = ListingKind::parse(input.kind.trim());
    if kind.is_none() {
        problems.push(("kind", FieldProblem::ChoiceInvalid));
    }
    let category = input.category.trim().to_owned();
    if category.is_empty() {
        problems.push(("category", FieldProblem::Required));
    }
    let title = input.title.split_whitespace().collect::<Vec<_>>().join(" ");
    let title_len = title.chars().count();
    if title.is_empty() {
        problems.push(("title", FieldProblem::Required));
    } else if title_len < TITLE_MIN {
        problems.push(("title", FieldProblem::TooShort));
    } else if title_len > TITLE_MAX {
        problems.push(("title", FieldProblem::TooLong));
    } else if contains_markup(&title) {
        problems.push(("title", FieldProblem::HtmlNotAllowed));
    }
    let description = tidy_paragraphs(&input.description);
    if description.is_empty() {
        problems.push(("description", FieldProblem::Required));
    } else if description.chars().count() > DESCRIPTION_MAX {
        problems.push(("description", FieldProblem::TooLong));
    } else if contains_markup(&description) {
        problems.push(("description", FieldProblem::HtmlNotAllowed));
    }

    let price = amount(&input.price, currency);
    if let Err(p) = price {
        problems.push(("price", p));
    }
    let model = match (kind, input.price_model.trim()) {
        (Some(ListingKind::Service), "fixed") => {
            price.ok().map(|price| PriceModel::Fixed { price })
        }
        (Some(ListingKind::Service), "hourly") => {
            let min = whole(&input.min_hours, 1, 24);
            let max = whole(&input.max_hours, 1, 24);
            if let Err(p) = min {
                problems.push(("min_hours", p));
            }
            if let Err(p) = max {
                problems.push(("max_hours", p));
            }
            match (price, min, max) {
                (Ok(rate), Ok(min), Ok(max)) if max >= min => Some(PriceModel::Hourly {
                    rate,
                    min_hours: min as u8,
                    max_hours: max as u8,
                }),
                (_, Ok(min), Ok(max)) if max < min => {
                    problems.push(("max_hours", FieldProblem::MaxBelowMin));
                    None
                }
                _ => None,
            }
        }
        (Some(ListingKind::Delivery), "distance") => {
            let per_km = amount(&input.per_km, currency);
            let max_km = whole(&input.max_km, 1, 500);
            if let Err(p) = per_km {
                problems.push(("per_km", p));
            }
            if let Err(p) = max_km {
                problems.push(("max_km", p));
            }
            match (price, per_km, max_km) {
                (Ok(base), Ok(per_km), Ok(max_km)) => Some(PriceModel::Distance {
                    base,
                    per_km,
                    max_km: max_km as u16,
                }),
                _ => None,
            }
        }
        (None, _) => None,
        // A service priced per km, or a delivery with a fixed price.
        _ => {
            problems.push(("price_model", FieldProblem::ChoiceInvalid));
            None
        }
    };
    let duration = match kind {
        Some(ListingKind::Service) => match whole(&input.duration_minutes, 15, 24 * 60) {
            Ok(d) => Some(d as u16),
            Err(p) => {
                problems.push(("duration_minutes", p));
                None
            }
        },
        _ => None,
    };
    match (kind, model) {
        (Some(kind), Some(price)) if problems.is_empty() => Ok(ListingDraft {
            kind,
            category,
            title,
            description,
            price,
            duration_minutes: duration,
            at_customer: kind == ListingKind::Service
                && matches!(input.at_customer.as_str(), "on" | "true" | "1"),
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> ListingInput {
        ListingInput {
            kind: "service".into(),
            category: "pulizie".into(),
            title: "Pulizia  di casa".into(),
            description: "Pulisco a fondo.\r\n\r\n\r\nPorto  io i prodotti.".into(),
            price_model: "fixed".into(),
            price: "45,00".into(),
            duration_minutes: "120".into(),
            ..ListingInput::default()
        }
    }

    fn problems(input: &ListingInput) -> Vec<(&'static str, FieldProblem)> {
        parse_listing(input, Currency::Eur)
            .err()
            .unwrap_or_default()
    }

    #[test]
    fn a_fixed_price_service_parses_and_tidies_its_text() {
        let draft = parse_listing(&service(), Currency::Eur).map_err(|p| format!("{p:?}"));
        let Ok(draft) = draft else {
            panic!("refused: {draft:?}");
        };
        assert_eq!(draft.title, "Pulizia di casa");
        assert_eq!(
            draft.description,
            "Pulisco a fondo.\n\nPorto io i prodotti."
        );
        assert_eq!(
            draft.price,
            PriceModel::Fixed {
                price: Money::eur(4500)
            }
        );
        assert_eq!(draft.duration_minutes, Some(120));
        assert_eq!(paragraphs(&draft.description).len(), 2);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let input = ListingInput {
            kind: "service".into(),
            title: "".into(),
            description: "Ciao <script>alert(1)</script>".into(),
            price_model: "fixed".into(),
            price: "-5".into(),
            duration_minutes: "5".into(),
            ..ListingInput::default()
        };
        assert_eq!(
            problems(&input),
            vec![
                ("category", FieldProblem::Required),
                ("title", FieldProblem::Required),
                ("description", FieldProblem::HtmlNotAllowed),
                ("price", FieldProblem::AmountNegative),
                ("duration_minutes", FieldProblem::NumberOutOfRange),
            ]
        );
        let three_decimals = ListingInput {
            price: "12,345".into(),
            ..service()
        };
        assert_eq!(
            problems(&three_decimals),
            vec![("price", FieldProblem::AmountTooPrecise)]
        );
    }

    #[test]
    fn price_models_must_fit_the_kind() {
        let hourly = ListingInput {
            price_model: "hourly".into(),
            min_hours: "4".into(),
            max_hours: "2".into(),
            ..service()
        };
        assert_eq!(
            problems(&hourly),
            vec![("max_hours", FieldProblem::MaxBelowMin)]
        );
        let per_km_service = ListingInput {
            price_model: "distance".into(),
            ..service()
        };
        assert_eq!(
            problems(&per_km_service),
            vec![("price_model", FieldProblem::ChoiceInvalid)]
        );
        let delivery = ListingInput {
            kind: "delivery".into(),
            price_model: "distance".into(),
            price: "3".into(),
            per_km: "0,80".into(),
            max_km: "15".into(),
            duration_minutes: String::new(),
            ..service()
        };
        let parsed = parse_listing(&delivery, Currency::Eur)
            .ok()
            .map(|d| d.price);
        assert_eq!(
            parsed,
            Some(PriceModel::Distance {
                base: Money::eur(300),
                per_km: Money::eur(80),
                max_km: 15
            })
        );
    }

    #[test]
    fn markup_is_recognised_but_plain_comparisons_are_not() {
        assert!(contains_markup("<b>hi</b>"));
        assert!(contains_markup("x <!-- y -->"));
        assert!(!contains_markup("prezzo < 10 €, 3<4"));
    }

    #[test]
    fn status_changes_follow_the_lifecycle() {
        use ListingStatus::*;
        assert!(Draft.can_become(Active));
        assert!(Active.can_become(Paused));
        assert!(Paused.can_become(Active));
        assert!(!Archived.can_become(Active));
        assert!(!Active.can_become(Draft));
    }
}
