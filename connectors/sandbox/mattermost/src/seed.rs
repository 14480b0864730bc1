//! The seeded server: team `tiers-lieu` ("Le Tiers-Lieu"), its channels (town-square, off-topic,
//! one per seed room, adhesions, programme, materiel), an admin, 250 members from the shared
//! data set, the hub's bot with its access token, a few posts and an incoming webhook posting to
//! `programme`. Deterministic: ids come from a seeded generator and timestamps are fixed.

use std::collections::BTreeSet;

use hub_sandbox_core::seed;
use serde_json::Map;

use crate::state::{Channel, IncomingHook, Post, Store, Team, User, hashtags};

/// Access token of the hub's bot (a bot access token, `Authorization: Bearer`).
pub const BOT_TOKEN: &str = "hubbotsandboxtoken0000000a";
/// Password of every seeded human user (and of `admin`), for `POST /api/v4/users/login`.
pub const PASSWORD: &str = "sandbox-password";
pub const TEAM_NAME: &str = "tiers-lieu";
pub const SEEDED_PEOPLE: usize = 250;

/// 2024-09-01T08:00:00Z, the seeded server's creation.
const T0: i64 = 1_725_177_600_000;

pub fn new_user(store: &mut Store, username: &str, first: &str, last: &str, email: &str, roles: &str, at: i64) -> User {
    User {
        id: store.new_id(),
        create_at: at,
        update_at: at,
        delete_at: 0,
        username: username.to_string(),
        first_name: first.to_string(),
        last_name: last.to_string(),
        nickname: String::new(),
        email: email.to_string(),
        email_verified: true,
        auth_service: String::new(),
        roles: roles.to_string(),
        locale: "fr".to_string(),
        position: String::new(),
        is_bot: false,
        password: None,
        bot_description: String::new(),
        bot_owner_id: String::new(),
    }
}

pub fn new_channel(
    store: &mut Store,
    team_id: &str,
    kind: &str,
    name: &str,
    display: &str,
    creator: &str,
    at: i64,
) -> Channel {
    Channel {
        id: store.new_id(),
        create_at: at,
        update_at: at,
        delete_at: 0,
        team_id: team_id.to_string(),
        kind: kind.to_string(),
        display_name: display.to_string(),
        name: name.to_string(),
        header: String::new(),
        purpose: String::new(),
        last_post_at: at,
        total_msg_count: 0,
        last_root_post_at: at,
        total_msg_count_root: 0,
        extra_update_at: 0,
        creator_id: creator.to_string(),
        members: BTreeSet::new(),
    }
}

/// A post, counted in its channel.
pub fn new_post(store: &mut Store, channel_id: &str, user_id: &str, message: &str, root_id: &str, at: i64) -> Post {
    let post = Post {
        id: store.new_id(),
        create_at: at,
        update_at: at,
        edit_at: 0,
        delete_at: 0,
        is_pinned: false,
        user_id: user_id.to_string(),
        channel_id: channel_id.to_string(),
        root_id: root_id.to_string(),
        original_id: String::new(),
        message: message.to_string(),
        kind: String::new(),
        props: Map::new(),
        hashtags: hashtags(message),
        file_ids: Vec::new(),
        pending_post_id: String::new(),
        reply_count: 0,
        last_reply_at: 0,
        metadata: Map::new(),
    };
    if let Some(c) = store.channels.get_mut(channel_id) {
        c.last_post_at = at;
        c.total_msg_count += 1;
        if root_id.is_empty() {
            c.last_root_post_at = at;
            c.total_msg_count_root += 1;
        }
    }
    post
}

/// The server every sandbox starts with when `seed` is off: an admin and the bot, nothing else.
pub fn base(store: &mut Store) -> (String, String) {
    let mut admin = new_user(store, "admin", "Admin", "Sandbox", "admin@exemple.fr", "system_admin system_user", T0);
    admin.password = Some(PASSWORD.to_string());
    let mut bot = new_user(store, "hub-bot", "Hub Tiers-Lieu", "", "hub-bot@localhost", "system_admin system_user", T0);
    bot.is_bot = true;
    bot.email_verified = false;
    bot.bot_description = "Le hub d'intégration du tiers-lieu".to_string();
    bot.bot_owner_id = admin.id.clone();
    let (admin_id, bot_id) = (admin.id.clone(), bot.id.clone());
    store.users.insert(admin_id.clone(), admin);
    store.users.insert(bot_id.clone(), bot);
    store.tokens.insert(BOT_TOKEN.to_string(), bot_id.clone());
    store.observe_ms(T0);
    (admin_id, bot_id)
}

