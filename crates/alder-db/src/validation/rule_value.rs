//! How a Rust value of an API input type is seen by the rules: as the [`Value`] a model field
//! of that type would hold, so `check_rules` has one vocabulary for both.

use rust_decimal::Decimal;
use sea_query::Value;

/// A value the field rules (`min`, `max_length`, `email`, …) can check; what
/// `#[derive(Validate)]` hands to [`check_rules`](super::check_rules) for each field.
///
/// ```
/// use alder_db::validation::{check_rules, RuleValue, Limit, Validator};
/// let rules = [Validator::MaxValue(Limit::Int(10))];
/// assert!(check_rules(&rules, &12usize.rule_value()).len() == 1);
/// // An absent optional value has nothing to check.
/// assert!(check_rules(&rules, &None::<u8>.rule_value()).is_empty());
/// ```
pub trait RuleValue {
    /// The value as the rules see it.
    fn rule_value(&self) -> Value;
}

macro_rules! via_from {
    ($($ty:ty),*) => {$(
        impl RuleValue for $ty {
            fn rule_value(&self) -> Value {
                Value::from(*self)
            }
        }
    )*};
}

via_from!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, bool, Decimal);

impl RuleValue for usize {
    fn rule_value(&self) -> Value {
        Value::BigUnsigned(Some(*self as u64))
    }
}

impl RuleValue for isize {
    fn rule_value(&self) -> Value {
        Value::BigInt(Some(*self as i64))
    }
}

impl RuleValue for String {
    fn rule_value(&self) -> Value {
        Value::from(self.as_str())
    }
}

impl RuleValue for str {
    fn rule_value(&self) -> Value {
        Value::from(self)
    }
}

impl<T: RuleValue + ?Sized> RuleValue for &T {
    fn rule_value(&self) -> Value {
        (**self).rule_value()
    }
}

impl<T: RuleValue> RuleValue for Option<T> {
    fn rule_value(&self) -> Value {
        // A NULL of any kind: the rules skip what is not there.
        self.as_ref()
            .map_or(Value::String(None), RuleValue::rule_value)
    }
}
