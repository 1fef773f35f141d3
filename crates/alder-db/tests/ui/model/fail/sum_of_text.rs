use alder_db::{Auto, Model};

#[derive(Model)]
struct Post {
    id: Auto<i64>,
    title: String,
}

fn main() {
    let _ = Post::title().sum();
}
