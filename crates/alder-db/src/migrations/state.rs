//! Model state as migrations record it: plain data, built either by replaying migration
//! operations or from the models compiled into the program; the autodetector compares the two.

use std::collections::BTreeMap;

use crate::meta::FieldKind;
use crate::meta::OnDelete;
use crate::meta::{FieldMeta, ModelMeta};

/// A foreign key's target, by app and model name (resolved to a table when applied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The target's app.
    pub app: String,
    /// The target model's name.
    pub model: String,
    /// The delete rule.
    pub on_delete: OnDelete,
}

/// One field as a migration knows it.
#[derive(Debug, Clone)]
pub struct Field {
    /// The Rust field name.
    pub name: String,
    /// The column name.
    pub column: String,
    /// The column kind.
    pub kind: FieldKind,
    /// NULL allowed.
    pub nullable: bool,
    /// The primary key.
    pub primary_key: bool,
    /// Assigned by the database.
    pub auto: bool,
    /// UNIQUE.
    pub unique: bool,
    /// Indexed.
    pub db_index: bool,
    /// Longest text, in characters.
    pub max_length: Option<u32>,
    /// For a decimal: (max_digits, decimal_places).
    pub decimal: Option<(u32, u32)>,
    /// Column default, as SQL.
    pub default: Option<String>,
    /// For a foreign key, what it points to.
    pub references: Option<Reference>,
    /// What existing rows get when the field is added NOT NULL without a column default: its
    /// typed `default`, as SQL (Django's one-off default). Used once, by the `AddField`;
    /// not part of the schema, so it is left out of comparisons.
    pub fill: Option<String>,
}

impl PartialEq for Field {
    fn eq(&self, other: &Self) -> bool {
        // Everything the schema holds; `fill` is how a column was first filled, not what it is.
        self.name == other.name
            && self.column == other.column
            && self.kind == other.kind
            && self.nullable == other.nullable
            && self.primary_key == other.primary_key
            && self.auto == other.auto
            && self.unique == other.unique
            && self.db_index == other.db_index
            && self.max_length == other.max_length
            && self.decimal == other.decimal
            && self.default == other.default
            && self.references == other.references
    }
}

impl Eq for Field {}

impl Field {
    /// A NOT NULL field of `kind` whose column is its name; refine with the builder methods.
    ///
    /// ```
    /// use alder_db::{FieldKind, migrations::Field};
    /// let f = Field::new("title", FieldKind::Text).max_length(200).unique();
    /// assert_eq!(f.max_length, Some(200));
    /// ```
    pub fn new(name: &str, kind: FieldKind) -> Self {
        Field {
            name: name.to_string(),
            column: name.to_string(),
            kind,
            nullable: false,
            primary_key: false,
            auto: false,
            unique: false,
            db_index: false,
            max_length: None,
            decimal: None,
            default: None,
            references: None,
            fill: None,
        }
    }

    /// A foreign key to `app`'s `model`.
    pub fn references(mut self, app: &str, model: &str, on_delete: OnDelete) -> Self {
        self.references = Some(Reference {
            app: app.to_string(),
            model: model.to_string(),
            on_delete,
        });
        self
    }

    /// Stored in a column of another name.
    pub fn column(mut self, column: &str) -> Self {
        self.column = column.to_string();
        self
    }

    /// May be NULL.
    pub fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }

    /// The primary key.
    pub fn primary_key(mut self) -> Self {
        self.primary_key = true;
        self
    }

    /// Assigned by the database.
    pub fn auto(mut self) -> Self {
        self.auto = true;
        self
    }

    /// UNIQUE.
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    /// Indexed.
    pub fn db_index(mut self) -> Self {
        self.db_index = true;
        self
    }

    /// Longest text.
    pub fn max_length(mut self, n: u32) -> Self {
        self.max_length = Some(n);
        self
    }

    /// A decimal of at most `max_digits` digits, `decimal_places` of them after the point.
    pub fn decimal(mut self, max_digits: u32, decimal_places: u32) -> Self {
        self.decimal = Some((max_digits, decimal_places));
        self
    }

    /// Column default, as SQL.
    pub fn default(mut self, sql: &str) -> Self {
        self.default = Some(sql.to_string());
        self
    }

    /// The value existing rows get when this NOT NULL field is added (SQL): what
    /// `makemigrations` writes from a typed `default`; not part of the schema.
    ///
    /// ```
    /// use alder_db::{FieldKind, migrations::Field};
    /// let points = Field::new("points", FieldKind::Integer).fill("5");
    /// assert_eq!(points.fill.as_deref(), Some("5"));
    /// assert_eq!(points, Field::new("points", FieldKind::Integer), "fill is no schema difference");
    /// ```
    pub fn fill(mut self, sql: &str) -> Self {
        self.fill = Some(sql.to_string());
        self
    }

    pub(crate) fn from_meta(
        meta: &FieldMeta,
        app_of: &dyn Fn(&ModelMeta) -> Option<String>,
    ) -> Self {
        let references = meta.relation.map(|r| {
            let target = (r.target)();
            Reference {
                app: app_of(target).unwrap_or_else(|| format!("<unregistered:{}>", target.name)),
                model: target.name.to_string(),
                on_delete: r.on_delete,
            }
        });
        Field {
            references,
            name: meta.name.to_string(),
            column: meta.column.to_string(),
            kind: meta.kind,
            nullable: meta.nullable,
            primary_key: meta.primary_key,
            auto: meta.auto,
            unique: meta.unique,
            db_index: meta.db_index,
            max_length: meta.max_length,
            decimal: meta.decimal,
            default: meta.db_default.map(str::to_string),
            fill: (!meta.nullable && meta.db_default.is_none())
                .then(|| meta.default.and_then(|d| sql_literal(&d.value())))
                .flatten(),
        }
    }

    /// Everything but the name: two fields with the same definition may be a rename.
    pub(crate) fn same_definition(&self, other: &Field) -> bool {
        Field {
            name: String::new(),
            column: String::new(),
            ..self.clone()
        } == Field {
            name: String::new(),
            column: String::new(),
            ..other.clone()
        }
    }
}

