//! Fetching and decoding rows through Alder's `QuerySet` against the same query through raw
//! sqlx, on PostgreSQL (`ALDER_BENCH_POSTGRES_URL`, else `ALDER_TEST_POSTGRES_URL`), in one run.

use alder::db::{Auto, Database, Model};
use criterion::{criterion_main, BenchmarkId, Criterion};

/// TechEmpower's `world` table.
#[derive(Model, Debug, Clone)]
#[model(table = "bench_world")]
struct World {
    id: Auto<i32>,
    randomnumber: i32,
}

#[derive(sqlx::FromRow)]
#[allow(dead_code)] // read by the benchmark only through decoding
struct RawWorld {
    id: i32,
    randomnumber: i32,
}

/// Turning a QuerySet into SQL and parameters, no database: the per-query cost Alder adds.
fn compile(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let db = rt
        .block_on(Database::connect("sqlite::memory:"))
        .expect("sqlite");
    c.bench_function("compile/queryset", |b| {
        b.iter(|| {
            World::objects()
                .filter(World::id().eq(42) & World::randomnumber().gt(10))
                .order_by(World::id().asc())
                .limit(20)
                .sql(&db)
                .expect("sql")
        });
    });
}

fn bench(c: &mut Criterion) {
    compile(c);
    let Some(url) = std::env::var("ALDER_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("ALDER_TEST_POSTGRES_URL"))
        .ok()
    else {
        eprintln!("skipping the database benchmarks: set ALDER_BENCH_POSTGRES_URL");
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let (db, pool) = rt.block_on(async {
        let db = Database::connect(&url).await.expect("connect");
        db.execute_unprepared("DROP TABLE IF EXISTS bench_world").await.expect("drop");
        alder::db::schema::create_model(&db, World::META).await.expect("create");
        db.execute_unprepared("INSERT INTO bench_world (randomnumber) SELECT (random() * 10000)::int FROM generate_series(1, 1000)")
            .await
            .expect("fill");
        // No ping before each query, as Alder's pool (sqlx pings by default): both sides
        // send the same statements.
        let pool = sqlx::postgres::PgPoolOptions::new()
            .test_before_acquire(false)
            .connect(&url)
            .await
            .expect("sqlx pool");
        (db, pool)
    });
    let mut group = c.benchmark_group("fetch");
    for rows in [1u64, 20, 500] {
        group.bench_with_input(BenchmarkId::new("sqlx", rows), &rows, |b, &rows| {
            b.to_async(&rt).iter(|| async {
                let found: Vec<RawWorld> = sqlx::query_as(
                    "SELECT id, randomnumber FROM bench_world WHERE id <= $1 ORDER BY id LIMIT $2",
                )
                .bind(rows as i32)
                .bind(rows as i64)
                .fetch_all(&pool)
                .await
                .expect("query");
                assert_eq!(found.len() as u64, rows);
            });
        });
        group.bench_with_input(BenchmarkId::new("alder", rows), &rows, |b, &rows| {
            b.to_async(&rt).iter(|| async {
                let found = World::objects()
                    .filter(World::id().lte(rows as i32))
                    .order_by(World::id().asc())
                    .limit(rows)
                    .all(&db)
                    .await
                    .expect("query");
                assert_eq!(found.len() as u64, rows);
            });
        });
    }
    group.finish();
}

#[allow(missing_docs)] // criterion_group! writes an undocumented function
mod group {
    criterion::criterion_group!(benches, super::bench);
}
use group::benches;

criterion_main!(benches);
