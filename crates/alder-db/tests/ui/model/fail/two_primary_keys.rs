use alder_db::Model;

#[derive(Model)]
struct Pair {
    #[model(primary_key)]
    a: i32,
    #[model(primary_key)]
    b: i32,
}

fn main() {}
