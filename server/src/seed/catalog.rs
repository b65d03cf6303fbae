//! Demo catalog: zones of Bologna and about forty listings with pictures
//! drawn at seed time (no downloads), availability and zones served.

use chrono::Datelike;
use domain::listing::{ListingInput, ListingStatus};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};
use services::entities::{listings, memberships, users, zones};
use services::{catalog, listings as service};
use std::path::Path;
use uuid::Uuid;

/// (name, postcodes, latitude, longitude)
const ZONES: &[(&str, &str, &str, &str)] = &[
    (
        "Centro Storico",
        "40121, 40122, 40123, 40124, 40125, 40126",
        "44.4938",
        "11.3426",
    ),
    ("Bolognina", "40128, 40129", "44.5130", "11.3460"),
    ("San Donato", "40127", "44.5090", "11.3700"),
    ("Saragozza", "40135, 40136", "44.4880", "11.3200"),
    ("Savena", "40137, 40138, 40139", "44.4770", "11.3780"),
    ("Borgo Panigale", "40132, 40133", "44.5120", "11.2850"),
];

pub async fn seed_zones(db: &DatabaseConnection) -> anyhow::Result<Vec<Uuid>> {
    for (name, postcodes, lat, lon) in ZONES {
        let exists = zones::Entity::find()
            .filter(zones::Column::Name.eq(*name))
            .one(db)
            .await?
            .is_some();
        if !exists {
            catalog::add_zone(
                db,
                catalog::NewZone {
                    name,
                    postcodes,
                    latitude: lat,
                    longitude: lon,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo zone {name}: {e}"))?;
        }
    }
    // In the order of `ZONES`, which listings' zones rely on.
    let all = catalog::zones(db).await?;
    Ok(ZONES
        .iter()
        .filter_map(|(name, ..)| all.iter().find(|z| z.name == *name).map(|z| z.id))
        .collect())
}

/// A listing template: category, title, description, price model and
/// figures as typed in the form (Italian notation).
struct Template {
    category: &'static str,
    title: &'static str,
    description: &'static str,
    model: &'static str,
    price: &'static str,
    extra: &'static str,
    duration: &'static str,
}

const fn fixed(
    category: &'static str,
    title: &'static str,
    description: &'static str,
    price: &'static str,
    duration: &'static str,
) -> Template {
    Template {
        category,
        title,
        description,
        model: "fixed",
        price,
        extra: "",
        duration,
    }
}

const fn hourly(
    category: &'static str,
    title: &'static str,
    description: &'static str,
    rate: &'static str,
    hours: &'static str,
) -> Template {
    Template {
        category,
        title,
        description,
        model: "hourly",
        price: rate,
        extra: hours,
        duration: "60",
    }
}

const fn delivery(
    title: &'static str,
    description: &'static str,
    base: &'static str,
    per_km: &'static str,
) -> Template {
    Template {
        category: "consegne",
        title,
        description,
        model: "distance",
        price: base,
        extra: per_km,
        duration: "",
    }
}

const TEMPLATES: &[Template] = &[
    hourly("pulizie", "Pulizie di casa settimanali", "Pulizia completa di appartamenti: cucina, bagni, pavimenti e polvere.\n\nUso prodotti ecologici certificati, portati da me.", "18,00", "2-6"),
    fixed("pulizie", "Pulizia a fondo dopo un trasloco", "Pulizia profonda di casa vuota prima o dopo un trasloco, vetri compresi.", "160,00", "300"),
    hourly("pulizie", "Pulizia uffici e studi", "Pulizia serale di piccoli uffici e studi professionali, anche con contratto continuativo.", "20,00", "2-4"),
    fixed("pulizie", "Lavaggio vetri e tapparelle", "Vetri, infissi e tapparelle di un appartamento fino a 90 m².", "75,00", "150"),
    fixed("pulizie", "Igienizzazione divani e materassi", "Lavaggio a vapore di divani e materassi, asciugatura rapida e senza detersivi aggressivi.", "90,00", "120"),
    fixed("riparazioni", "Riparazione biciclette", "Revisione completa: freni, cambio, catena e ruote. Ripariamo anche bici da carico e cargo-bike.", "35,00", "90"),
    hourly("riparazioni", "Piccole riparazioni domestiche", "Mensole, rubinetti che perdono, porte che non chiudono, lampadari da montare: il tuttofare di quartiere.", "25,00", "1-4"),
    fixed("riparazioni", "Riparazione caffettiere e macchine da caffè", "Sostituzione di guarnizioni e valvole della moka, decalcificazione delle macchine da caffè espresso.", "22,00", "45"),
    fixed("riparazioni", "Montaggio mobili", "Montaggio di armadi, letti e cucine in kit, con smaltimento degli imballaggi.", "60,00", "120"),
    fixed("riparazioni", "Riparazione elettrodomestici", "Diagnosi e riparazione di lavatrici, lavastoviglie e forni a domicilio. Il preventivo è gratuito.", "45,00", "60"),
    hourly("cura-persona", "Assistenza ad anziani a domicilio", "Compagnia, aiuto nei pasti e nelle piccole commissioni, passeggiate. Operatrice socio-sanitaria qualificata.", "17,00", "2-8"),
    hourly("cura-persona", "Baby-sitting serale", "Baby-sitter con esperienza per serate e fine settimana, anche per bambini piccolissimi.", "12,00", "2-6"),
    fixed("cura-persona", "Taglio di capelli a domicilio", "Parrucchiera a domicilio per persone che non possono uscire di casa.", "25,00", "45"),
    hourly("cura-persona", "Accompagnamento a visite mediche", "Accompagno in auto o con i mezzi a visite ed esami, e aspetto con voi.", "15,00", "1-4"),
    fixed("sartoria", "Orli e riparazioni sartoriali", "Orli di pantaloni e gonne, cerniere, toppe. Ritiro e consegna in bici su richiesta.", "12,00", "30"),
    fixed("sartoria", "Abiti su misura", "Abiti, gonne e camicie su misura, con stoffe scelte insieme. Due prove incluse.", "240,00", "180"),
    fixed("sartoria", "Tende e cuscini su misura", "Confezione di tende, cuscini e fodere per divani, con presa delle misure a casa vostra.", "80,00", "120"),
    fixed("sartoria", "Riparazione giacche e cappotti", "Sostituzione di fodere, bottoni e tasche di giacche e cappotti.", "30,00", "60"),
    fixed("artigianato", "Ceramiche fatte a mano", "Tazze, piatti e ciotole al tornio, smaltati a mano. Anche su ordinazione.", "28,00", "30"),
    fixed("artigianato", "Laboratorio di falegnameria per bambini", "Due ore di laboratorio: ogni bambino costruisce e porta a casa un piccolo gioco in legno.", "30,00", "120"),
    fixed("artigianato", "Restauro di sedie impagliate", "Rifacimento della seduta in paglia di Vienna o corda, pulizia e lucidatura del legno.", "70,00", "240"),
    fixed("artigianato", "Rilegatura artigianale di libri", "Rilegatura di tesi, quaderni e libri antichi, con copertina in tela o carta marmorizzata.", "40,00", "90"),
    delivery("Consegne in cargo-bike in centro", "Consegna di pacchi fino a 80 kg in cargo-bike elettrica, nella ZTL e in tutto il centro.\n\nSenza emissioni, senza permessi per la ZTL.", "4,00", "0,90"),
    delivery("Spesa a domicilio", "Facciamo la spesa al mercato o al supermercato per voi e la consegniamo entro due ore.", "5,00", "0,60"),
    delivery("Ritiro e consegna farmaci", "Ritiro di farmaci e referti in farmacia o in ambulatorio, consegna a domicilio in giornata.", "3,50", "0,70"),
    delivery("Trasloco leggero in bici", "Piccoli traslochi di scatoloni e mobili leggeri con la cargo-bike grande.", "12,00", "1,50"),
];

/// People offering the templates, in turn.
const PROVIDERS: &[&str] = &[
    "anna.rossi@mutua.example",
    "giulia.bianchi@mutua.example",
    "marco.esposito@mutua.example",
    "francesca.romano@mutua.example",
    "elena.greco@mutua.example",
    "matteo.bruno@mutua.example",
    "sofia.marino@mutua.example",
    "lorenzo.gallo@mutua.example",
];

/// Couriers get the delivery templates.
const COURIERS: &[&str] = &["matteo.bruno@mutua.example", "lorenzo.gallo@mutua.example"];

/// Days closed in every demo listing: Christmas, St Stephen's, New Year,
/// Epiphany (month, day).
const HOLIDAYS: &[(u32, u32)] = &[(12, 25), (12, 26), (1, 1), (1, 6)];

/// Neighbourhood variants that make 40 listings out of the templates.
const VARIANTS: &[&str] = &["", " — Bolognina", " — San Donato", " — Saragozza"];

fn input(t: &Template, title: String) -> ListingInput {
    let (kind, per_km, min_hours, max_hours, max_km) = match t.model {
        "distance" => (
            "delivery",
            t.extra.to_owned(),
            String::new(),
            String::new(),
            "12".to_owned(),
        ),
        "hourly" => {
            let (min, max) = t.extra.split_once('-').unwrap_or(("1", "4"));
            (
                "service",
                String::new(),
                min.to_owned(),
                max.to_owned(),
                String::new(),
            )
        }
        _ => (
            "service",
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ),
    };
    ListingInput {
        kind: kind.into(),
        category: t.category.into(),
        title,
        description: t.description.into(),
        price_model: t.model.into(),
        price: t.price.into(),
        per_km,
        min_hours,
        max_hours,
        max_km,
        duration_minutes: t.duration.into(),
        // Cleaning and care happen in the customer's home.
        at_customer: if matches!(t.category, "pulizie" | "cura-persona") {
            "on".into()
        } else {
            String::new()
        },
    }
}

/// A picture drawn for a category: a soft gradient with circles.
pub fn demo_picture(category: &str, seed: u32) -> Vec<u8> {
    let (r, g, b) = match category {
        "pulizie" => (70u8, 150u8, 200u8),
        "riparazioni" => (210, 120, 50),
        "cura-persona" => (200, 90, 130),
        "sartoria" => (130, 90, 190),
        "artigianato" => (170, 130, 70),
        _ => (60, 160, 100),
    };
    let (w, h) = (800u32, 600u32);
    let cx = (seed.wrapping_mul(97) % w) as f32;
    let cy = (seed.wrapping_mul(57) % h) as f32;
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let t = (x + y) as f32 / (w + h) as f32;
        let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
        let ring = if (d as u32 / 40).is_multiple_of(2) {
            1.0
        } else {
            0.85
        };
        let mix = |c: u8| ((f32::from(c) * (0.6 + 0.4 * t) + 255.0 * 0.4 * (1.0 - t)) * ring) as u8;
        image::Rgb([mix(r), mix(g), mix(b)])
    });
    let mut out = Vec::new();
    let _ = image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png);
    out
}

