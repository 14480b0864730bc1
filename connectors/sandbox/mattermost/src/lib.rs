//! Sandbox of the Mattermost REST API v4, written from `shared/vendor-specs/mattermost/` (the
//! bundled OpenAPI document, the integration docs and the example payloads) alone.
//!
//! # Simulated
//! - Auth: `Authorization: Bearer <token>` (also `Token <token>` and the `MMAUTHTOKEN` cookie).
//!   Tokens: the seeded bot access token ([`seed::BOT_TOKEN`], the `token` credential) and session
//!   tokens from `POST /api/v4/users/login` (`{"login_id","password"}` → user in the body, session
//!   token in the `Token` header; every seeded user's password is [`seed::PASSWORD`]). Missing or
//!   unknown token: `401 api.context.session_expired.app_error`. Errors use Mattermost's body
//!   `{"id","message","request_id","status_code","is_oauth"}` (`examples/api-error.json`).
//! - Endpoints (all under `/api/v4` except `/hooks/{key}`), `me` accepted for user ids:
//!   `GET /system/ping`; `POST /users/login`, `POST /users/logout`; `GET|POST /users`,
//!   `GET|DELETE /users/{user_id}`, `PUT /users/{user_id}/patch`, `PUT /users/{user_id}/active`,
//!   `POST /users/ids`, `POST /users/usernames`, `GET /users/email/{email}`,
//!   `GET /users/username/{username}`, `GET /users/{user_id}/teams`,
//!   `GET /users/{user_id}/teams/{team_id}/channels`; `GET /bots`, `GET /bots/{bot_user_id}`;
//!   `GET /teams`, `GET /teams/{team_id}`, `GET /teams/name/{name}`,
//!   `GET|POST /teams/{team_id}/members`, `GET /teams/{team_id}/channels`,
//!   `GET /teams/{team_id}/channels/name/{channel_name}`,
//!   `GET /teams/name/{team_name}/channels/name/{channel_name}`; `POST /channels`,
//!   `POST /channels/direct`, `GET|DELETE /channels/{channel_id}`, `PUT /channels/{channel_id}/patch`,
//!   `GET|POST /channels/{channel_id}/members`, `GET /channels/{channel_id}/posts` (`page`/`per_page`
//!   (60 by default, capped at 200), `since`, `before`, `after`); `POST /posts`,
//!   `GET|PUT|DELETE /posts/{post_id}`, `PUT /posts/{post_id}/patch`, `GET /posts/{post_id}/thread`;
//!   `GET|POST /hooks/incoming`, `GET|PUT|DELETE /hooks/incoming/{hook_id}`, `GET|POST /hooks/outgoing`,
//!   `GET|PUT|DELETE /hooks/outgoing/{hook_id}`, `POST /hooks/outgoing/{hook_id}/regen_token`;
//!   `POST /hooks/{key}` (incoming webhook: JSON or `payload=` form, `channel`/`@user` override,
//!   `username`/`icon_url`/`icon_emoji`/`props`/`attachments`/`priority`; answers `200 text/plain ok`).
//! - Outgoing webhooks fire on matching posts (see [`webhooks`]); `POST /_sandbox/posts` makes a
//!   member post as from the Mattermost UI. Inspection: `GET /_sandbox/state`, `GET /_sandbox/webhooks`.
//! - Every answer carries `X-Request-Id` and `X-Version-Id`; bad query parameters answer
//!   `400 api.context.invalid_url_param.app_error`; unknown paths `404 api.context.404.app_error`.
//! - Permissions, simplified: system admins (the bot, `admin`) may do everything; other users read
//!   public channels of their teams and private/direct channels they belong to, edit and delete
//!   their own posts only, and see other users' e-mails blanked (as with `ShowEmailAddress` off).
//! - Ids are 26 characters of Mattermost's base32 alphabet; timestamps are milliseconds and
//!   strictly increase, so `update_at`/`edit_at` always move on edits.
//!
//! # Not simulated
//! WebSocket events, files and uploads, reactions, preferences, OAuth, MFA, slash commands,
//! interactive message actions (buttons are stored in `props.attachments` only), the posting back
//! of outgoing-webhook responses, team creation/updates, full `PUT` updates of users/channels,
//! group messages, personal-access-token management (the bot's token is seeded), passwords
//! changes, rate-limit headers (`X-Ratelimit-*`; injected 429s and 500s come from the core with
//! its own `{"error"}` body), ETags, `include_deleted` for posts, thread paging parameters, and the
//! server's config switches (username/icon overrides are always allowed).
//!
//! # Spec, examples and server disagreements (the choice made)
//! - `POST /users/login`: the spec documents `201`; the server answers `200` (followed here; the
//!   official mattermostdriver only takes the session token when the status is exactly 200).
//! - Error body: the spec's `AppError` has no `is_oauth`; the documented example
//!   (`examples/api-error.json`) has it: the example's five keys are followed.
//! - `Post.hashtag` in the spec is `hashtags` on the wire (the server's field name, known from
//!   the server rather than from these documents; sent here).
//! - `PUT /posts/{id}` documents `props` as a string; the server takes an object (accepted here).
//! - `OutgoingWebhook.trigger_when`: the spec says 0 = "trigger word present at all"; the
//!   outgoing-webhook docs say 0 = first word matches exactly, 1 = first word starts with it
//!   (the docs are followed).
//! - Outgoing-webhook form fields: the example lists no `file_ids`; the server also sends it
//!   (comma-separated, empty here). `timestamp` is in seconds in the form (as the example) and in
//!   milliseconds in the JSON variant.
//! - `User.timezone.useAutomaticTimezone` is a boolean in the spec (followed) though servers send
//!   the string `"true"`/`"false"`.
//! - `POST /hooks/outgoing/{id}/regen_token`: the spec documents a `StatusOK`; the server returns
//!   the hook with its new token (followed: the client needs the token). mattermostdriver 7.3.2
//!   calls it with `PUT`, which answers 405 here (the spec says `POST`).
//! - Incoming webhooks: the docs list `props.card` among reserved-and-ignored keys, then document
//!   `props.card` as the RHS card: it is kept.
//! - `Team.policy_id` is left out (the server sends `null`, which the spec's plain `string` refuses).
//!
//! Credentials (`Started.credentials`): `base_url`, `token` (the hub bot's access token), and
//! when seeded `team` (`tiers-lieu`) and `incoming_webhook_key` (a hook posting to `programme`).

