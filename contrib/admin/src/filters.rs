//! The change list's filter sidebar (Django's `list_filter`): what each filter reads from
//! the URL, and the choices it offers — yes/no, a field's choices, the rows a foreign key
//! may point to, dates ("Today", "Past 7 days", "This month", "This year"), "None" for a
//! nullable field, and filters of the project's own ([`ListFilter`]).

use std::sync::Arc;

use alder_db::chrono::{Datelike, Duration, NaiveDate};
use alder_db::{FieldKind, FieldMeta, QuerySet};

/// A filter of the project's own in the sidebar (Django's `SimpleListFilter`): a title, a
/// URL parameter, the choices offered, and what a chosen value does to the change list's
/// query. A value that is not among the choices reaches `apply` too: ignore it there.
///
/// ```
/// # use alder_db::{Auto, Model, QuerySet};
/// # #[derive(Model, alder_web::forms::Form, Default)]
/// # struct Book { id: Auto<i64>, title: String, pages: i32 }
/// use alder_admin::ListFilter;
/// let length = ListFilter::new("length", "By length", |books: QuerySet<Book>, value: &str| match value {
///     "short" => books.filter(Book::pages().lt(200)),
///     "long" => books.filter(Book::pages().gte(200)),
///     _ => books,
/// })
/// .choice("short", "Under 200 pages")
/// .choice("long", "200 pages or more");
/// let admin = alder_admin::ModelAdmin::<Book>::new().filter(length);
/// ```
pub struct ListFilter<M> {
    pub(crate) parameter: &'static str,
    pub(crate) title: &'static str,
    pub(crate) choices: Vec<(&'static str, &'static str)>,
    pub(crate) apply: ApplyFn<M>,
}

/// A custom filter's body: the query so far and the chosen value in, the query out.
pub(crate) type ApplyFn<M> = Arc<dyn Fn(QuerySet<M>, &str) -> QuerySet<M> + Send + Sync>;

impl<M> ListFilter<M> {
    /// A filter titled `title` ("By length") reading `?parameter=value`, with `apply`
    /// narrowing the query for a value.
    pub fn new<F>(parameter: &'static str, title: &'static str, apply: F) -> Self
    where
        F: Fn(QuerySet<M>, &str) -> QuerySet<M> + Send + Sync + 'static,
    {
        ListFilter {
            parameter,
            title,
            choices: Vec::new(),
            apply: Arc::new(apply),
        }
    }

    /// Offers `value`, labelled `label`.
    pub fn choice(mut self, value: &'static str, label: &'static str) -> Self {
        self.choices.push((value, label));
        self
    }
}

/// One filter as the sidebar draws it: its title, the URL keys it sets, and per choice its
/// label and the pairs it puts in the URL ("All" sets none).
#[derive(Debug)]
pub(crate) struct FilterSpec {
    pub(crate) title: String,
    pub(crate) keys: Vec<String>,
    pub(crate) choices: Vec<(String, Vec<(String, String)>)>,
}

/// Whether a field can be a `list_filter`.
pub(crate) fn filterable(field: &FieldMeta) -> bool {
    field.kind == FieldKind::Boolean
        || !field.choices.is_empty()
        || field.relation.is_some()
        || is_date(field.kind)
}

fn is_date(kind: FieldKind) -> bool {
    matches!(
        kind,
        FieldKind::Date | FieldKind::DateTime | FieldKind::NaiveDateTime
    )
}

/// The URL keys a field's filter reads: `field__exact` (dates: `__gte` and `__lt`), and
/// `field__isnull` for a nullable one.
pub(crate) fn field_keys(field: &FieldMeta) -> Vec<String> {
    let mut keys = if is_date(field.kind) {
        vec![
            format!("{}__gte", field.name),
            format!("{}__lt", field.name),
        ]
    } else {
        vec![format!("{}__exact", field.name)]
    };
    if field.nullable {
        keys.push(format!("{}__isnull", field.name));
    }
    keys
}

