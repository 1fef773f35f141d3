//! `Q`: a condition, combined with `&`, `|` and `!` like Django's `Q` objects.

use std::marker::PhantomData;
use std::ops::{BitAnd, BitOr, Not};

use sea_query::{Condition, Expr, ExprTrait, Func, Value};

/// A WHERE condition on model `M`. Lookups on columns make one (`Post::title().eq("Hi")`);
/// combine them with `&` (and), `|` (or) and `!` (not). The model is part of the type, so a
/// condition on one model cannot be used to filter another:
///
/// ```
/// use alder_db::{Auto, Model, Q};
/// #[derive(Model)]
/// struct Post { id: Auto<i64>, views: i32 }
/// let everything = Q::<Post>::all();
/// let nothing = !Q::all();
/// let _either = Post::objects().filter(everything | nothing);
/// ```
///
/// ```compile_fail,E0308
/// use alder_db::{Auto, Model};
/// #[derive(Model)] struct Post { id: Auto<i64>, views: i32 }
/// #[derive(Model)] struct Author { id: Auto<i64>, name: String }
/// let _ = Post::objects().filter(Author::name().eq("Ann"));
/// ```
pub struct Q<M> {
    pub(crate) node: Node,
    _model: PhantomData<fn() -> M>,
}

/// What a `Q` holds. The lookups typed code writes most (`=`, `<`, `IN`, …, joined by `&`)
/// stay plain data, so that a query made of them can be recognised by its shape and run from
/// cached SQL ([`super::statement`]); anything else is a sea-query condition.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    /// `table.column <op> value(s)`.
    Lookup {
        table: &'static str,
        column: &'static str,
        op: Op,
    },
    /// All of these (an empty list matches every row).
    All(Vec<Node>),
    /// Any other condition.
    Sea(Condition),
    /// A lookup by a related object of this model that is not saved: no row can be meant, and
    /// reading it as `IS NULL` would match (or delete) every row without a relation, so the
    /// query fails with `DbError::Unsaved` instead (Django raises `ValueError`).
    Unsaved(&'static str),
}

/// A comparison of a column with query values.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Eq(Value),
    Ne(Value),
    Lt(Value),
    Lte(Value),
    Gt(Value),
    Gte(Value),
    In(Vec<Value>),
    Between(Value, Value),
    IsNull,
    IsNotNull,
}

impl Op {
    /// A number naming the operator (and, for `IN`, how many values), for query shapes.
    pub(crate) fn code(&self) -> usize {
        match self {
            Op::Eq(_) => 0,
            Op::Ne(_) => 1,
            Op::Lt(_) => 2,
            Op::Lte(_) => 3,
            Op::Gt(_) => 4,
            Op::Gte(_) => 5,
            Op::Between(..) => 6,
            Op::IsNull => 7,
            Op::IsNotNull => 8,
            Op::In(values) => 9 + values.len(),
        }
    }

    /// Appends the query values, in the order they appear in the SQL.
    pub(crate) fn push_values(&self, out: &mut Vec<Value>) {
        match self {
            Op::Eq(v) | Op::Ne(v) | Op::Lt(v) | Op::Lte(v) | Op::Gt(v) | Op::Gte(v) => {
                out.push(v.clone())
            }
            Op::Between(low, high) => out.extend([low.clone(), high.clone()]),
            Op::In(values) => out.extend_from_slice(values),
            Op::IsNull | Op::IsNotNull => {}
        }
    }

    fn into_expr(self, column: Expr) -> Expr {
        match self {
            Op::Eq(v) => column.eq(v),
            Op::Ne(v) => column.ne(v),
            Op::Lt(v) => column.lt(v),
            Op::Lte(v) => column.lte(v),
            Op::Gt(v) => column.gt(v),
            Op::Gte(v) => column.gte(v),
            Op::In(values) => column.is_in(values),
            Op::Between(low, high) => column.between(low, high),
            Op::IsNull => column.is_null(),
            Op::IsNotNull => column.is_not_null(),
        }
    }
}

