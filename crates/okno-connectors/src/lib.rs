//! Connectors as files: a YAML file, not code, connects a client's API to okno. It says what
//! the client sends (JSON, XML, CSV or a form), how each field becomes the canonical order
//! (FEEL expressions, field by field), what the client must get back (accepted, rejected with
//! reasons, a cart, a status acknowledgement) in its own format, and which HTTP calls order
//! events make to the client's API.
//!
//! Central types: [`Connector`] (one loaded file: [`Connector::load`], [`Connector::receive`],
//! [`Connector::accepted_reply`], [`Connector::outbound`]), [`Inbound`] (a valid order to
//! create, or the reply to give now), [`Registry`] / [`SharedRegistry`] (connectors per tenant,
//! swapped whole on reload), [`LoadErrors`] (every problem of a file with line and field).
//!
//! Key design choice: everything is checked and compiled at load: unknown keys, bad values and
//! every FEEL expression, all reported at once with file, line and field path, so an analyst
//! fixes a file in one round; at run time a connector is pure (bytes and values in, values and
//! bytes out, no clock, no I/O), so the same code serves HTTP, `okno connector try` and the
//! benchmark. The HTTP routes, the store and the order creation live in okno-api and okno-oms.
//!
//! YAML is read with `saphyr-parser` (the event parser of the saphyr project, the maintained
//! successor of yaml-rust; YAML 1.2): its events carry line and column, which a hand-built tree
//! keeps for every node. `serde_yaml` is archived, and serde-based readers stop at the first
//! error, while `okno connector check` must list every error with its line. Anchors, aliases
//! and tags are refused (no "billion laughs"), depth and size are bounded.
//!
//! # The file format (`okno_connector: 1`)
//!
//! ```yaml
//! okno_connector: 1                # required: the format version
//! name: my-shop                    # required: lowercase letters, digits, `-`; part of the URL
//! version: "2026.1"                # free text
//! description: …                   # free text
//! format:                          # required: how the client's bodies are read
//!   type: json                     # json | xml | csv | form
//!   keys: as_is                    # as_is | kebab_to_camel (`@offer-id` → `offerId` and back)
//!   # xml only: attribute_prefix ("@"), text_key ("#text"), force_list ([order.items.item]),
//!   #           strip_namespaces (false), encoding (utf-8 | windows-1251)
//!   # csv only: delimiter ("," | ";" | auto), encoding, rename ({Номер: number})
//! reply_format: {type: json}       # how replies and outbound bodies are written (default: format)
//! body_bytes_max: 1048576          # largest body (default 10 MiB, okno-formats' limit)
//! settings: {mass_grams: 1000}     # constants, seen by expressions as `settings`
//! mapping:                         # the canonical order draft as a template (see below)
//!   client_order_number: "=string(order.id)"
//!   parcels:
//!     - mass_grams: "=settings.mass_grams"
//!       items:
//!         each: "=order.items"     # one canonical item per element
//!         as: item                 # the element's name (default item)
//!         map: {name: "=item.offerName", quantity: "=item.count"}
//! endpoints:
//!   - id: accept                   # required, unique
//!     path: /order/accept          # required; served under /connectors/{name}
//!     method: POST                 # POST (default) | PUT | GET
//!     auth: {type: api_key, header: Authorization, prefix: "", secret: {env: SHOP_TOKEN}}
//!     #     {type: basic, username: shop, password: {value: secret}}
//!     #     {type: hmac_sha256, header: X-Signature, prefix: "sha256=", encoding: hex | base64,
//!     #      secret: {env: SHOP_HMAC}}  |  {type: none}
//!     action: create_order         # create_order | order_status | reply
//!     idempotency_key: "=string(order.id)"   # create_order: a repeat answers the same
//!     # order_status: order_key: "=…", status: "=…", and to act on the order:
//!     #   client_order_number: "=…", command: "=…"   # cancel | request_shipment | null
//!     replies:                     # accepted | rejected | error | unauthorized | ok
//!       accepted: {status: 200, body: {order: {accepted: true, id: "=okno.order_id"}}}
//! outbound:
//!   - id: track
//!     method: POST
//!     url: "https://api.example/orders/{order.client_order_number}/track"
//!     headers: {Authorization: "=\"Bearer \" + settings.token"}
//!     body: {track: "=order.parcels[1].track_number"}
//!     retry: {attempts_max: 5, backoff_initial_ms: 1000, backoff_factor: 2, backoff_max_ms: 60000}
//! events:
//!   order.tracknumber_assigned: [track]
//! ```
//!
//! Templates (the mapping, reply bodies, outbound headers and bodies): a string starting with
//! `=` is FEEL; any other scalar is itself; a mapping is an object (entries that render to null
//! are left out); a mapping with `each` is a list; a sequence is a list. Expressions see the
//! body's top-level keys as variables (a CSV body as `rows`), `settings`, and in replies `okno`:
//! `order_id`, `client_order_number`, `status`, `replayed` (accepted); `errors` (each with
//! `pointer`, `code`, `detail`, `mapping_field`, `line`) and `reason` (rejected); `reason`
//! (error, unauthorized); `order_key`, `status`, `client_order_number`, `command`
//! (order_status). A reply without a `body` sends
//! the `okno` value itself. Outbound expressions see `order` (okno's order JSON), `event.type`
//! and `settings`.

mod auth;
mod connector;
mod error;
mod format;
mod load;
mod registry;
mod runtime;
mod scope;
mod template;
mod walk;
mod yaml;

pub use auth::{Auth, Secret, SignatureEncoding, sign};
pub use connector::{Connector, EndpointInfo, ReplyKind, RetryPolicy};
pub use error::{ConnectorError, LoadError, LoadErrors, Position};
pub use format::{Format, KeyCase};
pub use load::{ATTEMPTS_MAX, ENTRIES_MAX, FILE_VERSION};
pub use registry::{Registry, RegistryError, SharedRegistry};
pub use runtime::{
    Answer, Create, Inbound, MappedError, OutboundRequest, Reply, StatusCommand, StatusNotice,
    TRIAL_ORDER_ID, Trial, TrialReply, accepted_okno,
};
pub use template::Source;
pub use yaml::{YAML_BYTES_MAX, YAML_DEPTH_MAX, YAML_NODES_MAX};