pub mod auth;
mod routes;
pub mod seed;
pub mod state;
pub mod webhooks;

use std::sync::{Arc, Mutex};

use hub_sandbox_core::{FaultHandle, SandboxOptions, Started, WebhookEmitter, serve};

use crate::state::{AppState, Store};

/// Starts the sandbox on `opts.bind`.
pub async fn start(opts: SandboxOptions) -> std::io::Result<Started> {
    let faults = FaultHandle::new(opts.faults);
    let mut store = Store::new(0x4d41_5454_4552);
    let (admin_id, bot_id) = seed::base(&mut store);
    let hook_key = opts.seed.then(|| seed::seed(&mut store, &admin_id, &bot_id));
    let state = AppState { store: Arc::new(Mutex::new(store)), emitter: WebhookEmitter::new(faults.clone()) };
    let running = serve("mattermost", routes::vendor(state.clone()), routes::inspect(state), faults, opts.bind).await?;
    let mut credentials = serde_json::json!({ "base_url": running.base_url, "token": seed::BOT_TOKEN });
    if let Some(key) = hook_key {
        credentials["team"] = serde_json::json!(seed::TEAM_NAME);
        credentials["incoming_webhook_key"] = serde_json::json!(key);
    }
    Ok(Started { running, credentials })
}
