//! `Q`: a condition, combined with `&`, `|` and `!` like Django's `Q` objects.

use std::marker::PhantomData;
use std::ops::{BitAnd, BitOr, Not};

use sea_query::{Condition, Expr, ExprTrait, Func};

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
    pub(crate) condition: Condition,
    _model: PhantomData<fn() -> M>,
}

impl<M> Clone for Q<M> {
    fn clone(&self) -> Self {
        Q::new(self.condition.clone())
    }
}

impl<M> std::fmt::Debug for Q<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Q").field(&self.condition).finish()
    }
}

impl<M> Q<M> {
    /// A condition every row meets.
    pub fn all() -> Self {
        Q::new(Condition::all())
    }

    pub(crate) fn new(condition: Condition) -> Self {
        Q {
            condition,
            _model: PhantomData,
        }
    }

    pub(crate) fn expr(expr: impl Into<Expr>) -> Self {
        Q::new(Condition::all().add(expr.into()))
    }

    /// Both conditions.
    pub fn and(self, other: Q<M>) -> Q<M> {
        Q::new(Condition::all().add(self.condition).add(other.condition))
    }

    /// Either condition.
    pub fn or(self, other: Q<M>) -> Q<M> {
        Q::new(Condition::any().add(self.condition).add(other.condition))
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
        let known = Func::coalesce([Expr::from(self.condition), Expr::val(false)]);
        Q::expr(Expr::expr(known).not())
    }
}
