//! How customers pay. Every provider sits behind `PaymentProvider`:
//! `manual` (cash on delivery or bank transfer, confirmed in the app by a
//! provider of the order or the board) and `stripe` (cards; the processor's
//! verified webhook confirms, see `server::stripe`).

/// A way of paying for orders.
pub trait PaymentProvider: Send + Sync {
    /// Stored on each order (`orders.payment_provider`).
    fn name(&self) -> &'static str;
    /// Whether a person confirms that the money arrived (manual payments),
    /// rather than the processor telling us.
    fn confirmed_by_people(&self) -> bool;
}

/// Cash on delivery or bank transfer.
#[derive(Clone, Copy, Debug, Default)]
pub struct Manual;

impl PaymentProvider for Manual {
    fn name(&self) -> &'static str {
        "manual"
    }
    fn confirmed_by_people(&self) -> bool {
        true
    }
}

/// Card payments through Stripe.
#[derive(Clone, Copy, Debug, Default)]
pub struct Card;

impl PaymentProvider for Card {
    fn name(&self) -> &'static str {
        super::stripe::PROVIDER
    }
    fn confirmed_by_people(&self) -> bool {
        false
    }
}

/// The provider for an order's stored name.
pub fn by_name(name: &str) -> Option<&'static dyn PaymentProvider> {
    match name {
        "manual" => Some(&Manual),
        "stripe" => Some(&Card),
        _ => None,
    }
}

/// The provider new orders use: cards when Stripe is configured.
pub fn for_new_orders(stripe: bool) -> &'static dyn PaymentProvider {
    if stripe {
        &Card
    } else {
        &Manual
    }
}
