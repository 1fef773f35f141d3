use alder_db::{Auto, Model};

#[derive(Model)]
struct Note {
    id: Auto<i64>,
    views: i32,
}

fn main() {
    let _ = Note::objects().filter(Note::views().eq("many"));
    let _ = Note::objects().filter(Note::views().contains("1"));
}