impl Node {
    /// The sea-query condition this stands for.
    pub(crate) fn into_condition(self) -> Condition {
        match self {
            Node::Lookup { table, column, op } => {
                Condition::all().add(op.into_expr(Expr::col((table, column))))
            }
            Node::All(nodes) => nodes
                .into_iter()
                .fold(Condition::all(), |all, node| all.add(node.into_condition())),
            Node::Sea(condition) => condition,
            // Never run: `QuerySet` refuses a query holding one. Matches nothing, to be safe.
            Node::Unsaved(_) => Condition::all().add(Expr::val(false)),
        }
    }

    /// The model of an unsaved related object this condition was made with, if any.
    pub(crate) fn unsaved(&self) -> Option<&'static str> {
        match self {
            Node::Unsaved(model) => Some(model),
            Node::All(nodes) => nodes.iter().find_map(Node::unsaved),
            Node::Lookup { .. } | Node::Sea(_) => None,
        }
    }

    /// Both: a flat list when either side is one already.
    pub(crate) fn and(self, other: Node) -> Node {
        match (self, other) {
            (Node::All(mut left), Node::All(right)) => {
                left.extend(right);
                Node::All(left)
            }
            (Node::All(mut left), right) => {
                left.push(right);
                Node::All(left)
            }
            (left, Node::All(mut right)) => {
                right.insert(0, left);
                Node::All(right)
            }
            (left, right) => Node::All(vec![left, right]),
        }
    }
}

impl<M> Clone for Q<M> {
    fn clone(&self) -> Self {
        Q::from_node(self.node.clone())
    }
}

impl<M> std::fmt::Debug for Q<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Q").field(&self.node).finish()
    }
}

impl<M> Q<M> {
    /// A condition every row meets.
    pub fn all() -> Self {
        Q::from_node(Node::All(Vec::new()))
    }

    pub(crate) fn new(condition: Condition) -> Self {
        Q::from_node(Node::Sea(condition))
    }

    pub(crate) fn from_node(node: Node) -> Self {
        Q {
            node,
            _model: PhantomData,
        }
    }

    pub(crate) fn expr(expr: impl Into<Expr>) -> Self {
        Q::new(Condition::all().add(expr.into()))
    }

    pub(crate) fn unsaved(model: &'static str) -> Self {
        Q::from_node(Node::Unsaved(model))
    }

    pub(crate) fn lookup(table: &'static str, column: &'static str, op: Op) -> Self {
        Q::from_node(Node::Lookup { table, column, op })
    }

    /// The sea-query condition.
    pub(crate) fn into_condition(self) -> Condition {
        self.node.into_condition()
    }

    /// Both conditions.
    pub fn and(self, other: Q<M>) -> Q<M> {
        Q::from_node(self.node.and(other.node))
    }

    /// Either condition.
    pub fn or(self, other: Q<M>) -> Q<M> {
        // An unsaved object stays visible through `|` and `!`, so the query still refuses it.
        if let Some(model) = self.node.unsaved().or(other.node.unsaved()) {
            return Q::unsaved(model);
        }
        Q::new(
            Condition::any()
                .add(self.into_condition())
                .add(other.into_condition()),
        )
    }
}

impl<M> BitAnd for Q<M> {
    type Output = Q<M>;
    fn bitand(self, rhs: Q<M>) -> Q<M> {
        self.and(rhs)
    }
}

impl<M> BitOr for Q<M> {
    type Output = Q<M>;
    fn bitor(self, rhs: Q<M>) -> Q<M> {
        self.or(rhs)
    }
}

impl<M> Not for Q<M> {
    type Output = Q<M>;
    /// `NOT COALESCE(condition, FALSE)`: unlike SQL's plain `NOT`, a row whose condition is
    /// unknown (a NULL column) counts as not matching, so negating keeps it, as Django's
    /// `exclude` does.
    fn not(self) -> Q<M> {
        if let Some(model) = self.node.unsaved() {
            return Q::unsaved(model);
        }
        let known = Func::coalesce([Expr::from(self.into_condition()), Expr::val(false)]);
        Q::expr(Expr::expr(known).not())
    }
}
