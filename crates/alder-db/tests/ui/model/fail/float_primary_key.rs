use alder_db::Model;

#[derive(Model)]
struct Reading {
    #[model(primary_key)]
    value: f64,
}

fn main() {}
