//! SQL rendered once per query shape.
//!
//! Two queries that differ only in their values (`World::id().eq(7)` and `…eq(42)`) have the
//! same SQL. Building it with sea-query each time (a statement tree, cloned conditions,
//! rendering, freeing) costs more than the rest of a one-row query in the framework, so a
//! query made only of plain lookups is described by its *shape*, a short list of names and
//! numbers, and its values; the SQL rendered for the first query of a shape is reused for the
//! next ones, and only the values are bound.
//!
//! A shape is cached only when the values collected beside it are exactly those sea-query
//! produced when rendering it, so reusing the SQL binds the right values in the right places.
//! (Equal values in swapped places would pass that check; the order in which values are
//! collected mirrors the order sea-query renders them, and the tests use distinct values for
//! every operator so that a change to either is caught.) Anything that is not a plain lookup
//! (a subquery, `|`, `!`, a raw expression) has no shape and is rendered every time. The cache is per thread (no lock on the hot path)
//! and emptied when it reaches [`CAPACITY`] shapes.

use std::any::TypeId;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use sea_query::{Value, Values};

use super::order::OrderTerm;
use super::q::Node;
use crate::meta::ModelMeta;
use crate::Result;

/// Shapes a thread keeps before starting again: far more than an application's distinct
/// queries, few enough that a flood of generated shapes (say `IN` lists of every length)
/// cannot grow memory without bound.
const CAPACITY: usize = 1024;

/// A part of a shape: the model, a name from the model metadata, or a number (an operator, a
/// flag, the address of a related model's metadata).
#[derive(Debug, Clone, Copy)]
enum Token {
    /// The model queried: its columns and default ordering are part of the SQL, and two
    /// models may share a table.
    Model(TypeId),
    Name(&'static str),
    Number(usize),
}

// Names come from `'static` metadata: comparing and hashing where they live is enough and
// much cheaper than comparing text. The same text at two addresses only makes two entries
// with the same SQL.
impl PartialEq for Token {
    fn eq(&self, other: &Token) -> bool {
        match (self, other) {
            (Token::Name(a), Token::Name(b)) => std::ptr::eq(*a, *b),
            (Token::Number(a), Token::Number(b)) => a == b,
            (Token::Model(a), Token::Model(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Token {}

impl Hash for Token {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Token::Name(name) => {
                state.write_usize(name.as_ptr() as usize);
                state.write_usize(name.len());
            }
            Token::Number(n) => state.write_usize(n.wrapping_add(1) << 1),
            Token::Model(model) => model.hash(state),
        }
    }
}

type Statements = HashMap<Box<[Token]>, Arc<str>, foldhash::fast::RandomState>;

thread_local! {
    static STATEMENTS: RefCell<Statements> = RefCell::default();
}

/// The shape and values of one query, collected while walking it.
#[derive(Debug)]
pub(crate) struct Shape {
    tokens: Vec<Token>,
    values: Vec<Value>,
}

impl Shape {
    /// A shape starting with what every query of it shares (statement kind, model, backend).
    pub(crate) fn new(kind: &'static str, model: TypeId, backend: usize) -> Shape {
        let mut tokens = Vec::with_capacity(16);
        tokens.extend([
            Token::Name(kind),
            Token::Model(model),
            Token::Number(backend),
        ]);
        Shape {
            tokens,
            values: Vec::new(),
        }
    }

    /// Adds a number (a flag, a count) to the shape.
    pub(crate) fn number(&mut self, n: usize) -> &mut Self {
        self.tokens.push(Token::Number(n));
        self
    }

    /// Adds a value bound at this point of the SQL.
    pub(crate) fn value(&mut self, value: Value) -> &mut Self {
        self.values.push(value);
        self
    }

    /// Adds a condition; `false` when it has no shape (it must be rendered each time).
    pub(crate) fn condition(&mut self, node: &Node) -> bool {
        match node {
            Node::Lookup { table, column, op } => {
                self.tokens.extend([
                    Token::Name(table),
                    Token::Name(column),
                    Token::Number(op.code()),
                ]);
                op.push_values(&mut self.values);
                true
            }
            Node::All(nodes) => {
                self.tokens.push(Token::Number(usize::MAX - nodes.len()));
                nodes.iter().all(|node| self.condition(node))
            }
            Node::Sea(_) | Node::Unsaved(_) => false,
        }
    }

    /// Adds an ordering term (these carry no values).
    pub(crate) fn order(&mut self, term: &OrderTerm, descending: bool) {
        let mut term = term;
        loop {
            match term {
                OrderTerm::Column(column) => {
                    self.tokens
                        .extend([Token::Name(column), Token::Number(usize::from(descending))]);
                    return;
                }
                OrderTerm::Related {
                    column,
                    target,
                    inner,
                } => {
                    // The subquery names the target's table and key: its metadata says both.
                    let target: *const ModelMeta = *target;
                    self.tokens
                        .extend([Token::Name(column), Token::Number(target as usize)]);
                    term = inner;
                }
            }
        }
    }

    /// The SQL for this shape, rendered by `build` the first time, and the values to bind.
    pub(crate) fn sql(
        self,
        build: impl FnOnce() -> Result<(String, Values)>,
    ) -> Result<(Arc<str>, Values)> {
        let cached = STATEMENTS.with_borrow(|statements| statements.get(&self.tokens[..]).cloned());
        if let Some(sql) = cached {
            return Ok((sql, Values(self.values)));
        }
        let (sql, values) = build()?;
        let sql: Arc<str> = sql.into();
        // Values that differ from sea-query's (a NaN, which equals nothing) leave the shape
        // uncached: the next query of it tries again.
        if values.0 == self.values {
            STATEMENTS.with_borrow_mut(|statements| {
                if statements.len() >= CAPACITY {
                    statements.clear();
                }
                statements.insert(self.tokens.into_boxed_slice(), sql.clone());
            });
        }
        Ok((sql, values))
    }
}

/// Renders a query that has no shape.
pub(crate) fn render(
    build: impl FnOnce() -> Result<(String, Values)>,
) -> Result<(Arc<str>, Values)> {
    let (sql, values) = build()?;
    Ok((sql.into(), values))
}

/// How many shapes this thread has cached SQL for.
pub(crate) fn cached() -> usize {
    STATEMENTS.with_borrow(HashMap::len)
}
