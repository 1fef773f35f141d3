//! Routing + extraction, template rendering and JSON of models through Alder against
//! hand-written axum,
//! in-process (no socket), in one run.

use alder_bench::{alder_router, axum_router};
use criterion::{criterion_main, Criterion};
use http_body_util::BodyExt;
use tower::ServiceExt;

fn request(uri: &str) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::builder()
        .uri(uri)
        .header("host", "localhost")
        .body(axum::body::Body::empty())
        .expect("valid request")
}

async fn call(router: &axum::Router, uri: &str) -> usize {
    let response = router
        .clone()
        .oneshot(request(uri))
        .await
        .expect("infallible");
    assert_eq!(response.status(), 200);
    response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .len()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let alder = alder_router();
    let axum = axum_router();
    for (test, uri) in [
        ("plaintext", "/plaintext"),
        ("template", "/hello/world/"),
        ("json_models", "/worlds"),
    ] {
        let mut group = c.benchmark_group(test);
        group.bench_function("axum", |b| b.to_async(&rt).iter(|| call(&axum, uri)));
        group.bench_function("alder", |b| b.to_async(&rt).iter(|| call(&alder, uri)));
        group.finish();
    }
}

#[allow(missing_docs)] // criterion_group! writes an undocumented function
mod group {
    criterion::criterion_group!(benches, super::bench);
}
use group::benches;
criterion_main!(benches);
