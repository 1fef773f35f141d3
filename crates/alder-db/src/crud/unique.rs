//! Unique checks against the rows already stored (Django's `validate_unique`): one query per
//! unique field or `unique_together` set, each excluding the object's own row.

use sea_query::{Expr, ExprTrait, Query, Value};

use crate::meta::FieldMeta;
use crate::naming::capfirst;
use crate::validation::{ValidationError, ValidationErrors};
use crate::{Database, Model, Result};

/// `["a", "b", "c"]` → `"a, b and c"`.
fn text_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The unique errors of `object`, skipping the fields named in `skip` (those already
/// invalid) and NULLs (which never clash). Unique fields are reported on the field,
/// `unique_together` sets as non-field errors, as in Django.
pub(super) async fn unique_errors<M: Model>(
    db: &Database,
    object: &M,
    skip: &ValidationErrors,
) -> Result<ValidationErrors> {
    let meta = M::META;
    let values = object.values();
    let own_key = object.pk_value();
    let value_of = |name: &str| -> Option<(&'static FieldMeta, &Value)> {
        let index = meta.fields.iter().position(|f| f.name == name)?;
        Some((&meta.fields[index], &values[index]))
    };
    let model_label = capfirst(meta.verbose_name);
    let mut errors = ValidationErrors::new();

    for (field, value) in meta.fields.iter().zip(&values) {
        // An auto key is the database's to assign; a chosen key must be unique like any field.
        let unique = field.unique || (field.primary_key && !field.auto);
        if !unique || skip.has_field(field.name) || crate::validation::is_null(value) {
            continue;
        }
        if taken(db, meta, &[(field, value)], own_key.as_ref()).await? {
            errors.add(
                field.name,
                ValidationError::new(
                    "unique",
                    format!(
                        "{model_label} with this {} already exists.",
                        capfirst(field.verbose_name)
                    ),
                ),
            );
        }
    }
    for set in meta.unique_together {
        let Some(pairs) = set
            .iter()
            .map(|name| value_of(name))
            .collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        if pairs
            .iter()
            .any(|(f, v)| skip.has_field(f.name) || crate::validation::is_null(v))
        {
            continue;
        }
        if taken(db, meta, &pairs, own_key.as_ref()).await? {
            let labels: Vec<String> = pairs
                .iter()
                .map(|(f, _)| capfirst(f.verbose_name))
                .collect();
            errors.add_non_field(ValidationError::new(
                "unique_together",
                format!(
                    "{model_label} with this {} already exists.",
                    text_list(&labels)
                ),
            ));
        }
    }
    Ok(errors)
}

/// Whether another row than `own_key`'s has these values.
async fn taken(
    db: &Database,
    meta: &'static crate::ModelMeta,
    pairs: &[(&'static FieldMeta, &Value)],
    own_key: Option<&Value>,
) -> Result<bool> {
    let mut query = Query::select();
    query.expr(Expr::cust("1")).from(meta.table).limit(1);
    for (field, value) in pairs {
        query.and_where(Expr::col(field.column).eq((*value).clone()));
    }
    if let Some(key) = own_key {
        query.and_where(Expr::col(meta.pk().column).ne(key.clone()));
    }
    let (sql, values) = db.build(&query);
    Ok(!db.fetch_all(meta.name, &sql, values).await?.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_as_in_django() {
        assert_eq!(capfirst("published at"), "Published at");
        assert_eq!(capfirst(""), "");
        let items = [
            "Title".to_string(),
            "Author".to_string(),
            "Year".to_string(),
        ];
        assert_eq!(text_list(&items[..2]), "Title and Author");
        assert_eq!(text_list(&items), "Title, Author and Year");
    }
}
