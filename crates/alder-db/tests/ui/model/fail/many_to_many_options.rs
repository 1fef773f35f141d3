use alder_db::{Auto, ManyToMany, Model};

#[derive(Model)]
struct Tag {
    id: Auto<i64>,
}

#[derive(Model)]
struct Post {
    id: Auto<i64>,
    #[model(through_fields = "post, tag")]
    tags: ManyToMany<Tag>,
}

fn main() {}