async fn user_id(db: &impl ConnectionTrait, email: &str) -> anyhow::Result<Uuid> {
    users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .one(db)
        .await?
        .map(|u| u.id)
        .ok_or_else(|| anyhow::anyhow!("demo member {email} missing"))
}

/// About forty active listings; skipped when the demo members already have some.
pub async fn seed_listings(
    db: &DatabaseConnection,
    data_dir: &Path,
    zone_ids: &[Uuid],
) -> anyhow::Result<usize> {
    let anna = user_id(db, PROVIDERS[0]).await?;
    let existing = listings::Entity::find()
        .filter(listings::Column::OwnerId.eq(anna))
        .count(db)
        .await?;
    if existing > 0 {
        return Ok(0);
    }
    let mut created = 0;
    let mut n: u32 = 0;
    let today = services::clock::wall_now().date_naive();
    'outer: for variant in VARIANTS {
        for (i, t) in TEMPLATES.iter().enumerate() {
            if created == 40 {
                break 'outer;
            }
            n += 1;
            let email = if t.model == "distance" {
                COURIERS[(i + created) % COURIERS.len()]
            } else {
                PROVIDERS[(i + created) % PROVIDERS.len()]
            };
            let owner = user_id(db, email).await?;
            let title = format!("{}{variant}", t.title);
            let id = service::create(db, owner, &input(t, title.clone()))
                .await
                .map_err(|e| anyhow::anyhow!("demo listing {title}: {e}"))?;
            // Weekdays, mornings or afternoons (evenings for evening work);
            // couriers also on Saturday.
            let days: &[&str] = if t.model == "distance" {
                &["0", "1", "2", "3", "4", "5"]
            } else if n.is_multiple_of(2) {
                &["0", "2", "4"]
            } else {
                &["1", "3", "5"]
            };
            // A long job gets a window it fits in.
            let long = t.model == "fixed" && t.duration.parse::<u32>().is_ok_and(|m| m > 240);
            let (start, end) = if t.title.contains("serale") || t.description.contains("serale") {
                ("18:00", "23:00")
            } else if long {
                ("08:00", "14:00")
            } else if n.is_multiple_of(3) {
                ("14:00", "18:00")
            } else {
                ("09:00", "13:00")
            };
            for day in days {
                service::parts::add_slot(db, owner, id, day, start, end)
                    .await
                    .map_err(|e| anyhow::anyhow!("demo slot: {e}"))?;
            }
            // Closed on the feast days nobody works by default.
            for (month, day) in HOLIDAYS {
                for year in [today.year(), today.year() + 1] {
                    if let Some(d) = chrono::NaiveDate::from_ymd_opt(year, *month, *day) {
                        if d >= today {
                            service::parts::add_closed(db, owner, id, &d.to_string(), today)
                                .await
                                .map_err(|e| anyhow::anyhow!("demo closed day: {e}"))?;
                        }
                    }
                }
            }
            // The zone the title names (the centre for none), and for a
            // courier the two next ones too.
            let home = ZONES
                .iter()
                .position(|(name, ..)| variant.ends_with(name))
                .unwrap_or(0);
            let zone_count = if t.model == "distance" { 3 } else { 1 };
            for k in 0..zone_count {
                if let Some(z) = zone_ids.get((home + k) % zone_ids.len().max(1)) {
                    service::parts::add_zone(db, owner, id, &z.to_string())
                        .await
                        .map_err(|e| anyhow::anyhow!("demo zone: {e}"))?;
                }
            }
            service::parts::add_image(
                db,
                data_dir,
                owner,
                id,
                demo_picture(t.category, n),
                5 << 20,
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo picture: {e}"))?;
            service::set_status(db, owner, id, ListingStatus::Active)
                .await
                .map_err(|e| anyhow::anyhow!("demo publish: {e}"))?;
            created += 1;
        }
    }
    Ok(created)
}

