//! Sandbox of Odoo's external API, written from `shared/vendor-specs/odoo/` (NOTES.md, the
//! condensed reference, models.md and the examples), for tests, newcomers and `hub demo`.
//!
//! # Which Odoo
//! The data model and business rules are those of **Odoo 17.0/18.0 with the core `membership`
//! add-on** (`membership.membership_line` with fields `partner`, `account_invoice_line`;
//! `res.partner.member_lines`, `associate_member`): `common.version()` reports `17.0` as the
//! examples do. The **JSON-2 API of Odoo 19** (`/json/2/<model>/<method>`) is served beside the
//! classic endpoints over the same database, although a real 17/18 server has no JSON-2 and a real
//! 19 server has no core `membership.membership_line` (moved to the OCA module with renamed fields,
//! see NOTES.md) — the sandbox lets a client test both transports against one data set. The OCA 19
//! field names are not simulated.
//!
//! # Served (vendor paths)
//! * `POST /xmlrpc/2/common|object|db` (XML-RPC, integer fault codes 1/2/3/4), `POST /xmlrpc/<service>`
//!   (legacy string fault codes), `POST /jsonrpc` (`params = {service, method, args}`; errors as a
//!   200 body with `error.code = 200`, `message = "Odoo Server Error"`, `data = {name, debug,
//!   message, arguments, context}`).
//! * `common`: `version`, `login`, `authenticate`, `about`; `db`: `list`, `server_version`,
//!   `db_exist`; `object`: `execute_kw`, `execute`.
//! * `POST /json/2/<model>/<method>` (`Authorization: bearer <api_key>`, optional
//!   `X-Odoo-Database`, `Content-Type: application/json`), `GET /web/version`.
//! * Models: `res.partner`, `membership.membership_line`, `product.template`, `product.product`,
//!   `account.move`, `account.move.line`, `res.country`, `res.currency`, `res.company`, `res.users`.
//! * Methods: `search`, `search_count`, `search_read`, `read` (`load`), `create` (one dict or a
//!   list), `write`, `unlink`, `exists`, `fields_get` (`allfields`, `attributes`), `name_search`,
//!   `name_get`, `check_access_rights`, `res.users.context_get`,
//!   `res.partner.create_membership_invoice(product, amount)`,
//!   `account.move.action_post/button_cancel/button_draft`.
//! * Domains: `=`, `!=`, `<`, `<=`, `>`, `>=`, `=?`, `in`, `not in`, `like`, `ilike`, `not like`,
//!   `not ilike`, `=like`, `=ilike`, `&`, `|`, `!`, dotted paths; `active_test`; `offset`, `limit`,
//!   `order` (e.g. `"write_date asc, id asc"`). `write_date` moves on every write and whenever a
//!   stored computed field (membership state, invoice amounts, line state) changes.
//! * Membership add-on: a customer-invoice line with a membership product creates its membership
//!   line; the line's `state` follows the invoice (draft → waiting, posted → invoiced, paid → paid,
//!   cancelled → canceled), the partner's `membership_state`/`start`/`stop`/`cancel` follow the lines
//!   (`old` for a paid past period, `free` for `free_member`, the associate member's state).
//!
//! Credentials (`Started.credentials`): `base_url`, `database`, `login`, `api_key` (password of
//! `authenticate`/`execute_kw` and bearer key of JSON-2), `password` (accepted by the classic
//! endpoints only, like a real user password; JSON-2 takes only the key), `uid`.
//!
//! Sandbox routes: `GET /_sandbox/state`, `GET /_sandbox/records/<model>`, `GET /_sandbox/calls`,
//! `POST /_sandbox/invoices/<id>/pay` (a member pays: `payment_state` → `paid`, the membership
//! becomes `paid`), `POST /_sandbox/memberships` (`{"partner_id", "product_id"?, "amount"?, "paid"?}`:
//! staff sell a membership from Odoo's UI — invoice created, posted and paid unless `paid: false`),
//! `POST /_sandbox/cron/membership`, and the core's `GET/PUT /_sandbox/faults`.
//! Injected faults come back as HTTP errors on every transport (500 / 429 + `Retry-After`), while
//! application errors stay XML-RPC faults / JSON-RPC error bodies, as Odoo does.
//!
//! # Not simulated
//! Webhooks (Odoo's external API has none; automation-rule webhooks are out of scope), the `db`
//! service's management calls, `read_group`, many2many fields, `child_of`/`parent_of`/`any`
//! operators, date granularity suffixes, taxes (amount_tax is 0), partial payments and credit notes,
//! access rights (the only user is the administrator), multi-company, `res.users.apikeys`,
//! translations (`context.lang` is accepted and ignored), ordering many2one by the comodel's order
//! (the sandbox orders them by id).
//!
//! # Spec / examples disagreements (the examples are followed)
//! * `json2_write_res_partner.http.VERBATIM.txt` (the JSON-2 draft) sends `vals_list` to `write`,
//!   whose parameter is `vals` (NOTES call it a doc slip; real Odoo answers 422): the sandbox accepts a
//!   one-element `vals_list` as `vals` on `write`.
//! * The examples give France both id 75 (`jsonrpc_*`) and 76 (documentation excerpts): the sandbox
//!   uses 75.
//! * `xmlrpc_common_version.response.VERBATIM.txt` shows a 13.0 `server_version_info` of 5 items;
//!   the constructed 17.0 example has 6 (with `""`): the sandbox reports 17.0 with 6 items.
//! * NOTES give the JSON-RPC `error.code` as 200 (17/18) or 0 (master): 200 is used, as in the
//!   examples. JSON-2 statuses for `UserError`/`AccessError`/`MissingError` (422/403/404) are the
//!   NOTES' unverified inference. The draft's bare-string 401 body is superseded by the object body.
//! * `authenticate` with a bad password returns `false` (examples), not an `AccessDenied` fault;
//!   `execute_kw` with a bad password raises `AccessDenied` (fault 3). An unknown database name is
//!   an application error (fault 1, `FATAL: database "x" does not exist`), as PostgreSQL reports it.
//! * `fields_get` labels the `id` field "Id" as the documentation's custom-model example does (Odoo
//!   17 says "ID"); the example's `__last_update` (gone since Odoo 17) is not served.
//! * Example ids belong to the examples' databases (partner 42, product 7/12, country 76); the tests
//!   map product and country ids to this database's before sending the examples.

