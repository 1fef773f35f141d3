//! Orderings: a column of the model, or a column reached through foreign keys
//! (`Post::author().order(Author::name().asc())`, `"author__name"` from a URL).

use std::marker::PhantomData;

use sea_query::{Alias, Expr, ExprTrait, Order, Query};

use crate::meta::ModelMeta;
use crate::{DbError, Model, Result};

/// An ordering term of model `M`: a column or a related column, and a direction.
pub struct OrderBy<M> {
    pub(crate) term: OrderTerm,
    pub(crate) descending: bool,
    _model: PhantomData<fn() -> M>,
}

impl<M> Clone for OrderBy<M> {
    fn clone(&self) -> Self {
        OrderBy::new(self.term.clone(), self.descending)
    }
}

impl<M> std::fmt::Debug for OrderBy<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "OrderBy({}{:?})",
            if self.descending { "-" } else { "" },
            self.term
        )
    }
}

/// What is ordered by: a column, or a column of the row a foreign key points to.
#[derive(Debug, Clone)]
pub(crate) enum OrderTerm {
    Column(&'static str),
    Related {
        /// The foreign key column in the model ordered.
        column: &'static str,
        /// The model it points to.
        target: &'static ModelMeta,
        /// The term within the target.
        inner: Box<OrderTerm>,
    },
}

impl OrderTerm {
    /// The expression for this term on `table` (a table name or an alias). A related term is
    /// a correlated subquery (`(SELECT name FROM author AS __o1 WHERE __o1.id = post.author_id)`):
    /// it keeps rows whose key is NULL, as Django's LEFT JOIN does, and the alias numbered
    /// by depth keeps a model that points to itself unambiguous.
    pub(crate) fn expr(&self, table: &str, depth: usize) -> Expr {
        match self {
            OrderTerm::Column(column) => Expr::col((Alias::new(table), *column)),
            OrderTerm::Related {
                column,
                target,
                inner,
            } => {
                let alias = format!("__o{depth}");
                let mut select = Query::select();
                select
                    .expr(inner.expr(&alias, depth + 1))
                    .from_as(target.table, Alias::new(&alias))
                    .and_where(
                        Expr::col((Alias::new(&alias), target.pk().column))
                            .equals((Alias::new(table), *column)),
                    );
                Expr::SubQuery(None, Box::new(select.into()))
            }
        }
    }
}

impl<M> OrderBy<M> {
    pub(crate) fn new(term: OrderTerm, descending: bool) -> Self {
        OrderBy {
            term,
            descending,
            _model: PhantomData,
        }
    }

    pub(crate) fn order(&self) -> Order {
        if self.descending {
            Order::Desc
        } else {
            Order::Asc
        }
    }
}

impl<M: Model> OrderBy<M> {
    /// Parses a Django-style ordering name: `field`, `-field` (descending) or
    /// `relation__field` through foreign keys; every name is checked against the metadata.
    pub fn parse(name: &str) -> Result<Self> {
        let (descending, path) = match name.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, name),
        };
        Ok(OrderBy::new(parse_term(M::META, path)?, descending))
    }
}

fn parse_term(meta: &'static ModelMeta, path: &str) -> Result<OrderTerm> {
    let (name, rest) = match path.split_once("__") {
        Some((name, rest)) => (name, Some(rest)),
        None => (path, None),
    };
    let field = meta.field(name)?;
    match (rest, field.relation) {
        (None, _) => Ok(OrderTerm::Column(field.column)),
        (Some(rest), Some(relation)) => {
            let target = (relation.target)();
            Ok(OrderTerm::Related {
                column: field.column,
                target,
                inner: Box::new(parse_term(target, rest)?),
            })
        }
        (Some(rest), None) => Err(DbError::InvalidLookup {
            model: meta.name,
            field: name.to_string(),
            lookup: rest.to_string(),
            reason: "only a foreign key can be followed with __ in an ordering".into(),
        }),
    }
}
