//! The booking flow under faults and a crash: Cal.com, Google Calendar and Mattermost answer 20%
//! of calls with 500s, Cal.com repeats 20% of its webhooks and holds others back so later ones
//! overtake them (a cancellation can arrive before its creation), and the hub process is killed
//! (SIGKILL) halfway, while people keep booking, moving and cancelling. In the end the Google
//! events and the Mattermost threads must match Cal.com's final state exactly: one canonical
//! booking per reschedule chain, one root post per booking (struck through when cancelled), one
//! Google event per booking at its final time (cancelled when the booking is). Snipe-IT (20% 500s
//! too) must end with exactly the machines of the live bookings under way checked out to their
//! booker: one booked before the kill and kept, one cancelled, one moved to next year, one
//! checked out then cancelled while the hub is down, one booked while it is down.
//! `RELIABILITY_BOOKINGS` sets the size (default 60 to keep CI short; 500 is the run).
//! Runs on SQLite, and on PostgreSQL with HUB_TEST_DATABASE_URL.

mod common;

use std::{collections::HashMap, time::Duration};

use common::{
    ADMIN_TOKEN,
    booking::{MAPPINGS, Tools},
    spawn_hub_process,
    tools::{calcom_book_under_way, cred, snipeit_asset},
};
use hub::{config::Config, testing::FreshDatabase};
use hub_connector_sdk::EntityKind;
use hub_sandbox::core::{SandboxOptions, Started};
use serde_json::{Value, json};

const ROOMS: [(&str, &str); 2] = [
    ("salle-hypatia", "c_salle-hypatia@group.calendar.google.com"),
    ("atelier-bois", "c_atelier-bois@group.calendar.google.com"),
];

/// One reschedule chain as the test drove it.
#[derive(Debug, Clone)]
struct Chain {
    room: usize,
    first: String,
    last: String,
    start: String,
    cancelled: bool,
}

/// Distinct slots far ahead (4 h apart, so no two bookings of a room overlap).
fn slot(i: usize, moved: bool) -> String {
    let day = chrono::NaiveDate::from_ymd_opt(2028, 1, 3).unwrap()
        + chrono::Duration::days((i / 3) as i64 + if moved { 400 } else { 0 });
    format!("{}T{:02}:00:00Z", day.format("%Y-%m-%d"), 6 + (i % 3) * 4)
}

/// Books, then moves some and cancels some (cancelling the moved booking, Cal.com's way).
async fn drive(tools: &Tools, range: std::ops::Range<usize>, chains: &mut Vec<Chain>) {
    for i in range {
        let room = i % ROOMS.len();
        let start = slot(i, false);
        let uid = tools.book(ROOMS[room].0, &start).await;
        chains.push(Chain { room, first: uid.clone(), last: uid, start, cancelled: false });
        let c = chains.last_mut().unwrap();
        if i % 3 == 1 {
            let moved = slot(i, true);
            c.last = tools.reschedule(&c.last, &moved).await;
            c.start = moved;
        }
        if i % 5 == 2 {
            tools.cancel(&c.last).await;
            c.cancelled = true;
        }
    }
}

/// What is wrong with the tools' state compared with `chains` (empty: it matches).
async fn mismatches(tools: &Tools, store: &hub::store::Store, chains: &[Chain]) -> Vec<String> {
    let mut out = Vec::new();
    let all = store.list_entities(EntityKind::Booking, 100_000).await.unwrap();
    let live: HashMap<String, &Value> =
        all.iter().map(|r| (r.fields.0["origin_uid"].as_str().unwrap_or("").to_string(), &r.fields.0)).collect();
    let mut events: HashMap<usize, Vec<Value>> = HashMap::new();
    let mut posts: HashMap<usize, Vec<Value>> = HashMap::new();
    for (i, (room, calendar)) in ROOMS.iter().enumerate() {
        events.insert(i, tools.events_of(calendar).await);
        posts.insert(i, tools.posts_in(room).await);
    }
    for c in chains {
        if c.cancelled {
            if live.contains_key(&c.first) {
                out.push(format!("{}: cancelled in Cal.com, live in the hub", c.first));
            }
        } else if live.get(&c.first).is_none_or(|f| f["starts_at"] != c.start.as_str()) {
            out.push(format!("{}: not live at {} in the hub", c.first, c.start));
        }
        let Some(id) = entity_id(store, c).await else {
            if !c.cancelled {
                out.push(format!("{}: no canonical booking", c.first));
            }
            continue;
        };
        let mine: Vec<&Value> = events[&c.room]
            .iter()
            .filter(|e| e.pointer("/extendedProperties/private/hub_booking_id") == Some(&json!(id)))
            .collect();
        let ok_event = match (c.cancelled, mine.as_slice()) {
            (true, []) => true,
            (true, [e]) => e["status"] == "cancelled",
            (false, [e]) => {
                e["status"] == "confirmed" && instant(&e["start"]) == instant(&json!({"dateTime": c.start}))
            }
            _ => false,
        };
        if !ok_event {
            out.push(format!("{}: Google events {mine:?}", c.first));
        }
        let roots: Vec<&Value> = posts[&c.room]
            .iter()
            .filter(|p| p["props"]["hub_entity_id"] == id.as_str() && p["root_id"] == "")
            .collect();
        let ok_post = match roots.as_slice() {
            [root] => {
                let struck = root["message"].as_str().unwrap_or("").starts_with("Annulé");
                struck == c.cancelled && (c.cancelled || root["props"]["hub_fields"]["starts_at"] == c.start.as_str())
            }
            _ => false,
        };
        if !ok_post {
            out.push(format!("{}: Mattermost roots {roots:?}", c.first));
        }
    }
    out
}

