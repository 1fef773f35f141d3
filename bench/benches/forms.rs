//! Reading and checking a ten-field form with `#[derive(Form)]` against what a plain
//! `axum::Form` handler does (serde's urlencoded reader into a struct, no rules checked).

use alder::db::chrono::NaiveDate;
use alder::db::Choices;
use alder::forms::{Form, FormData};
use criterion::{criterion_main, Criterion};
use std::hint::black_box;

#[derive(Choices, Clone, Copy, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum Plan {
    Free,
    Team,
    Enterprise,
}

#[derive(Form)]
#[allow(dead_code)] // read through black_box
struct Signup {
    #[form(max_length = 80)]
    name: String,
    #[form(email, max_length = 254)]
    email: String,
    #[form(slug, max_length = 30)]
    username: String,
    #[form(min = 13, max = 130)]
    age: i32,
    #[form(url)]
    website: Option<String>,
    plan: Plan,
    #[form(min_length = 10, widget = "textarea")]
    about: String,
    starts: NaiveDate,
    #[form(min = 1, max = 500)]
    seats: i64,
    newsletter: bool,
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct PlainSignup {
    name: String,
    email: String,
    username: String,
    age: i32,
    website: Option<String>,
    plan: Plan,
    about: String,
    starts: NaiveDate,
    seats: i64,
    #[serde(default)]
    newsletter: Option<String>,
}

const BODY: &str = "name=Ada+Lovelace&email=ada%40example.com&username=ada-l&age=36\
    &website=https%3A%2F%2Fexample.com%2Fada&plan=team&about=Writes+the+first+programs.\
    &starts=2026-12-04&seats=12&newsletter=on";

fn bench(c: &mut Criterion) {
    assert!(Signup::validate(&FormData::parse(BODY)).is_ok());
    let mut group = c.benchmark_group("ten_field_form");
    group.bench_function("axum_form", |b| {
        b.iter(|| serde_urlencoded::from_str::<PlainSignup>(black_box(BODY)).is_ok())
    });
    group.bench_function("alder_form", |b| {
        b.iter(|| Signup::validate(&FormData::parse(black_box(BODY))).is_ok())
    });
    group.finish();
}

#[allow(missing_docs)] // criterion_group! writes an undocumented function
mod group {
    criterion::criterion_group!(benches, super::bench);
}
use group::benches;
criterion_main!(benches);
