//! `Q`: a condition, combined with `&`, `|` and `!` like Django's `Q` objects.

use std::ops::{BitAnd, BitOr, Not};

use sea_query::{Condition, Expr, ExprTrait, Func};

/// A WHERE condition. Lookups on columns make one (`Post::title().eq("Hi")`); combine them
/// with `&` (and), `|` (or) and `!` (not).
///
/// ```
/// use alder_db::Q;
/// let everything = Q::all();
/// let nothing = !Q::all();
/// let _either = everything | nothing;
/// ```
#[derive(Debug, Clone)]
pub struct Q(pub(crate) Condition);

impl Q {
    /// A condition every row meets.
    pub fn all() -> Self {
        Q(Condition::all())
    }

    pub(crate) fn expr(expr: Expr) -> Self {
        Q(Condition::all().add(expr))
    }

    /// Both conditions.
    pub fn and(self, other: Q) -> Q {
        Q(Condition::all().add(self.0).add(other.0))
    }

    /// Either condition.
    pub fn or(self, other: Q) -> Q {
        Q(Condition::any().add(self.0).add(other.0))
    }
}

impl BitAnd for Q {
    type Output = Q;
    fn bitand(self, rhs: Q) -> Q {
        self.and(rhs)
    }
}

impl BitOr for Q {
    type Output = Q;
    fn bitor(self, rhs: Q) -> Q {
        self.or(rhs)
    }
}

impl Not for Q {
    type Output = Q;
    /// `NOT COALESCE(condition, FALSE)`: unlike SQL's plain `NOT`, a row whose condition is
    /// unknown (a NULL column) counts as not matching, so negating keeps it, as Django's
    /// `exclude` does.
    fn not(self) -> Q {
        let known = Func::coalesce([Expr::from(self.0), Expr::val(false)]);
        Q(Condition::all().add(Expr::expr(known).not()))
    }
}