/// Fills `store` with the tiers-lieu; returns the seeded incoming webhook's key.
pub fn seed(store: &mut Store, admin_id: &str, bot_id: &str) -> String {
    let mut team = Team {
        id: store.new_id(),
        create_at: T0,
        update_at: T0,
        delete_at: 0,
        display_name: "Le Tiers-Lieu".to_string(),
        name: TEAM_NAME.to_string(),
        description: "L'espace de discussion du tiers-lieu".to_string(),
        email: "admin@exemple.fr".to_string(),
        kind: "O".to_string(),
        company_name: String::new(),
        allowed_domains: String::new(),
        invite_id: store.new_id(),
        allow_open_invite: true,
        members: BTreeSet::new(),
    };
    let mut people = Vec::new();
    for (i, p) in seed::people(SEEDED_PEOPLE).into_iter().enumerate() {
        let at = T0 + 3_600_000 * (i as i64 + 1);
        let username = p.email.split('@').next().unwrap_or_default().to_string();
        let mut u = new_user(store, &username, &p.given_name, &p.family_name, &p.email, "system_user", at);
        u.password = Some(PASSWORD.to_string());
        people.push(u.id.clone());
        store.users.insert(u.id.clone(), u);
    }
    team.members.extend([admin_id.to_string(), bot_id.to_string()]);
    team.members.extend(people.iter().cloned());
    let team_id = team.id.clone();
    store.teams.insert(team_id.clone(), team);

    let mut specs: Vec<(String, String, &str)> =
        vec![("town-square".into(), "Town Square".into(), ""), ("off-topic".into(), "Off-Topic".into(), "")];
    for room in seed::rooms() {
        specs.push((room.slug.to_string(), room.name.to_string(), "Réservations et vie de l'espace"));
    }
    specs.push(("adhesions".into(), "Adhésions".into(), "Nouvelles adhésions et renouvellements"));
    specs.push(("programme".into(), "Programme".into(), "Événements et ateliers à venir"));
    specs.push(("materiel".into(), "Matériel".into(), "Prêts et maintenance des machines"));
    let mut channel_ids = Vec::new();
    for (name, display, purpose) in specs {
        let mut c = new_channel(store, &team_id, "O", &name, &display, admin_id, T0);
        c.purpose = purpose.to_string();
        c.members.extend([admin_id.to_string(), bot_id.to_string()]);
        if name == "town-square" || name == "off-topic" {
            c.members.extend(people.iter().cloned());
        } else {
            c.members.extend(people.iter().step_by(5).cloned());
        }
        channel_ids.push(c.id.clone());
        store.channels.insert(c.id.clone(), c);
    }

    let town_square = channel_ids[0].clone();
    let welcome = new_post(
        store,
        &town_square,
        admin_id,
        "Bienvenue sur l'espace de discussion du tiers-lieu ! #bienvenue",
        "",
        T0 + 60_000,
    );
    let welcome_id = welcome.id.clone();
    store.posts.insert(welcome.id.clone(), welcome);
    for (i, who) in people.iter().take(3).enumerate() {
        let reply = new_post(
            store,
            &town_square,
            who,
            "Merci, ravie d'être là !",
            &welcome_id,
            T0 + 7_200_000 * (i as i64 + 1),
        );
        store.posts.insert(reply.id.clone(), reply);
    }

    let programme = channel_ids.iter().find(|id| store.channels[*id].name == "programme").cloned().unwrap_or_default();
    let hook = IncomingHook {
        id: store.new_id(),
        create_at: T0,
        update_at: T0,
        delete_at: 0,
        user_id: bot_id.to_string(),
        channel_id: programme,
        team_id,
        display_name: "Hub du tiers-lieu".to_string(),
        description: "Annonces du programme publiées par le hub".to_string(),
        username: String::new(),
        icon_url: String::new(),
        channel_locked: false,
    };
    let key = hook.id.clone();
    store.incoming.insert(key.clone(), hook);
    store.observe_ms(T0 + 3_600_000 * (SEEDED_PEOPLE as i64 + 1));
    key
}