/// One model as a migration knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelState {
    /// The model's name, e.g. `Post`.
    pub name: String,
    /// Its table.
    pub table: String,
    /// Its fields, in order.
    pub fields: Vec<Field>,
    /// Sets of fields unique together.
    pub unique_together: Vec<Vec<String>>,
    /// Extra indexes.
    pub indexes: Vec<Vec<String>>,
}

/// A value as an SQL literal both backends read the same way, for a fill; `None` for values
/// that have no such literal (bytes, JSON), which then need a `db_default`.
pub(crate) fn sql_literal(value: &sea_query::Value) -> Option<String> {
    use sea_query::Value as V;
    let quoted = |text: &str| format!("'{}'", text.replace('\'', "''"));
    Some(match value {
        V::Bool(Some(b)) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        V::TinyInt(Some(n)) => n.to_string(),
        V::SmallInt(Some(n)) => n.to_string(),
        V::Int(Some(n)) => n.to_string(),
        V::BigInt(Some(n)) => n.to_string(),
        V::Double(Some(x)) if x.is_finite() => format!("{x:?}"),
        V::Decimal(Some(d)) => d.to_string(),
        V::String(Some(text)) => quoted(text),
        V::ChronoDate(Some(d)) => quoted(&d.to_string()),
        V::ChronoTime(Some(t)) => quoted(&t.to_string()),
        V::ChronoDateTime(Some(t)) => quoted(&t.format("%Y-%m-%d %H:%M:%S%.f").to_string()),
        V::ChronoDateTimeUtc(Some(t)) => {
            quoted(&t.format("%Y-%m-%d %H:%M:%S%.f+00:00").to_string())
        }
        V::Uuid(Some(u)) => quoted(&u.to_string()),
        _ => return None,
    })
}

impl ModelState {
    /// The state of a compiled model; `app_of` names the app of a model it points to.
    pub fn from_meta(meta: &ModelMeta, app_of: &dyn Fn(&ModelMeta) -> Option<String>) -> Self {
        ModelState {
            name: meta.name.to_string(),
            table: meta.table.to_string(),
            fields: meta
                .fields
                .iter()
                .map(|f| Field::from_meta(f, app_of))
                .collect(),
            unique_together: meta
                .unique_together
                .iter()
                .map(|set| set.iter().map(|s| (*s).to_string()).collect())
                .collect(),
            indexes: meta
                .indexes
                .iter()
                .map(|set| set.iter().map(|s| (*s).to_string()).collect())
                .collect(),
        }
    }

    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The column of field `name` (the name itself if there is no such field).
    pub(crate) fn column_of(&self, name: &str) -> String {
        self.field(name)
            .map_or_else(|| name.to_string(), |f| f.column.clone())
    }

    /// The table as the schema editor sees it, foreign keys resolved to the tables they
    /// point to in `state` (a model pointing to itself while it is being created, before
    /// `state` has it, points to its own table). An unresolved target gets no constraint.
    pub fn table(&self, state: &State) -> crate::schema::Table {
        let own_key = self.fields.iter().find(|f| f.primary_key);
        let resolve = |r: &Reference| {
            let target = match state.target(r) {
                Some(found) => Some(found),
                None if r.model == self.name => {
                    own_key.map(|pk| (self.table.clone(), pk.column.clone()))
                }
                None => None,
            };
            target.map(|(table, column)| crate::schema::ColumnReference {
                table,
                column,
                on_delete: r.on_delete,
            })
        };
        let sets = |sets: &Vec<Vec<String>>| -> Vec<Vec<String>> {
            sets.iter()
                .map(|set| set.iter().map(|n| self.column_of(n)).collect())
                .collect()
        };
        crate::schema::Table {
            name: self.table.clone(),
            columns: self
                .fields
                .iter()
                .map(|f| crate::schema::Column {
                    field: f.name.clone(),
                    name: f.column.clone(),
                    kind: f.kind,
                    nullable: f.nullable,
                    primary_key: f.primary_key,
                    auto: f.auto,
                    unique: f.unique,
                    db_index: f.db_index,
                    max_length: f.max_length,
                    decimal: f.decimal,
                    default: f.default.clone(),
                    fill: f.fill.clone(),
                    references: f.references.as_ref().and_then(resolve),
                })
                .collect(),
            indexes: sets(&self.indexes),
            unique_together: sets(&self.unique_together),
        }
    }
}

/// Every app's models at one point of the migration history (or in the code).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    /// `(app, model name)` → model state, sorted for stable output.
    pub models: BTreeMap<(String, String), ModelState>,
}

impl State {
    /// The model `name` of `app`.
    pub fn model(&self, app: &str, name: &str) -> Option<&ModelState> {
        self.models.get(&(app.to_string(), name.to_string()))
    }

    /// The table and primary-key column of the model a reference points to.
    pub(crate) fn target(&self, reference: &Reference) -> Option<(String, String)> {
        let model = self.model(&reference.app, &reference.model)?;
        let pk = model.fields.iter().find(|f| f.primary_key)?;
        Some((model.table.clone(), pk.column.clone()))
    }

    pub(crate) fn model_mut(&mut self, app: &str, name: &str) -> Option<&mut ModelState> {
        self.models.get_mut(&(app.to_string(), name.to_string()))
    }
}
