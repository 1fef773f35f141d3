use alder_db::{Auto, Model};

#[derive(Model)]
struct Post {
    id: Auto<i64>,
    title: String,
}

#[derive(Model)]
struct Author {
    id: Auto<i64>,
    name: String,
}

async fn rename(db: &alder_db::Database) {
    let _ = Post::objects().update(db, [Author::name().set("x")]).await;
}

fn main() {
    let _ = rename;
}
