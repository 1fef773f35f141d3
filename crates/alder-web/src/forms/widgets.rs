//! The HTML of one field's control, with the attributes its rules imply (`required`,
//! `maxlength`, `minlength`, `pattern`, `min`, `max`, `step`, `type=email`), so the browser
//! refuses what the server would, and the accessibility attributes that tie it to its help
//! text and errors (`aria-describedby`, `aria-invalid`).

use alder_db::meta::{FieldKind, Limit, Validator};

use super::bound::BoundField;
use super::Widget;

/// Appends `text` with `& < > " '` escaped, as Django's `escape` (HTML you write by hand:
/// a widget, a page outside the templates); [`escape_html`](crate::escape_html) returns it.
///
/// ```
/// let mut out = String::from("<p>");
/// alder_web::escape_html_into(&mut out, "Tom & \"Jerry\"");
/// assert_eq!(out, "<p>Tom &amp; &quot;Jerry&quot;");
/// ```
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
}

fn attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    escape_into(out, value);
    out.push('"');
}

/// `<label for="id_title">Title</label>`.
pub(crate) fn label_tag(field: &BoundField<'_>) -> String {
    let mut out = String::from("<label");
    if !matches!(field.definition().widget, Widget::Radio) {
        attr(&mut out, "for", &field.id());
    }
    out.push('>');
    escape_into(&mut out, field.definition().label);
    out.push_str("</label>");
    out
}

/// `<ul class="errorlist" id="id_title_error"><li>…</li></ul>`, or nothing.
pub(crate) fn error_list(messages: &[&str], id: Option<&str>) -> String {
    if messages.is_empty() {
        return String::new();
    }
    let mut out = String::from("<ul class=\"errorlist\"");
    if let Some(id) = id {
        attr(&mut out, "id", id);
    }
    out.push('>');
    for message in messages {
        out.push_str("<li>");
        escape_into(&mut out, message);
        out.push_str("</li>");
    }
    out.push_str("</ul>");
    out
}

/// The attributes every control of the field carries.
fn common(out: &mut String, field: &BoundField<'_>, with_id: bool) {
    let def = field.definition();
    attr(out, "name", &field.html_name());
    if with_id {
        attr(out, "id", &field.id());
    }
    // A required list of checkboxes asks for one box, which HTML cannot say: a `required` on
    // each box would demand every one (Django leaves it out too).
    let checkbox_list = def.multiple && def.widget == Widget::Radio;
    // A file field that holds a file already need not be sent again.
    let has_file = def.meta.file.is_some() && !field.value().is_empty();
    if def.required && def.widget != Widget::Hidden && !checkbox_list && !has_file {
        out.push_str(" required");
    }
    if def.widget == Widget::Hidden {
        return;
    }
    let mut described = Vec::new();
    if !def.meta.help_text.is_empty() {
        described.push(format!("{}_helptext", field.id()));
    }
    if !field.errors().is_empty() {
        described.push(format!("{}_error", field.id()));
        out.push_str(" aria-invalid=\"true\"");
    }
    if !described.is_empty() {
        attr(out, "aria-describedby", &described.join(" "));
    }
}

fn text_rules(out: &mut String, field: &BoundField<'_>) {
    let meta = &field.definition().meta;
    if let Some(max) = meta.max_length {
        attr(out, "maxlength", &max.to_string());
    }
    for validator in meta.validators {
        match validator {
            Validator::MinLength(n) => attr(out, "minlength", &n.to_string()),
            Validator::Regex(pattern) => attr(out, "pattern", pattern),
            _ => {}
        }
    }
}

fn number_rules(out: &mut String, field: &BoundField<'_>) {
    let meta = &field.definition().meta;
    for validator in meta.validators {
        match validator {
            Validator::MinValue(limit) => attr(out, "min", &limit_text(*limit)),
            Validator::MaxValue(limit) => attr(out, "max", &limit_text(*limit)),
            _ => {}
        }
    }
    let step = match (meta.kind, meta.decimal) {
        (FieldKind::Float, _) => "any".to_string(),
        (FieldKind::Decimal, Some((_, 0))) => "1".to_string(),
        (FieldKind::Decimal, Some((_, places))) => {
            format!("0.{}1", "0".repeat(places as usize - 1))
        }
        (FieldKind::Decimal, None) => "any".to_string(),
        _ => return, // integers: the browser's default step is 1
    };
    attr(out, "step", &step);
}

fn limit_text(limit: Limit) -> String {
    limit.to_string()
}

fn input(out: &mut String, field: &BoundField<'_>, kind: &str) {
    out.push_str("<input");
    attr(out, "type", kind);
    common(out, field, true);
    let value = field.value();
    if !value.is_empty() && kind != "file" {
        attr(out, "value", value);
    }
    match kind {
        "number" => number_rules(out, field),
        "text" | "email" | "url" | "password" => text_rules(out, field),
        _ => {}
    }
    out.push('>');
}