/// Machines of the Snipe-IT seed bookable on Cal.com without confirmation and free (ready to
/// deploy, held by no one): (event type slug, asset tag), `n` of them.
async fn free_machines(client: &reqwest::Client, snipeit: &Started, n: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for asset in hub_sandbox::core::seed::assets() {
        if !(asset.name.starts_with("Fraiseuse CNC") || asset.name.starts_with("Kit caméra reportage")) {
            continue;
        }
        let (state, holder) = snipeit_asset(client, snipeit, &asset.tag).await;
        if state["status_id"] == 1 && holder.is_none() && state["assigned_to"].is_null() {
            out.push((hub_sandbox::core::seed::ascii_slug(&asset.tag), asset.tag.clone()));
        }
    }
    assert!(out.len() >= n, "the seed has {} free machines, the test needs {n}", out.len());
    out.truncate(n);
    out
}

/// The connector, loop and resources of the machines.
fn equipment_toml(snipeit: &Started, machines: &[(String, String)]) -> String {
    let mut toml = format!(
        "[connectors.inventaire]\nkind = \"snipeit\"\nbase_url = \"{}\"\ntoken = \"{}\"\n[equipment]\npoll_interval_secs = 1\n",
        cred(snipeit, "base_url"),
        cred(snipeit, "token")
    );
    for (slug, tag) in machines {
        toml.push_str(&format!(
            "[resources.{slug}]\nname = \"Machine {tag}\"\nkind = \"machine\"\nevent_types = [\"{slug}\"]\nchannel = \"materiel\"\nasset_tags = [\"{tag}\"]\n"
        ));
    }
    toml
}

/// What is wrong with Snipe-IT compared with `held` (tag → whether the booker must hold it).
async fn equipment_mismatches(client: &reqwest::Client, snipeit: &Started, held: &[(String, bool)]) -> Vec<String> {
    let booker = hub_sandbox::core::seed::person(3).email;
    let mut out = Vec::new();
    for (tag, out_now) in held {
        let (_, holder) = snipeit_asset(client, snipeit, tag).await;
        if holder.as_deref() != out_now.then_some(booker.as_str()) {
            out.push(format!("{tag}: held by {holder:?}, expected checked out: {out_now}"));
        }
    }
    out
}

fn instant(v: &Value) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(v["dateTime"].as_str()?).ok().map(|d| d.to_utc())
}

