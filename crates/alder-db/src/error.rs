//! The one error type of the database layer.

/// A `Result` whose error is [`DbError`].
pub type Result<T, E = DbError> = std::result::Result<T, E>;

/// What went wrong talking to the database, in terms code can match on.
///
/// ```
/// use alder_db::DbError;
/// let err = DbError::NotFound { model: "Post" };
/// assert_eq!(err.to_string(), "Post matching the query does not exist");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// The database could not be reached or opened.
    #[error("cannot connect to the database at {url}: {source}; is it running, and is DATABASE_URL right?")]
    Connect {
        /// The URL with its password hidden.
        url: String,
        /// What the driver said.
        #[source]
        source: sqlx::Error,
    },
    /// Every connection of the pool stayed in use until the acquire timeout.
    #[error("every connection to the database at {url} stayed busy until the pool's timeout: raise database_pool_size or database_timeout, or look for slow queries and transactions left open")]
    PoolExhausted {
        /// The database URL, password hidden.
        url: String,
    },
    /// The database was found unreachable moments ago and has not answered a probe since:
    /// refused at once rather than after another connection timeout.
    #[error("the database at {url} is unreachable (a connection failed {since_ms} ms ago; Alder retries in the background): {reason}")]
    Unavailable {
        /// The database URL, password hidden.
        url: String,
        /// How long ago the database was last found down.
        since_ms: u64,
        /// Why the last attempt failed.
        reason: String,
    },
    /// A `DATABASE_URL` Alder cannot use.
    #[error("unsupported database URL `{url}`: use `sqlite://path.sqlite3` or `postgres://user:password@host/name`")]
    UnsupportedUrl {
        /// The URL with its password hidden.
        url: String,
    },
    /// `get` found no row (Django's `DoesNotExist`).
    #[error("{model} matching the query does not exist")]
    NotFound {
        /// The model's name.
        model: &'static str,
    },
    /// `get` found more than one row (Django's `MultipleObjectsReturned`).
    #[error("get() returned more than one {model}: {count} rows matched")]
    MultipleObjectsReturned {
        /// The model's name.
        model: &'static str,
        /// How many rows matched (at least 2).
        count: usize,
    },
    /// A value longer than the field's `max_length`, refused before it reached the database.
    #[error("{model}.{field} may hold at most {max_length} characters, got {length}")]
    ValueTooLong {
        /// The model's name.
        model: &'static str,
        /// The field.
        field: &'static str,
        /// The field's `max_length`.
        max_length: u32,
        /// The value's length in characters.
        length: usize,
    },
    /// A decimal with more digits before the point than the field allows.
    #[error("{model}.{field} holds at most {max_digits} digits with {decimal_places} after the point, got {value}")]
    DecimalTooLarge {
        /// The model's name.
        model: &'static str,
        /// The field.
        field: &'static str,
        /// `max_digits` of the field.
        max_digits: u32,
        /// `decimal_places` of the field.
        decimal_places: u32,
        /// The value refused.
        value: String,
    },
    /// A unique field or unique set of fields already has this value.
    #[error("{model}: a row with this value already exists ({message})")]
    UniqueViolation {
        /// The model's name, or `?` for raw SQL.
        model: &'static str,
        /// The database's message.
        message: String,
    },
    /// `crud::full_clean` found invalid values (Django's `ValidationError` from `full_clean`):
    /// each field's errors and the object's, to show beside a form's fields or in a 422.
    #[error("{model} is not valid: {errors}")]
    Invalid {
        /// The model's name.
        model: &'static str,
        /// What was found, per field and for the object.
        errors: crate::ValidationErrors,
    },
    /// A foreign key points to a row that does not exist, or a row still referenced was deleted.
    #[error("{model}: foreign key constraint failed ({message})")]
    ForeignKeyViolation {
        /// The model's name, or `?` for raw SQL.
        model: &'static str,
        /// The database's message.
        message: String,
    },
    /// A field that cannot be NULL was given none.
    #[error("{model}: a required field is missing ({message})")]
    NotNullViolation {
        /// The model's name, or `?` for raw SQL.
        model: &'static str,
        /// The database's message.
        message: String,
    },
    /// A field name, lookup or ordering given as a string (from a URL, say) is not one the
    /// model has.
    #[error("{model} has no field `{field}`; it has: {}", known.join(", "))]
    UnknownField {
        /// The model's name.
        model: &'static str,
        /// The name asked for.
        field: String,
        /// The names it has.
        known: Vec<&'static str>,
    },
    /// A lookup that does not exist or does not apply to the field's type.
    #[error("lookup `{lookup}` cannot be used on {model}.{field}: {reason}")]
    InvalidLookup {
        /// The model's name.
        model: &'static str,
        /// The field.
        field: String,
        /// The lookup asked for.
        lookup: String,
        /// Why not.
        reason: String,
    },
    /// A column could not be read into its Rust field.
    #[error("reading {model}.{field} from the database: {source}")]
    Decode {
        /// The model's name.
        model: &'static str,
        /// The field.
        field: &'static str,
        /// What the driver said.
        #[source]
        source: sqlx::Error,
    },
    /// Any other database error, with the SQL that caused it.
    #[error("database error running `{sql}`: {source}")]
    Query {
        /// The SQL (parameters are not shown).
        sql: String,
        /// What the driver said.
        #[source]
        source: sqlx::Error,
    },
    /// `delete` or `update` on a sliced query, which SQL cannot express directly.
    #[error("cannot {0} a sliced query (limit/offset): filter by primary key instead")]
    Sliced(&'static str),
    /// `bulk_update` was asked for no fields, or for the primary key.
    #[error("bulk_update of {model}: {reason}")]
    BulkUpdateFields {
        /// The model's name.
        model: &'static str,
        /// What is wrong with the fields given.
        reason: String,
    },
    /// A string-keyed filter or ordering names a path the code did not allow (a relation
    /// not listed in its `FieldPaths`, or one followed too deep).
    #[error("`{path}` cannot be used to filter or order {model}: {reason}")]
    PathNotAllowed {
        /// The model queried.
        model: &'static str,
        /// The path as given, without its lookup.
        path: String,
        /// Why, and what is allowed.
        reason: String,
    },
    /// A migration would lose data: rows hold values the changed column cannot keep. The
    /// migration stops (its transaction is rolled back) before changing anything.
    #[error("cannot migrate {table}.{column}: {rows} row(s) {problem}")]
    DataDoesNotFit {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// How many rows do not fit.
        rows: u64,
        /// What is wrong with them and what to do.
        problem: String,
    },
    /// A transaction was rolled back instead of committed: a statement in it failed, and
    /// PostgreSQL ignores everything after that until the end of the block (as Django's "You
    /// can't execute queries until the end of the 'atomic' block").
    #[error("the transaction was rolled back, not committed: a statement in it failed ({message}); to go on after an error, run the statement in a nested atomic block (a savepoint) and handle its error there")]
    RolledBack {
        /// The first error in the transaction.
        message: String,
    },
    /// The operation needs a saved object (one with a primary key).
    #[error("{model} has no primary key yet: save it first")]
    Unsaved {
        /// The model's name.
        model: &'static str,
    },
}

