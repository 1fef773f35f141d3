use alder_db::Model;

#[derive(Model)]
struct Note {
    text: String,
}

fn main() {}
