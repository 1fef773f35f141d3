//! Which field paths a string-keyed filter or ordering may name. Filters and orderings taken
//! from a URL must not reach every column through relations (`author__password__startswith`
//! would let anyone guess a hash letter by letter), so a path through relations is used only
//! when the code lists it, and never deeper than a limit.

use super::dynamic::LOOKUPS;
use crate::meta::ModelMeta;
use crate::{DbError, Result};

/// The field paths a string-keyed query may use (Django's admin `lookup_allowed`): the
/// model's own fields by default, and the paths through relations listed here.
///
/// ```
/// use alder_db::{Auto, FieldPaths, ForeignKey, Model};
/// #[derive(Model)]
/// struct Author { id: Auto<i64>, name: String, password: String }
/// #[derive(Model)]
/// struct Post { id: Auto<i64>, title: String, author: ForeignKey<Author> }
///
/// let allowed = FieldPaths::new(["title", "author__name"]);
/// assert!(Post::objects().filter_path(&allowed, "author__name__icontains", "ann").is_ok());
/// assert!(Post::objects().filter_path(&allowed, "author__password__startswith", "a").is_err());
/// // Without a list, only the model's own fields.
/// assert!(Post::objects().filter_str("author__name", "Ann").is_err());
/// assert!(Post::objects().filter_str("title", "Hi").is_ok());
/// ```
#[derive(Debug, Clone)]
pub struct FieldPaths {
    /// `None`: the model's own fields, no relations.
    paths: Option<Vec<String>>,
    max_depth: usize,
}

/// Paths deeper than this (relations followed) are refused unless raised by
/// [`FieldPaths::max_depth`].
const DEFAULT_DEPTH: usize = 3;

impl FieldPaths {
    /// Exactly these paths (`"title"`, `"author__name"`, `"tags__name"`), each with any
    /// lookup (`__icontains`, `__year`, …).
    pub fn new<I, S>(paths: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        FieldPaths {
            paths: Some(paths.into_iter().map(Into::into).collect()),
            max_depth: DEFAULT_DEPTH,
        }
    }

    /// The model's own fields, following no relation: what `filter_str`, `exclude_str` and
    /// `order_by_name` allow.
    pub fn own_fields() -> Self {
        FieldPaths {
            paths: None,
            max_depth: 0,
        }
    }

    /// At most `depth` relations followed in a path (3 unless set).
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.max_depth = depth;
        self
    }

    /// Checks a filter key (`author__name__icontains`: the path and a lookup) on `meta`.
    pub(crate) fn check_filter(&self, meta: &ModelMeta, key: &str) -> Result<()> {
        self.check_path(meta, &field_path(meta, key))
    }

    /// Checks an ordering (`-author__name`).
    pub(crate) fn check_order(&self, meta: &ModelMeta, name: &str) -> Result<()> {
        self.check_path(
            meta,
            &field_path(meta, name.strip_prefix('-').unwrap_or(name)),
        )
    }

    fn check_path(&self, meta: &ModelMeta, path: &str) -> Result<()> {
        let depth = path.matches("__").count();
        let listed = match &self.paths {
            None => depth == 0,
            Some(paths) => paths.iter().any(|p| p == path),
        };
        if listed && depth <= self.max_depth {
            return Ok(());
        }
        let allowed = match &self.paths {
            None => "the model's own fields".to_string(),
            Some(paths) if paths.is_empty() => "none".to_string(),
            Some(paths) => paths.join(", "),
        };
        Err(DbError::PathNotAllowed {
            model: meta.name,
            path: path.to_string(),
            reason: if listed {
                format!(
                    "it follows {depth} relations, more than the limit of {}",
                    self.max_depth
                )
            } else {
                format!("the paths allowed are: {allowed}")
            },
        })
    }
}

/// The fields a key names, relations followed, without its lookup: `author__name__icontains`
/// is `author__name`, `title__regex` is `title` (an unknown lookup, reported as such later).
/// A name that is no field ends the path; the query then reports it.
fn field_path(meta: &ModelMeta, key: &str) -> String {
    let mut segments = key.split("__").peekable();
    let mut path: Vec<&str> = Vec::new();
    let mut model = meta;
    while let Some(segment) = segments.next() {
        path.push(segment);
        let next_is_field = segments.peek().is_some_and(|n| !LOOKUPS.contains(n));
        let target = model
            .fields
            .iter()
            .find(|f| f.name == segment)
            .and_then(|f| f.relation)
            .map(|r| (r.target)())
            .or_else(|| {
                model
                    .many_to_many
                    .iter()
                    .find(|m| m.name == segment)
                    .map(|m| (m.target)())
            });
        match target {
            Some(target) if next_is_field => model = target,
            // A plain field, a relation used as a value, or an unknown name: the path ends.
            _ if model.fields.iter().any(|f| f.name == segment) || target.is_some() => break,
            _ => {
                // Unknown here: keep what follows, so a listed path still matches and the
                // query names the unknown field.
                path.extend(segments.by_ref().take_while(|n| !LOOKUPS.contains(n)));
                break;
            }
        }
    }
    path.join("__")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> &'static ModelMeta {
        static META: ModelMeta = ModelMeta::__new(
            "Post",
            "blog",
            "blog_post",
            &[],
            &[],
            "post",
            "posts",
            &[],
            &[],
            &[],
            None,
        );
        &META
    }

    #[test]
    fn lookups_are_not_part_of_the_path() {
        let allowed = FieldPaths::new(["author__name", "published_at"]);
        assert!(allowed
            .check_filter(meta(), "author__name__icontains")
            .is_ok());
        assert!(allowed.check_filter(meta(), "author__name").is_ok());
        assert!(allowed.check_filter(meta(), "published_at__year").is_ok());
        assert!(allowed.check_filter(meta(), "author__email").is_err());
        assert!(allowed.check_order(meta(), "-author__name").is_ok());
    }

    #[test]
    fn own_fields_follow_no_relation_and_depth_is_capped() {
        let own = FieldPaths::own_fields();
        assert!(own.check_filter(meta(), "title__icontains").is_ok());
        assert!(own.check_filter(meta(), "author__name").is_err());
        let deep = FieldPaths::new(["a__b__c__d__e"]);
        let err = deep.check_filter(meta(), "a__b__c__d__e").unwrap_err();
        assert!(
            err.to_string().contains("more than the limit of 3"),
            "{err}"
        );
        assert!(deep
            .max_depth(4)
            .check_filter(meta(), "a__b__c__d__e")
            .is_ok());
    }
}