/// `seed-demo --bench-listings N`: N more active listings (no pictures) by
/// the demo's worker members, for benchmarks. Written in one transaction.
pub async fn seed_bench_listings(db: &DatabaseConnection, count: usize) -> anyhow::Result<usize> {
    let workers: Vec<Uuid> = memberships::Entity::find()
        .filter(memberships::Column::Status.eq("active"))
        .filter(memberships::Column::Class.eq("worker"))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    if workers.is_empty() {
        anyhow::bail!("no worker members: run seed-demo first");
    }
    let txn = services::txn::begin_write(db).await?;
    for i in 0..count {
        let t = &TEMPLATES[i % TEMPLATES.len()];
        let owner = workers[i % workers.len()];
        let title = format!("{} n. {}", t.title, i + 1);
        let id = service::create(&txn, owner, &input(t, title))
            .await
            .map_err(|e| anyhow::anyhow!("bench listing: {e}"))?;
        for day in ["0", "2", "4"] {
            service::parts::add_slot(&txn, owner, id, day, "09:00", "13:00")
                .await
                .map_err(|e| anyhow::anyhow!("bench slot: {e}"))?;
        }
    }
    listings::Entity::update_many()
        .col_expr(
            listings::Column::Status,
            sea_orm::sea_query::Expr::value(ListingStatus::Active.as_str()),
        )
        .filter(listings::Column::Status.eq(ListingStatus::Draft.as_str()))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(count)
}
