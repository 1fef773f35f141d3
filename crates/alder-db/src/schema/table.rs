//! The schema editor's own description of a table: columns with their foreign keys resolved
//! to tables, and indexes by column. Migrations describe models by app and name and convert
//! each model state to a `Table` before the editor runs; `create_models` builds them straight
//! from compiled metadata. Either way the editor knows nothing of migrations.

use crate::meta::{FieldKind, ManyToManyMeta, ModelMeta, OnDelete};

/// A table as the schema editor creates, alters or drops it.
///
/// ```
/// use alder_db::schema::Table;
/// use alder_db::{Auto, FieldKind, ForeignKey, Model};
/// #[derive(Model)]
/// #[model(app = "blog")]
/// struct Author { id: Auto<i64> }
/// #[derive(Model)]
/// #[model(app = "blog")]
/// struct Post { id: Auto<i64>, author: ForeignKey<Author> }
/// let table = Table::from_meta(Post::META);
/// assert_eq!(table.name, "blog_post");
/// let author = table.column_for("author").unwrap();
/// assert_eq!((author.name.as_str(), author.kind), ("author_id", FieldKind::BigInteger));
/// assert_eq!(author.references.as_ref().unwrap().table, "blog_author");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The table's name.
    pub name: String,
    /// Its columns, in order.
    pub columns: Vec<Column>,
    /// Extra indexes, each a list of column names.
    pub indexes: Vec<Vec<String>>,
    /// Sets of columns unique together.
    pub unique_together: Vec<Vec<String>>,
}

/// One column of a [`Table`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The model field it stores: a column keeps its identity across a change by it, even
    /// when its name (`db_column`) changes.
    pub field: String,
    /// The column's name.
    pub name: String,
    /// Its kind.
    pub kind: FieldKind,
    /// NULL allowed.
    pub nullable: bool,
    /// The primary key.
    pub primary_key: bool,
    /// Assigned by the database.
    pub auto: bool,
    /// UNIQUE.
    pub unique: bool,
    /// Indexed on its own.
    pub db_index: bool,
    /// Longest text, in characters.
    pub max_length: Option<u32>,
    /// For a decimal: (max_digits, decimal_places).
    pub decimal: Option<(u32, u32)>,
    /// Column default, as SQL.
    pub default: Option<String>,
    /// What existing rows get when the column is added NOT NULL without a default, as SQL.
    pub fill: Option<String>,
    /// The foreign key, resolved to the table and column it points to.
    pub references: Option<ColumnReference>,
}

/// Where a foreign key column points, as the database sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnReference {
    /// The target table.
    pub table: String,
    /// Its key column.
    pub column: String,
    /// The delete rule.
    pub on_delete: OnDelete,
}

impl Table {
    /// The column storing field `field`.
    pub fn column_for(&self, field: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.field == field)
    }

    /// The primary key column.
    pub fn primary_key(&self) -> Option<&Column> {
        self.columns.iter().find(|c| c.primary_key)
    }

    /// The table of a compiled model, its foreign keys pointing to their targets' tables
    /// (for tests and quick scripts: projects use migrations, which record history).
    pub fn from_meta(meta: &ModelMeta) -> Table {
        let column_of = |name: &str| {
            meta.fields
                .iter()
                .find(|f| f.name == name)
                .map_or(name, |f| f.column)
                .to_string()
        };
        let sets = |sets: &[&[&str]]| -> Vec<Vec<String>> {
            sets.iter()
                .map(|set| set.iter().map(|n| column_of(n)).collect())
                .collect()
        };
        Table {
            name: meta.table.to_string(),
            columns: meta
                .fields
                .iter()
                .map(|f| Column {
                    field: f.name.to_string(),
                    name: f.column.to_string(),
                    kind: f.kind,
                    nullable: f.nullable,
                    primary_key: f.primary_key,
                    auto: f.auto,
                    unique: f.unique,
                    db_index: f.db_index,
                    max_length: f.max_length,
                    decimal: f.decimal,
                    default: f.db_default.map(str::to_string),
                    fill: None,
                    references: f.relation.map(|r| {
                        let target = (r.target)();
                        ColumnReference {
                            table: target.table.to_string(),
                            column: target.pk().column.to_string(),
                            on_delete: r.on_delete,
                        }
                    }),
                })
                .collect(),
            indexes: sets(meta.indexes),
            unique_together: sets(meta.unique_together),
        }
    }

    /// The automatic through table of a many-to-many field of `meta`: a key, a cascading
    /// foreign key to each side holding that side's key, each pair at most once.
    pub fn through(meta: &ModelMeta, many: &ManyToManyMeta) -> Table {
        let target = (many.target)();
        let pointer = |name: &str, to: &ModelMeta| {
            let pk = to.pk();
            Column {
                references: Some(ColumnReference {
                    table: to.table.to_string(),
                    column: pk.column.to_string(),
                    on_delete: OnDelete::Cascade,
                }),
                ..Column::new(name, pk.kind)
            }
        };
        Table {
            name: many.through_table.to_string(),
            columns: vec![
                Column {
                    primary_key: true,
                    auto: true,
                    ..Column::new("id", FieldKind::BigInteger)
                },
                pointer(many.source_column, meta),
                pointer(many.target_column, target),
            ],
            indexes: Vec::new(),
            unique_together: vec![vec![
                many.source_column.to_string(),
                many.target_column.to_string(),
            ]],
        }
    }
}

impl Column {
    /// A NOT NULL column of `kind` storing the field of the same name.
    ///
    /// ```
    /// use alder_db::{schema::Column, FieldKind};
    /// let c = Column::new("title", FieldKind::Text);
    /// assert!(!c.nullable && c.references.is_none());
    /// ```
    pub fn new(name: &str, kind: FieldKind) -> Column {
        Column {
            field: name.to_string(),
            name: name.to_string(),
            kind,
            nullable: false,
            primary_key: false,
            auto: false,
            unique: false,
            db_index: false,
            max_length: None,
            decimal: None,
            default: None,
            fill: None,
            references: None,
        }
    }
}