impl DbError {
    /// Whether the database server itself refused the statement (a constraint, bad SQL, a
    /// failed cast): the errors that abort a PostgreSQL transaction. Checks Alder makes before
    /// sending anything (lengths, decimals, decoding) are not.
    pub(crate) fn is_from_server(&self) -> bool {
        match self {
            DbError::UniqueViolation { .. }
            | DbError::ForeignKeyViolation { .. }
            | DbError::NotNullViolation { .. } => true,
            DbError::Query { source, .. } => matches!(source, sqlx::Error::Database(_)),
            _ => false,
        }
    }

    /// Whether the error says the database cannot be reached now, rather than that the
    /// statement was wrong: no connection could be made or had in time, or the one in use was
    /// lost (reset, closed, the server shutting down or starting up). The web layer answers
    /// these 503, and they are worth a retry later.
    ///
    /// ```
    /// use alder_db::DbError;
    /// let down = DbError::PoolExhausted { url: "postgres://db".into() };
    /// assert!(down.is_unavailable());
    /// assert!(!DbError::NotFound { model: "Post" }.is_unavailable());
    /// ```
    pub fn is_unavailable(&self) -> bool {
        match self {
            DbError::Connect { .. }
            | DbError::PoolExhausted { .. }
            | DbError::Unavailable { .. } => true,
            DbError::Query { source, .. } => match source {
                sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed => true,
                // PostgreSQL's connection exceptions (class 08) and shutdown / start-up
                // (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now).
                sqlx::Error::Database(db) => db.code().is_some_and(|c| {
                    c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")
                }),
                _ => false,
            },
            _ => false,
        }
    }