/// The canonical booking of a chain, deleted or not: through the link of any uid the hub read.
async fn entity_id(store: &hub::store::Store, chain: &Chain) -> Option<String> {
    for uid in [&chain.first, &chain.last] {
        if let Some(link) = store.find_link("calcom", "calcom_main", uid).await.ok().flatten() {
            return Some(link.entity_id.to_string());
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bookings_through_faults_and_a_killed_hub_match_calcom() {
    let n: usize = std::env::var("RELIABILITY_BOOKINGS").ok().and_then(|v| v.parse().ok()).unwrap_or(60);
    let tools = Tools::start().await;
    let snipeit = hub_sandbox::snipeit::start(SandboxOptions { seed: true, ..Default::default() }).await.unwrap();
    let client = reqwest::Client::new();
    let machines = free_machines(&client, &snipeit, 5).await;
    let db = FreshDatabase::from_env().await.unwrap();
    let connectors = tools
        .config_toml()
        .replace("kind = \"calcom\"\n", "kind = \"calcom\"\nschedules = { bookings = \"*/2 * * * * *\" }\n")
        + &equipment_toml(&snipeit, &machines);
    let extra = format!(
        "{connectors}\n[targets]\npoll_interval_ms = 20\nconcurrency = 8\nlease_secs = 5\njitter = 0.0\nretry_schedule_secs = [{}]\n",
        ["0"; 40].join(", ")
    );
    let toml = hub::bench::bench_config_toml(&db.url, &db.dir, &extra).unwrap();
    hub::testing::write_files(&db.dir.join("mappings"), &MAPPINGS).unwrap();
    hub::testing::write_files(&db.dir.join("mappings"), &common::equipment::MAPPINGS).unwrap();
    let config_path = db.dir.join("hub.toml");
    std::fs::write(&config_path, &toml).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let env = [
        ("HUB_HTTP__BIND", format!("127.0.0.1:{port}")),
        ("HUB_QUEUE__LEASE_SECS", "2".to_string()),
        ("HUB_QUEUE__POLL_INTERVAL_MS", "20".to_string()),
        ("HUB_QUEUE__BACKOFF_BASE_MS", "10".to_string()),
        ("HUB_QUEUE__BACKOFF_MAX_SECS", "1".to_string()),
        ("HUB_QUEUE__MAX_ATTEMPTS", "40".to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (mut child, _) = spawn_hub_process(&config_path, &env).await;
    let hub_url = format!("http://127.0.0.1:{port}");
    // Google's consent through the hub process's redirect, then Cal.com's webhook.
    let begun: Value = client
        .post(format!("{hub_url}/api/v1/auth/google/google_main"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(client.get(begun["url"].as_str().unwrap()).send().await.unwrap().status(), 200);
    tools.subscribe(&format!("{hub_url}/hooks/calcom_main")).await;
    let faults = json!({"error_rate": 0.2, "duplicate_webhook_rate": 0.2, "reorder_webhooks_ms": 300});
    for sandbox in [&tools.calcom, &tools.google, &tools.mattermost, &snipeit] {
        let url = format!("{}/_sandbox/faults", sandbox.running.base_url.trim_end_matches('/'));
        assert!(client.put(url).json(&faults).send().await.unwrap().status().is_success());
    }

    // Machines: [0] kept, [1] cancelled, [2] moved to next year, [3] cancelled while the hub is
    // down (after it went out), [4] booked while the hub is down.
    let under_way = |i: usize| calcom_book_under_way(&client, &tools.calcom, &machines[i].0);
    under_way(0).await;
    tools.cancel(&under_way(1).await).await;
    tools.reschedule(&under_way(2).await, "2029-06-04T08:00:00Z").await;
    let kept_then_cancelled = under_way(3).await;
    let mut held: Vec<(String, bool)> = machines.iter().map(|(_, tag)| (tag.clone(), false)).collect();
    held[0].1 = true;
    held[3].1 = true;

    let mut chains = Vec::new();
    drive(&tools, 0..n / 2, &mut chains).await;
    let store = hub::store::Store::connect(&db.url, 2).await.unwrap();
    common::eventually_within(Duration::from_secs(120), "some bookings pushed before the kill", || async {
        store.push_counts().await.unwrap().iter().any(|(t, s, c)| t == "google_main" && s == "done" && *c >= 5)
    })
    .await;
    common::eventually_within(Duration::from_secs(120), "the machines out before the kill", || async {
        equipment_mismatches(&client, &snipeit, &held[..1]).await.is_empty()
            && equipment_mismatches(&client, &snipeit, &held[3..4]).await.is_empty()
    })
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
    // Booked, moved and cancelled while the hub is down: the webhooks are lost, the sync finds them.
    drive(&tools, n / 2..n, &mut chains).await;
    tools.cancel(&kept_then_cancelled).await;
    held[3].1 = false;
    under_way(4).await;
    held[4].1 = true;

    let mut config = Config::from_toml_str(&toml).unwrap();
    config.http.bind = format!("127.0.0.1:{port}").parse().unwrap();
    config.queue.lease_secs = 2;
    config.queue.poll_interval_ms = 20;
    config.queue.backoff_base_ms = 10;
    config.queue.backoff_max_secs = 1;
    config.queue.max_attempts = 40;
    let restarted = hub::app::App::build(config).await.unwrap().spawn().await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(600);
    let mut last = Vec::new();
    while std::time::Instant::now() < deadline {
        let pending = store.list_pushes(None, Some("pending"), 1).await.unwrap().len();
        if pending == 0 {
            last = mismatches(&tools, &store, &chains).await;
            last.extend(equipment_mismatches(&client, &snipeit, &held).await);
            if last.is_empty() {
                break;
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert!(last.is_empty(), "{} mismatches after the run: {:#?}", last.len(), &last[..last.len().min(10)]);
    let failed = store.list_pushes(None, Some("failed"), 10).await.unwrap();
    assert!(failed.is_empty(), "no push gave up: {failed:?}");
    // Stragglers (late duplicates, retries) change nothing once settled.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut again = mismatches(&tools, &store, &chains).await;
    again.extend(equipment_mismatches(&client, &snipeit, &held).await);
    assert!(again.is_empty(), "{again:#?}");
    restarted.stop().await.unwrap();
}
