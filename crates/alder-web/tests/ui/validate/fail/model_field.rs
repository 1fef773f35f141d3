use alder_web::db::{Auto, Model};
use alder_web::valid::Validate;

#[derive(Model)]
struct Review {
    id: Auto<i64>,
    stars: i32,
}

#[derive(serde::Deserialize, Validate)]
#[validate(model = "Review")]
struct NewReview {
    stars: i32,
    // Not a field of Review.
    comment: String,
}

fn main() {}