/// A field's filter: its choices from `options` (value, label) — yes/no, its choices, or
/// the rows of its foreign key — or, for a date, the spans ending `today`.
pub(crate) fn field_spec(
    field: &FieldMeta,
    options: Vec<(String, String)>,
    today: NaiveDate,
) -> FilterSpec {
    let exact = format!("{}__exact", field.name);
    let mut choices: Vec<(String, Vec<(String, String)>)> = if is_date(field.kind) {
        date_spans(field, today)
    } else {
        options
            .into_iter()
            .map(|(value, label)| (label, vec![(exact.clone(), value)]))
            .collect()
    };
    if field.nullable {
        let isnull = format!("{}__isnull", field.name);
        let (none, some) = if is_date(field.kind) {
            ("No date", "Has date")
        } else {
            ("None", "Not none")
        };
        choices.push((none.into(), vec![(isnull.clone(), "1".into())]));
        if is_date(field.kind) {
            choices.push((some.into(), vec![(isnull, "0".into())]));
        }
    }
    FilterSpec {
        title: format!("By {}", field.verbose_name),
        keys: field_keys(field),
        choices,
    }
}

/// Django's `DateFieldListFilter`: today, the past seven days, this month, this year, each
/// as `[start, end)` in the field's own text form.
fn date_spans(field: &FieldMeta, today: NaiveDate) -> Vec<(String, Vec<(String, String)>)> {
    let tomorrow = today + Duration::days(1);
    let month = today.with_day(1).unwrap_or(today);
    let next_month = if month.month() == 12 {
        NaiveDate::from_ymd_opt(month.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(month.year(), month.month() + 1, 1)
    }
    .unwrap_or(tomorrow);
    let year = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let next_year = NaiveDate::from_ymd_opt(today.year() + 1, 1, 1).unwrap_or(tomorrow);
    let text = |day: NaiveDate| match field.kind {
        FieldKind::Date => day.format("%Y-%m-%d").to_string(),
        FieldKind::NaiveDateTime => day.format("%Y-%m-%dT00:00:00").to_string(),
        _ => day.format("%Y-%m-%dT00:00:00Z").to_string(),
    };
    let span = |label: &str, start: NaiveDate, end: NaiveDate| {
        (
            label.to_owned(),
            vec![
                (format!("{}__gte", field.name), text(start)),
                (format!("{}__lt", field.name), text(end)),
            ],
        )
    };
    vec![
        span("Today", today, tomorrow),
        span("Past 7 days", today - Duration::days(7), tomorrow),
        span("This month", month, next_month),
        span("This year", year, next_year),
    ]
}

/// A custom filter's spec.
pub(crate) fn custom_spec<M>(filter: &ListFilter<M>) -> FilterSpec {
    FilterSpec {
        title: filter.title.to_owned(),
        keys: vec![filter.parameter.to_owned()],
        choices: filter
            .choices
            .iter()
            .map(|(value, label)| {
                (
                    (*label).to_owned(),
                    vec![(filter.parameter.to_owned(), (*value).to_owned())],
                )
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_spans_end_tomorrow_and_roll_over_the_year() {
        let mut field = FieldMeta::__new("published_at", "published_at", FieldKind::DateTime);
        field.nullable = true;
        let today = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        let spec = field_spec(&field, Vec::new(), today);
        let labels: Vec<_> = spec.choices.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Today",
                "Past 7 days",
                "This month",
                "This year",
                "No date",
                "Has date"
            ]
        );
        assert_eq!(
            spec.choices[0].1,
            [
                (
                    "published_at__gte".to_owned(),
                    "2026-12-31T00:00:00Z".to_owned()
                ),
                (
                    "published_at__lt".to_owned(),
                    "2027-01-01T00:00:00Z".to_owned()
                ),
            ]
        );
        assert_eq!(spec.choices[2].1[1].1, "2027-01-01T00:00:00Z");
        assert_eq!(
            spec.keys,
            [
                "published_at__gte",
                "published_at__lt",
                "published_at__isnull"
            ]
        );
    }
}
