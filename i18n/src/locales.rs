//! The language files' rules, shared by the build script (which turns the
//! files into tables) and the tests: every file has the keys of `it.toml`,
//! each of the same kind.

use toml::{Table, Value};

/// What a key holds, as the generated struct types it.
#[derive(Debug, PartialEq)]
pub enum Kind {
    Text,
    List(usize),
    Plural,
}

pub fn kind_of(key: &str, v: &Value) -> Result<Kind, String> {
    match v {
        Value::String(_) => Ok(Kind::Text),
        Value::Array(items) if items.iter().all(Value::is_str) => Ok(Kind::List(items.len())),
        Value::Table(t)
            if t.len() == 2
                && t.get("one").is_some_and(Value::is_str)
                && t.get("other").is_some_and(Value::is_str) =>
        {
            Ok(Kind::Plural)
        }
        _ => Err(format!(
            "`{key}`: a string, a list of strings, or {{ one = \"…\", other = \"…\" }}"
        )),
    }
}

/// A language file's keys for the pages: all but the `[mail]` table.
pub fn pages(t: &Table) -> Table {
    t.iter()
        .filter(|(k, _)| k.as_str() != "mail")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// A language file's `[mail]` table: the e-mails.
pub fn mail(t: &Table) -> Table {
    t.get("mail")
        .and_then(Value::as_table)
        .cloned()
        .unwrap_or_default()
}

/// Each key of `reference` with its kind, and what every language file
/// (`(code, table)`) gets wrong against it: a key missing, one in excess,
/// or one of another kind.
pub fn check(reference: &Table, files: &[(&str, Table)]) -> (Vec<(String, Kind)>, Vec<String>) {
    let mut problems = Vec::new();
    let mut kinds = Vec::new();
    for (key, v) in reference {
        match kind_of(key, v) {
            Ok(k) => kinds.push((key.clone(), k)),
            Err(e) => problems.push(format!("it.toml: {e}")),
        }
    }
    for (code, table) in files {
        for (key, kind) in &kinds {
            match table.get(key) {
                None => problems.push(format!("{code}.toml: `{key}` is missing")),
                Some(v) => match kind_of(key, v) {
                    Ok(k) if k == *kind => {}
                    Ok(_) => problems.push(format!(
                        "{code}.toml: `{key}` is of another kind than in it.toml"
                    )),
                    Err(e) => problems.push(format!("{code}.toml: {e}")),
                },
            }
        }
        for key in table.keys() {
            if !reference.contains_key(key) {
                problems.push(format!("{code}.toml: `{key}` is not in it.toml"));
            }
        }
    }
    (kinds, problems)
}