mod compute;
mod domain;
mod error;
mod fields;
mod membership;
mod orm;
mod routes;
mod seed;
mod store;
mod write;
pub mod xmlrpc;

use std::sync::{Arc, Mutex};

use axum::routing::{any, get, post};
use hub_sandbox_core::{SandboxOptions, Started, serve};

use routes::{Db, inspect, json2, rpc};
pub use store::{API_KEY, DATABASE, LOGIN, PASSWORD, UID};

/// Starts the sandbox on `opts.bind`.
pub async fn start(opts: SandboxOptions) -> std::io::Result<Started> {
    let faults = hub_sandbox_core::FaultHandle::new(opts.faults);
    let mut state = store::State::new();
    seed::base(&mut state);
    if opts.seed {
        seed::demo(&mut state);
    }
    let db = Db(Arc::new(Mutex::new(state)));
    let vendor = axum::Router::new()
        .route("/xmlrpc/2/{service}", post(rpc::xmlrpc2))
        .route("/xmlrpc/{service}", post(rpc::xmlrpc1))
        .route("/jsonrpc", post(rpc::jsonrpc))
        .route("/json/2/{model}/{method}", any(json2::call))
        .route("/web/version", get(json2::web_version))
        .with_state(db.clone());
    let inspect = axum::Router::new()
        .route("/_sandbox/state", get(inspect::state))
        .route("/_sandbox/records/{model}", get(inspect::records))
        .route("/_sandbox/calls", get(inspect::calls))
        .route("/_sandbox/invoices/{id}/pay", post(inspect::pay))
        .route("/_sandbox/memberships", post(inspect::sell_membership))
        .route("/_sandbox/cron/membership", post(inspect::cron))
        .with_state(db);
    let running = serve("odoo", vendor, inspect, faults, opts.bind).await?;
    let credentials = serde_json::json!({
        "base_url": running.base_url,
        "database": DATABASE,
        "login": LOGIN,
        "api_key": API_KEY,
        "password": PASSWORD,
        "uid": UID,
    });
    Ok(Started { running, credentials })
}
