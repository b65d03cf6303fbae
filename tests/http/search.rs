//! Search: accents and case, filters combined, sorting, page boundaries.
//! The same queries and the same expected answers run on both databases.

use mutua_tests::coop::*;
use mutua_tests::*;
use serde_json::Value;

async fn titles(c: &Client, query: &str) -> (u64, Vec<String>) {
    let res = c.get(&format!("/api/v1/listings?{query}")).await;
    assert_eq!(res.status(), 200, "{query}");
    let v: Value = res.json().await.expect("json");
    let titles = v["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["title"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    (v["total"].as_u64().unwrap_or(u64::MAX), titles)
}

on_both_databases!(search_finds_the_same_everywhere, |backend| async move {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db);
    let board = board(&server).await;
    let anna = member(&server, "anna@example.it", "worker").await;
    let bici = member(&server, "bici@example.it", "worker").await;
    call(
        &board,
        "zone-add",
        &[
            ("name", "Bolognina"),
            ("postcodes", "40128"),
            ("latitude", "44.51"),
            ("longitude", "11.34"),
        ],
    )
    .await
    .expect("zone");
    let zones = call(&server.client(), "zones", &[]).await.expect("zones");
    let zone = zones[0]["id"].as_str().expect("zone id").to_owned();

    published(
        &anna,
        &[
            ("title", "Riparazione macchine da caffè"),
            ("category", "riparazioni"),
            ("price", "22"),
            ("description", "Guarnizioni della moka e decalcificazione."),
        ],
    )
    .await;
    published(
        &anna,
        &[
            ("title", "Pulizia uffici"),
            ("price", "80"),
            ("description", "Uffici e studi; niente caffè, solo pulizie."),
        ],
    )
    .await;
    published(
        &anna,
        &[
            ("title", "Orli e cerniere"),
            ("category", "sartoria"),
            ("price", "12,50"),
            (
                "description",
                "Sartoria di quartiere, perché i pantaloni durino.",
            ),
        ],
    )
    .await;
    let courier = published(
        &bici,
        &[
            ("kind", "delivery"),
            ("category", "consegne"),
            ("title", "Consegna in cargo-bike"),
            ("price_model", "distance"),
            ("price", "4"),
            ("per_km", "0,90"),
            ("max_km", "12"),
            ("duration_minutes", ""),
            ("description", "Pacchi fino a 80 kg, anche caffè in grani."),
        ],
    )
    .await;
    call(
        &bici,
        "listing-zone-add",
        &[("id", &courier.to_string()), ("zone", &zone)],
    )
    .await
    .expect("zone served");
    // A draft never shows.
    let res = anna
        .post_form(
            "/fn/listing-save",
            &service_form(&[("title", "Caffè in bozza")]),
        )
        .await;
    assert_eq!(res.status(), 200);

    let c = server.client();
    // Accents and case fold both ways; every word must match.
    let (n, t) = titles(&c, "q=caffe&sort=relevance").await;
    assert_eq!(n, 3);
    assert_eq!(
        t[0], "Riparazione macchine da caffè",
        "a title match ranks first"
    );
    assert_eq!(titles(&c, "q=CAFFÈ").await.0, 3);
    assert_eq!(titles(&c, "q=perche").await.1, vec!["Orli e cerniere"]);
    assert_eq!(
        titles(&c, "q=caffe+moka").await.1,
        vec!["Riparazione macchine da caffè"]
    );
    assert_eq!(titles(&c, "q=caffe+astronave").await.0, 0);
    // Category names in every language are searchable.
    assert_eq!(titles(&c, "q=tailoring").await.1, vec!["Orli e cerniere"]);
    assert_eq!(titles(&c, "q=sastreria").await.1, vec!["Orli e cerniere"]);
    // Filters combine.
    assert_eq!(
        titles(&c, "q=caffe&kind=delivery").await.1,
        vec!["Consegna in cargo-bike"]
    );
    assert_eq!(
        titles(&c, &format!("zone={zone}")).await.1,
        vec!["Consegna in cargo-bike"]
    );
    assert_eq!(
        titles(&c, "kind=service&min=12,50&max=25&sort=price")
            .await
            .1,
        vec!["Orli e cerniere", "Riparazione macchine da caffè"]
    );
    assert_eq!(
        titles(&c, "category=pulizie&q=uffici").await.1,
        vec!["Pulizia uffici"]
    );
    assert_eq!(
        titles(&c, "sort=price_desc").await.1,
        vec![
            "Pulizia uffici",
            "Riparazione macchine da caffè",
            "Orli e cerniere",
            "Consegna in cargo-bike"
        ]
    );
    // Pages: 4 results, 3 per page.
    let (n, p1) = titles(&c, "sort=price&per_page=3&page=1").await;
    let (_, p2) = titles(&c, "sort=price&per_page=3&page=2").await;
    let (_, p3) = titles(&c, "sort=price&per_page=3&page=3").await;
    assert_eq!((n, p1.len(), p2.len(), p3.len()), (4, 3, 1, 0));
    assert!(!p1.contains(&p2[0]));
    // Bad filters are refused with the field named.
    for bad in [
        "page=0",
        "per_page=101",
        "min=abc",
        "kind=robot",
        "sort=random",
        "zone=nope",
        "zone=",
        "kind=service&kind=delivery",
        "page=+2",
    ] {
        let res = c.get(&format!("/api/v1/listings?{bad}")).await;
        assert_eq!(res.status(), 422, "{bad}");
    }
    // A price range whose top is below its bottom holds nothing.
    let (n, empty) = titles(&c, "min=30&max=10").await;
    assert_eq!((n, empty.len()), (0, 0));

    // The search page shows the same results, in the visitor's language.
    let html = c
        .get_with("/search?q=caffe&sort=price", &[("accept-language", "en")])
        .await
        .text()
        .await
        .expect("page");
    let count = html
        .split("data-testid=\"result-count\"")
        .nth(1)
        .unwrap_or_default()
        .chars()
        .take(80)
        .collect::<String>();
    assert!(html.contains("3 results"), "count shown: {count}");
    assert!(html.contains("€22.00"), "price in the English format");
    let html = c
        .get("/search?q=caffe&sort=price")
        .await
        .text()
        .await
        .expect("page");
    assert!(html.contains("22,00\u{a0}€"), "price in the Italian format");
    assert!(!html.contains("Caffè in bozza"));
    let html = c
        .get("/search?page=2&per_page=3")
        .await
        .text()
        .await
        .expect("page");
    assert!(html.contains("4 risultati"));
});