/// A model's file field, as Django's `ClearableFileInput`: the file it holds (a link once
/// the form knows the storage), a "Clear" box when it may be left empty, then the input.
fn stored_file_input(out: &mut String, field: &BoundField<'_>) {
    let def = field.definition();
    let current = field.value();
    if !current.is_empty() {
        out.push_str("Currently: ");
        match field.file_url() {
            Some(url) => {
                out.push_str("<a");
                attr(out, "href", url);
                out.push('>');
                escape_into(out, current);
                out.push_str("</a>");
            }
            None => escape_into(out, current),
        }
        if !def.required {
            let name = super::stored_file::clear_name(&field.html_name());
            let id = format!("{name}_id");
            out.push_str(" <input type=\"checkbox\"");
            attr(out, "name", &name);
            attr(out, "id", &id);
            out.push_str("> <label");
            attr(out, "for", &id);
            out.push_str(">Clear</label>");
        }
        out.push_str("<br>Change: ");
    }
    out.push_str("<input type=\"file\"");
    common(out, field, true);
    if def.meta.file == Some(alder_db::meta::FileKind::Image) {
        attr(out, "accept", "image/*");
    }
    out.push('>');
}

/// The choices to offer: the field's own, with an empty first option for a single select
/// that may be left empty (Django's `---------`).
/// A relation field's come from the database: `None` until the form has loaded them.
fn choices<'a>(field: &BoundField<'a>) -> Option<Vec<(&'a str, &'a str)>> {
    let def = field.definition();
    if def.relation.is_none() {
        return Some(def.meta.choices.to_vec());
    }
    let loaded = field.form().related_choices(def.name())?;
    Some(
        loaded
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect(),
    )
}

/// Drawn in place of the options of a relation field whose choices were never loaded: a
/// mistake of the code, shown where its author will see it rather than as an empty list.
const NOT_LOADED: &str = "<option value=\"\" disabled>(choices not loaded: call load_choices(&amp;db) on the form)</option>";

/// The control's HTML.
pub(crate) fn widget(field: &BoundField<'_>) -> String {
    let def = field.definition();
    let mut out = String::new();
    match def.widget {
        Widget::Text => input(&mut out, field, "text"),
        Widget::Password => input(&mut out, field, "password"),
        Widget::Email => input(&mut out, field, "email"),
        Widget::Url => input(&mut out, field, "url"),
        Widget::Number => input(&mut out, field, "number"),
        Widget::Date => input(&mut out, field, "date"),
        Widget::Time => input(&mut out, field, "time"),
        Widget::DateTime => input(&mut out, field, "datetime-local"),
        Widget::Hidden => input(&mut out, field, "hidden"),
        Widget::File if def.meta.file.is_some() => stored_file_input(&mut out, field),
        Widget::File => input(&mut out, field, "file"),
        Widget::Checkbox => {
            out.push_str("<input type=\"checkbox\"");
            common(&mut out, field, true);
            if field.shows("") {
                out.push_str(" checked");
            }
            out.push('>');
        }
        Widget::Textarea => {
            out.push_str("<textarea");
            common(&mut out, field, true);
            out.push_str(" cols=\"40\" rows=\"10\"");
            text_rules(&mut out, field);
            out.push('>');
            // A newline after the tag is dropped by HTML parsers, so a value starting with
            // one keeps it.
            out.push('\n');
            escape_into(&mut out, field.value());
            out.push_str("</textarea>");
        }
        Widget::Select => {
            out.push_str("<select");
            common(&mut out, field, true);
            if def.multiple {
                out.push_str(" multiple");
            }
            out.push('>');
            if !def.multiple && !def.required {
                out.push_str("<option value=\"\">---------</option>");
            } else if !def.multiple && field.value().is_empty() {
                // Nothing chosen yet: a required select shows a prompt the browser refuses.
                out.push_str("<option value=\"\" selected disabled>---------</option>");
            }
            let Some(options) = choices(field) else {
                out.push_str(NOT_LOADED);
                out.push_str("</select>");
                return out;
            };
            for (value, label) in options {
                out.push_str("<option");
                attr(&mut out, "value", value);
                if field.shows(value) {
                    out.push_str(" selected");
                }
                out.push('>');
                escape_into(&mut out, label);
                out.push_str("</option>");
            }
            out.push_str("</select>");
        }
        Widget::Radio => {
            let kind = if def.multiple { "checkbox" } else { "radio" };
            out.push_str("<div");
            attr(&mut out, "id", &field.id());
            out.push('>');
            for (i, (value, label)) in choices(field).unwrap_or_default().into_iter().enumerate() {
                let id = format!("{}_{i}", field.id());
                out.push_str("<div><label");
                attr(&mut out, "for", &id);
                out.push_str("><input");
                attr(&mut out, "type", kind);
                common(&mut out, field, false);
                attr(&mut out, "value", value);
                attr(&mut out, "id", &id);
                if field.shows(value) {
                    out.push_str(" checked");
                }
                out.push('>');
                escape_into(&mut out, label);
                out.push_str("</label></div>");
            }
            out.push_str("</div>");
        }
    }
    out
}
