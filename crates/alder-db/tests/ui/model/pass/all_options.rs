use alder_db::{Auto, Model};

#[derive(Model)]
#[model(table = "shop_item", ordering = "-price, name", verbose_name = "item", unique_together = "name, sku", index = "price")]
struct Item {
    id: Auto<i32>,
    #[model(max_length = 80, db_index)]
    name: String,
    #[model(unique, db_column = "stock_keeping_unit", max_length = 12)]
    sku: Option<String>,
    #[model(db_default = "0")]
    price: i64,
}

#[derive(Model)]
struct Tag {
    #[model(primary_key, max_length = 30)]
    slug: String,
}

fn main() {
    let _ = Item::objects().filter(Item::name().icontains("x") & Item::price().gt(3));
    let _ = Tag::objects().filter(Tag::slug().eq("rust"));
    assert_eq!(<Item as Model>::META.table, "shop_item");
}
