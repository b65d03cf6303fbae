//! Turns the language files (`locales/*.toml`) into one static table per
//! language, `IT`, `EN` and `ES`, of the struct `Strings`, whose fields are
//! the keys in the Italian file's order. A key missing from a language, one
//! it has in excess, or one of another kind (a string, a list, a plural)
//! stops the build with the keys named: no page can show a hole.
//!
//! Kinds: `key = "text"` is a `&'static str`; `key = ["a", "b"]` a
//! `[&'static str; N]` (the same N everywhere); `key = { one = "…", other
//! = "…" }` a `Plural`, whose `{n}` is replaced by the count. The table
//! `[mail]` becomes `MailStrings` (`MAIL_IT`, …): the e-mails, which only
//! the server reads, so the browser bundle does not carry them.

use std::fmt::Write as _;
use std::path::Path;
use toml::Value;

const LANGUAGES: [(&str, &str); 3] = [("it", "IT"), ("en", "EN"), ("es", "ES")];

/// What a key holds, as the generated struct types it.
#[derive(PartialEq)]
enum Kind {
    Text,
    List(usize),
    Plural,
}

fn kind_of(key: &str, v: &Value) -> Result<Kind, String> {
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

fn rust_type(k: &Kind) -> String {
    match k {
        Kind::Text => "&'static str".into(),
        Kind::List(n) => format!("[&'static str; {n}]"),
        Kind::Plural => "Plural".into(),
    }
}

fn literal(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(literal).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Table(t) => format!(
            "Plural {{ one: {}, other: {} }}",
            literal(&t["one"]),
            literal(&t["other"])
        ),
        _ => unreachable!("kinds are checked first"),
    }
}

/// The struct `name` and one static per language, from each file's
/// entries (`pick` chooses the pages' keys or the mail table).
fn generate(
    out: &mut String,
    name: &str,
    prefix: &str,
    files: &[(&str, &str, toml::Table)],
    pick: fn(&toml::Table) -> toml::Table,
) -> Result<(), String> {
    let reference = pick(&files[0].2);
    let mut kinds = Vec::new();
    for (key, v) in &reference {
        kinds.push((key.clone(), kind_of(key, v)?));
    }
    let mut problems = Vec::new();
    for (code, _, table) in files {
        let table = pick(table);
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
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    writeln!(out, "pub struct {name} {{").ok();
    for (key, kind) in &kinds {
        writeln!(out, "    pub {key}: {},", rust_type(kind)).ok();
    }
    writeln!(out, "}}\n").ok();
    for (_, upper, table) in files {
        let table = pick(table);
        writeln!(out, "pub static {prefix}{upper}: {name} = {name} {{").ok();
        for (key, _) in &kinds {
            writeln!(out, "    {key}: {},", literal(&table[key])).ok();
        }
        writeln!(out, "}};\n").ok();
    }
    Ok(())
}

fn pages(t: &toml::Table) -> toml::Table {
    t.iter()
        .filter(|(k, _)| k.as_str() != "mail")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn mail(t: &toml::Table) -> toml::Table {
    t.get("mail")
        .and_then(Value::as_table)
        .cloned()
        .unwrap_or_default()
}

fn main() {
    let dir = Path::new("locales");
    println!("cargo:rerun-if-changed=locales");
    let mut files = Vec::new();
    for (code, upper) in LANGUAGES {
        let path = dir.join(format!("{code}.toml"));
        println!("cargo:rerun-if-changed={}", path.display());
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let table: toml::Table = text
            .parse()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        files.push((code, upper, table));
    }
    let mut out = String::from("// Generated by build.rs from locales/*.toml: edit those.\n\n");
    let result = generate(&mut out, "Strings", "", &files, pages)
        .and_then(|()| generate(&mut out, "MailStrings", "MAIL_", &files, mail));
    if let Err(problems) = result {
        panic!("the language files differ:\n{problems}");
    }
    let dest =
        Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("strings.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
}
