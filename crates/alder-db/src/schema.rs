//! The schema editor: DDL for a model's table on each backend, from its metadata.

use sea_query::{Alias, ColumnDef, Index, Table, TableCreateStatement};

use crate::field::FieldKind;
use crate::model::{FieldMeta, ModelMeta};
use crate::{Database, Result};

fn column_def(field: &FieldMeta) -> ColumnDef {
    let mut def = ColumnDef::new(Alias::new(field.column));
    match field.kind {
        FieldKind::SmallInteger => def.small_integer(),
        FieldKind::Integer => def.integer(),
        FieldKind::BigInteger => def.big_integer(),
        FieldKind::Float => def.double(),
        FieldKind::Boolean => def.boolean(),
        FieldKind::Text => match field.max_length {
            Some(n) => def.string_len(n),
            None => def.text(),
        },
        FieldKind::Date => def.date(),
        FieldKind::Time => def.time(),
        FieldKind::DateTime => def.timestamp_with_time_zone(),
        FieldKind::NaiveDateTime => def.date_time(),
        FieldKind::Uuid => def.uuid(),
        FieldKind::Json => def.json_binary(),
        FieldKind::Bytes => def.blob(),
    };
    if field.primary_key {
        def.primary_key();
        if field.auto {
            def.auto_increment();
        }
    } else if field.nullable {
        def.null();
    } else {
        def.not_null();
    }
    if field.unique && !field.primary_key {
        def.unique_key();
    }
    if let Some(default) = field.default {
        def.default(sea_query::Expr::cust(default.to_string()));
    }
    def
}

/// `CREATE TABLE` for a model.
pub(crate) fn create_table(meta: &ModelMeta) -> TableCreateStatement {
    let mut table = Table::create();
    table.table(Alias::new(meta.table));
    for field in meta.fields {
        table.col(column_def(field));
    }
    for fields in meta.unique_together {
        let mut index = Index::create();
        index
            .unique()
            .name(format!("{}_{}_uniq", meta.table, fields.join("_")));
        for name in *fields {
            let column = meta
                .fields
                .iter()
                .find(|f| f.name == *name)
                .map_or(*name, |f| f.column);
            index.col(Alias::new(column));
        }
        table.index(&mut index);
    }
    table
}

/// Creates a model's table and its indexes (used by migrations and by tests).
pub async fn create_model(db: &Database, meta: &ModelMeta) -> Result<()> {
    let sql = db.build_ddl(&create_table(meta));
    db.execute_unprepared(&sql).await?;
    let indexed = meta
        .fields
        .iter()
        .filter(|f| f.db_index && !f.unique && !f.primary_key)
        .map(|f| vec![f.column])
        .chain(meta.indexes.iter().map(|cols| {
            cols.iter()
                .map(|n| {
                    meta.fields
                        .iter()
                        .find(|f| f.name == *n)
                        .map_or(*n, |f| f.column)
                })
                .collect()
        }));
    for columns in indexed {
        let mut index = Index::create();
        index
            .name(format!("{}_{}_idx", meta.table, columns.join("_")))
            .table(Alias::new(meta.table));
        for column in &columns {
            index.col(Alias::new(*column));
        }
        db.execute_unprepared(&db.build_ddl(&index)).await?;
    }
    Ok(())
}

/// Drops a model's table.
pub async fn delete_model(db: &Database, meta: &ModelMeta) -> Result<()> {
    let sql = db.build_ddl(&Table::drop().table(Alias::new(meta.table)).to_owned());
    db.execute_unprepared(&sql).await?;
    Ok(())
}