on_both_databases!(
    stemmed_search_finds_singular_and_plural_in_three_languages,
    |backend| async move {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db);
        let anna = member(&server, "anna@example.it", "worker").await;
        for (category, title, description) in [
            (
                "riparazioni",
                "Riparazione di divani",
                "Rifacciamo cuscini e molle.",
            ),
            (
                "pulizie",
                "Limpieza de ventanas",
                "Cristales de casas y tiendas.",
            ),
            (
                "artigianato",
                "Battery replacement",
                "New cells for cargo bikes.",
            ),
            ("cura-persona", "Pulizia vetri", "Vetrine e finestre."),
        ] {
            published(
                &anna,
                &[
                    ("category", category),
                    ("title", title),
                    ("description", description),
                    ("price", "30"),
                ],
            )
            .await;
        }
        let c = server.client();
        for (query, expected) in [
            // Italian: plural for singular and back.
            ("riparazioni", "Riparazione di divani"),
            ("divano", "Riparazione di divani"),
            ("riparazione+divano", "Riparazione di divani"),
            ("cuscino", "Riparazione di divani"),
            ("vetro", "Pulizia vetri"),
            ("vetrina", "Pulizia vetri"),
            // Spanish.
            ("ventana", "Limpieza de ventanas"),
            ("limpiezas", "Limpieza de ventanas"),
            ("cristal", "Limpieza de ventanas"),
            // English.
            ("batteries", "Battery replacement"),
            ("bike", "Battery replacement"),
            ("replacements", "Battery replacement"),
        ] {
            let (n, t) = titles(&c, &format!("q={query}")).await;
            assert_eq!((n, t), (1, vec![expected.to_owned()]), "{query}");
        }
        // A stem alone is not a licence to match anything.
        assert_eq!(titles(&c, "q=divano+ventana").await.0, 0);
        // "No results" says what to try, each a search of its own.
        let page = c
            .get("/search?q=divano+ventana&category=pulizie")
            .await
            .text()
            .await
            .expect("page");
        assert!(
            page.contains("data-testid=\"no-results\""),
            "no results shown"
        );
        assert!(page.contains("cerca solo «ventana»"), "fewer words offered");
        assert!(page.contains("href=\"/search?q=ventana&amp;category=pulizie&amp;page=1\""));
        assert!(page.contains("tutte le categorie") && page.contains("href=\"/search\""));
        assert_eq!(titles(&c, "q=astronavi").await.0, 0);

        // Listings indexed before stemming are indexed again when the
        // server starts (as after an upgrade).
        db.execute("UPDATE listings SET search_text = title, search_title = title")
            .await;
        db.execute("DELETE FROM coop_settings WHERE key = 'search_index_version'")
            .await;
        drop(c);
        drop(server);
        let server = TestServer::start(&db);
        let c = server.client();
        assert_eq!(titles(&c, "q=divano").await.0, 1);
        assert_eq!(titles(&c, "q=cristal").await.0, 1);
    }
);