    pub(crate) fn other_sql(model: &'static str, message: String) -> Self {
        DbError::Query {
            sql: format!("(building a query for {model})"),
            source: sqlx::Error::Protocol(message),
        }
    }

    /// Maps a driver error to a variant code can match, keeping the SQL for context.
    pub(crate) fn from_sqlx(model: &'static str, sql: &str, err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err {
            let message = db.message().to_string();
            // SQLite reports a RESTRICT refusal as a trigger constraint (code 1811), which
            // the driver does not classify.
            if message.contains("FOREIGN KEY constraint failed") {
                return DbError::ForeignKeyViolation { model, message };
            }
            match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation => {
                    return DbError::UniqueViolation { model, message }
                }
                sqlx::error::ErrorKind::ForeignKeyViolation => {
                    return DbError::ForeignKeyViolation { model, message }
                }
                sqlx::error::ErrorKind::NotNullViolation => {
                    return DbError::NotNullViolation { model, message }
                }
                _ => {}
            }
        }
        DbError::Query {
            sql: sql.to_string(),
            source: err,
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`, for messages and logs.
///
/// ```
/// assert_eq!(alder_db::redact_url("postgres://u:pw@h/db"), "postgres://u:***@h/db");
/// assert_eq!(alder_db::redact_url("sqlite://db.sqlite3"), "sqlite://db.sqlite3");
/// assert_eq!(alder_db::redact_url("postgres://h/db?user=u&password=pw"), "postgres://h/db?user=u&password=***");
/// // A password with raw `/`, `@` or `:` in it is hidden whole.
/// assert_eq!(alder_db::redact_url("postgres://u:a/b@c:d@h:5432/db"), "postgres://u:***@h:5432/db");
/// assert_eq!(alder_db::redact_url("postgres://u:p/w@h/db?sslmode=require"), "postgres://u:***@h/db?sslmode=require");
/// ```
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    // The credentials end at the last `@` before the query: a password typed without
    // percent-encoding may itself hold `@`, `/` or `:`, and must not leak as "the path".
    let before_query = rest.split_once('?').map_or(rest, |(head, _)| head);
    let (credentials, after) = match before_query.rfind('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    let (host, path) = after
        .split_once('/')
        .map_or((after, None), |(a, p)| (a, Some(p)));
    let authority = match credentials {
        Some(userinfo) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => host.to_string(),
    };
    // A password can also travel as a query parameter (`?password=…`).
    let path = path.map(|p| match p.split_once('?') {
        Some((base, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_string(),
                })
                .collect();
            format!("{base}?{}", params.join("&"))
        }
        None => p.to_string(),
    });
    match path {
        Some(path) => format!("{scheme}://{authority}/{path}"),
        None => format!("{scheme}://{authority}"),
    }
}

impl From<crate::meta::UnknownField> for DbError {
    fn from(e: crate::meta::UnknownField) -> Self {
        DbError::UnknownField {
            model: e.model,
            field: e.field,
            known: e.known,
        }
    }
}
