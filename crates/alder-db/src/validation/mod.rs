//! Validation of model instances (Django's `full_clean`): the rules declared on each field, the
//! model's own `clean`, and unique checks, reported per field in one [`ValidationErrors`] that
//! forms and the API show as they are.
//!
//! The rules ([`Validator`]) are plain data in the field metadata, so a form or an OpenAPI
//! schema derives the same rules from the model without repeating them; [`check_value`] runs
//! them on one value.

mod errors;
mod formats;
mod rule_value;
mod rules;

pub use crate::meta::{Limit, Validator};
pub use errors::{ValidationError, ValidationErrors};
pub use formats::{is_email, is_ip, is_slug, is_url};
pub use rule_value::RuleValue;
pub(crate) use rules::is_null;
pub use rules::{check_rules, check_value, is_empty_value};
