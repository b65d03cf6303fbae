//! The public API answers as its OpenAPI document says.

use mutua_tests::coop::*;
use mutua_tests::*;
use serde_json::Value;

/// Resolves `{"$ref": "#/components/schemas/X"}`.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        Some(name) => &doc["components"]["schemas"][name],
        None => schema,
    }
}

/// Checks that `value` has every required property of `schema`, recursively
/// for objects and arrays.
fn conforms(doc: &Value, schema: &Value, value: &Value, path: &str) {
    let schema = resolve(doc, schema);
    if let Some(required) = schema["required"].as_array() {
        for key in required.iter().filter_map(Value::as_str) {
            assert!(
                !value[key].is_null(),
                "{path}.{key} is documented as required: {value}"
            );
        }
    }
    if let Some(props) = schema["properties"].as_object() {
        for (key, sub) in props {
            if !value[key].is_null() {
                conforms(doc, sub, &value[key], &format!("{path}.{key}"));
            }
        }
    }
    if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
        for (i, v) in values.iter().enumerate() {
            conforms(doc, items, v, &format!("{path}[{i}]"));
        }
    }
}

on_both_databases!(
    every_documented_path_answers_as_documented,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db);
        let anna = member(&server, "anna@example.it", "worker").await;
        let id = published(&anna, &[]).await;
        let c = server.client();

        let res = c.get("/api/v1/openapi.json").await;
        assert_eq!(res.status(), 200);
        let doc: Value = res.json().await.expect("json");
        assert!(
            doc["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.1")),
            "OpenAPI 3.1"
        );
        let paths = doc["paths"].as_object().expect("paths");
        assert!(
            paths.contains_key("/api/v1/listings") && paths.contains_key("/api/v1/listings/{id}")
        );

        for (template, item) in paths {
            let op = &item["get"];
            assert!(op.is_object(), "{template} has a GET");
            // A good request and a bad one for each path.
            let (good, bad) = if template.contains("{id}") {
                (
                    template.replace("{id}", &id.to_string()),
                    template.replace("{id}", &uuid::Uuid::now_v7().to_string()),
                )
            } else {
                (
                    format!("{template}?q=pulizie&per_page=5"),
                    format!("{template}?page=-1"),
                )
            };
            for url in [good, bad] {
                let res = c.get(&url).await;
                let status = res.status().as_u16().to_string();
                let documented = &op["responses"][&status];
                assert!(
                    documented.is_object(),
                    "{url} answered {status}, which is not documented"
                );
                assert!(
                    header(&res, "content-type").starts_with("application/json"),
                    "{url}"
                );
                let body: Value = res.json().await.expect("json body");
                let schema = &documented["content"]["application/json"]["schema"];
                conforms(&doc, schema, &body, &url);
            }
        }

        // The list answers the contract's shape.
        let v: Value = c.get("/api/v1/listings").await.json().await.expect("json");
        assert_eq!(v["total"], 1);
        assert_eq!(v["page"], 1);
        assert_eq!(v["per_page"], 20);
        let item = &v["items"][0];
        for key in ["id", "title", "kind", "category", "price", "provider"] {
            assert!(!item[key].is_null(), "{key}");
        }
        assert_eq!(item["price"]["currency"], "EUR");
        assert_eq!(item["provider"]["name"], "anna");
    }
);

/// How many listings the home page shows a visitor (a cached public read).
async fn listed(c: &Client) -> i64 {
    let v: Value = c
        .post_form("/fn/recent", &[])
        .await
        .json()
        .await
        .expect("json");
    v.as_array()
        .map(|a| a.len() as i64)
        .unwrap_or_else(|| panic!("not a list: {v}"))
}

on_both_databases!(
    only_public_writes_drop_the_public_cache,
    |backend| async move {
        let db = TestDb::new(backend).await;
        // Reads are kept a minute here, so only a drop can refresh them.
        let server = TestServer::start_with(&db, &[("MUTUA_PUBLIC_CACHE_MS", "60000")]);
        let m = mutua_tests::market::market(&server).await;
        let visitor = server.client();
        // Reads are kept per language: the visitor reads in English.
        let english = [("lang", "en"), ("next", "/")];
        visitor.post_form_with("/locale", &english, &[]).await;
        assert_eq!(listed(&visitor).await, 2);
        // Changed behind the server's back: the cached read stands…
        db.execute("UPDATE listings SET status = 'paused' WHERE title = 'Riparazione bicicletta'")
            .await;
        assert_eq!(listed(&visitor).await, 2);
        // …through a change of language and reads by POST…
        let res = visitor.post_form_with("/locale", &english, &[]).await;
        assert_eq!(res.status(), 303);
        for name in ["/fn/viewer", "/fn/categories", "/fn/recent"] {
            assert!(
                visitor.post_form(name, &[]).await.status().is_success(),
                "{name}"
            );
        }
        assert_eq!(listed(&visitor).await, 2);
        // …until a write that changes public data.
        call(
            &m.board,
            "zone-add",
            &[
                ("name", "Porto"),
                ("postcodes", "40127"),
                ("latitude", "44.5000"),
                ("longitude", "11.3300"),
            ],
        )
        .await
        .expect("zone");
        assert_eq!(listed(&visitor).await, 1);
    }
);

on_both_databases!(
    schemathesis_finds_nothing_wrong_with_the_api,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db);
        let anna = member(&server, "anna@example.it", "worker").await;
        published(&anna, &[]).await;
        // Every check, on requests generated from the document (valid ones
        // must be accepted, invalid ones refused, answers as documented),
        // with a fixed seed so a failure can be replayed.
        let tool = workspace_root().join("tests/.venv/bin/schemathesis");
        let work = db.data_dir().join("schemathesis");
        std::fs::create_dir_all(&work).expect("work dir");
        let schema = format!("{}/api/v1/openapi.json", server.url);
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new(&tool)
                .args(["run", &schema, "--checks", "all", "--workers", "1"])
                .args(["--max-examples", "60", "--seed", "20261203"])
                .current_dir(&work)
                .env("NO_COLOR", "1")
                .output()
                .unwrap_or_else(|e| panic!("{}: {e} (run .ci/setup --test)", tool.display()))
        })
        .await
        .expect("schemathesis");
        assert!(
            out.status.success(),
            "schemathesis found problems:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
);
