//! Loading a connector file: YAML text → [`Connector`], checking every key and compiling
//! every expression, collecting all errors with line and field (see the crate docs for the
//! format).

use crate::auth::{Auth, Secret, SignatureEncoding};
use crate::connector::{
    Action, Connector, Endpoint, Operation, ReplyKind, ReplySpec, RetryPolicy, UrlPart,
};
use crate::error::LoadErrors;
use crate::format::{Format, KeyCase};
use crate::scope::Compiled;
use crate::template::{self, Template, compile};
use crate::walk::{Fields, Walker};
use crate::yaml::{self, Node, NodeKind};
use okno_formats::csv::{CsvOptions, Delimiter};
use okno_formats::xml::XmlOptions;
use okno_formats::{Encoding, Limits};
use serde_json::Value;
use std::collections::BTreeMap;

/// The only version of the file format so far.
pub const FILE_VERSION: i64 = 1;
/// Most endpoints, outbound operations or events in one file.
pub const ENTRIES_MAX: usize = 100;
/// Most attempts an outbound operation may ask for.
pub const ATTEMPTS_MAX: i64 = 50;

const TOP_KEYS: &[&str] = &[
    "okno_connector",
    "name",
    "version",
    "description",
    "process",
    "format",
    "reply_format",
    "body_bytes_max",
    "settings",
    "mapping",
    "endpoints",
    "outbound",
    "events",
];

/// Loads a connector from the text of its file; `file` names it in errors.
pub(crate) fn load(file: &str, text: &str) -> Result<Connector, LoadErrors> {
    let errors = |errors| LoadErrors {
        file: file.to_owned(),
        errors,
    };
    let root = yaml::parse(text).map_err(|error| errors(vec![error]))?;
    let mut walker = Walker::default();
    let connector = read(&mut walker, &root, file);
    match connector {
        Some(connector) if walker.errors.is_empty() => Ok(connector),
        _ => {
            if walker.errors.is_empty() {
                walker.fail(root.position, "", "not a connector file");
            }
            walker
                .errors
                .sort_by_key(|error| (error.line, error.column));
            Err(errors(walker.errors))
        }
    }
}

fn read(walker: &mut Walker, root: &Node, file: &str) -> Option<Connector> {
    let fields = walker.fields(root, "", TOP_KEYS)?;
    if let Some(node) = fields.required(walker, "okno_connector")
        && walker.integer(node, "okno_connector", FILE_VERSION..=FILE_VERSION) != Some(FILE_VERSION)
    {
        walker.fail(
            node.position,
            "okno_connector",
            format!("this okno reads connector files of version {FILE_VERSION}"),
        );
    }
    let name = fields
        .required(walker, "name")
        .and_then(|node| connector_name(walker, node));
    let version = match fields.get("version") {
        Some(node) => walker.string(node, "version"),
        None => Some(String::new()),
    };
    if let Some(node) = fields.get("description") {
        walker.string(node, "description");
    }
    let process = match fields.get("process") {
        Some(node) => walker.string(node, "process").and_then(|id| {
            let valid = !id.is_empty()
                && id.len() <= 200
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !valid {
                walker.fail(
                    node.position,
                    "process",
                    "must be a BPMN process id (letters, digits, - _ .)",
                );
            }
            valid.then_some(id)
        }),
        None => None,
    };
    // A bad part is reported and replaced by a default, so the rest of the file is still
    // checked; any error fails the load in the end.
    let (format, keys) = fields
        .required(walker, "format")
        .and_then(|node| read_format(walker, node, "format"))
        .unwrap_or((Format::Json, KeyCase::AsIs));
    let reply_format = match fields.get("reply_format") {
        Some(node) => {
            read_format(walker, node, "reply_format").unwrap_or((Format::Json, KeyCase::AsIs))
        }
        None => (format.clone(), keys),
    };
    let mut limits = Limits::default();
    if let Some(node) = fields.get("body_bytes_max")
        && let Some(bytes_max) = walker
            .integer(node, "body_bytes_max", 1..=100 * 1024 * 1024)
            .and_then(|value| usize::try_from(value).ok())
    {
        limits.bytes_max = bytes_max;
    }
    let settings = match fields.get("settings") {
        Some(node) => settings(walker, node),
        None => Some(Value::Object(serde_json::Map::new())),
    };
    let mapping = fields
        .get("mapping")
        .map(|node| Template::compile(walker, node, "mapping"));
    let endpoints = match fields.get("endpoints") {
        Some(node) => endpoints(walker, node, mapping.is_some()),
        None => Vec::new(),
    };
    let outbound = match fields.get("outbound") {
        Some(node) => operations(walker, node),
        None => Vec::new(),
    };
    let events = match fields.get("events") {
        Some(node) => events(walker, node, &outbound),
        None => BTreeMap::new(),
    };
    let mapping = match mapping {
        Some(compiled) => Some(compiled?),
        None => None,
    };
    Some(Connector {
        file: file.to_owned(),
        name: name?,
        version: version?,
        process,
        format,
        keys,
        reply_format: reply_format.0,
        reply_keys: reply_format.1,
        limits,
        feel_limits: okno_feel::Limits::default(),
        settings: settings?,
        mapping,
        endpoints,
        outbound,
        events,
    })
}

fn connector_name(walker: &mut Walker, node: &Node) -> Option<String> {
    let name = walker.string(node, "name")?;
    let valid = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        walker.fail(
            node.position,
            "name",
            "must be 1 to 64 lowercase letters, digits or `-` (it is part of the URL)",
        );
        return None;
    }
    Some(name)
}

fn settings(walker: &mut Walker, node: &Node) -> Option<Value> {
    fn plain(node: &Node) -> Value {
        match &node.kind {
            NodeKind::Scalar(value) => value.clone(),
            NodeKind::Sequence(items) => Value::Array(items.iter().map(plain).collect()),
            NodeKind::Mapping(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(key, _, value)| (key.clone(), plain(value)))
                    .collect(),
            ),
        }
    }
    if !matches!(node.kind, NodeKind::Mapping(_)) {
        walker.fail(node.position, "settings", "must be a mapping of constants");
        return None;
    }
    Some(plain(node))
}

fn encoding(walker: &mut Walker, node: &Node, path: &str) -> Option<Encoding> {
    let label = walker.string(node, path)?;
    let encoding = Encoding::from_label(&label);
    if encoding.is_none() {
        walker.fail(node.position, path, "must be utf-8 or windows-1251");
    }
    encoding
}

fn read_format(walker: &mut Walker, node: &Node, path: &str) -> Option<(Format, KeyCase)> {
    let fields = walker.fields(
        node,
        path,
        &[
            "type",
            "keys",
            "attribute_prefix",
            "text_key",
            "force_list",
            "strip_namespaces",
            "encoding",
            "delimiter",
            "rename",
        ],
    )?;
    let kind = fields.required(walker, "type").and_then(|node| {
        walker.choice(node, &fields.field("type"), &["json", "xml", "csv", "form"])
    })?;
    let keys = match fields.get("keys") {
        Some(node) => match walker
            .choice(node, &fields.field("keys"), &["as_is", "kebab_to_camel"])?
            .as_str()
        {
            "kebab_to_camel" => KeyCase::KebabToCamel,
            _ => KeyCase::AsIs,
        },
        None => KeyCase::AsIs,
    };
    let only_for = |walker: &mut Walker, key: &str, kinds: &[&str]| {
        if let Some(node) = fields.get(key)
            && !kinds.contains(&kind.as_str())
        {
            walker.fail(
                node.position,
                &fields.field(key),
                format!("applies to {} only", kinds.join(" and ")),
            );
        }
    };
    only_for(walker, "attribute_prefix", &["xml"]);
    only_for(walker, "text_key", &["xml"]);
    only_for(walker, "force_list", &["xml"]);
    only_for(walker, "strip_namespaces", &["xml"]);
    only_for(walker, "encoding", &["xml", "csv"]);
    only_for(walker, "delimiter", &["csv"]);
    only_for(walker, "rename", &["csv"]);
    let format = match kind.as_str() {
        "xml" => Format::Xml(xml_options(walker, &fields)?),
        "csv" => Format::Csv(csv_options(walker, &fields)?),
        "form" => Format::Form,
        _ => Format::Json,
    };
    Some((format, keys))
}

fn xml_options(walker: &mut Walker, fields: &Fields<'_>) -> Option<XmlOptions> {
    let mut options = XmlOptions::default();
    if let Some(node) = fields.get("attribute_prefix") {
        options.attribute_prefix = walker.string(node, &fields.field("attribute_prefix"))?;
    }
    if let Some(node) = fields.get("text_key") {
        options.text_key = walker.string(node, &fields.field("text_key"))?;
    }
    if let Some(node) = fields.get("force_list") {
        options.force_list = walker
            .strings(node, &fields.field("force_list"))
            .into_iter()
            .collect();
    }
    if let Some(node) = fields.get("strip_namespaces") {
        options.strip_namespaces = walker.boolean(node, &fields.field("strip_namespaces"))?;
    }
    if let Some(node) = fields.get("encoding") {
        options.encoding = Some(encoding(walker, node, &fields.field("encoding"))?);
    }
    Some(options)
}

fn csv_options(walker: &mut Walker, fields: &Fields<'_>) -> Option<CsvOptions> {
    let mut options = CsvOptions::default();
    if let Some(node) = fields.get("delimiter") {
        let path = fields.field("delimiter");
        options.delimiter = match walker.choice(node, &path, &[",", ";", "auto"])?.as_str() {
            "," => Delimiter::Comma,
            ";" => Delimiter::Semicolon,
            _ => Delimiter::Auto,
        };
    }
    if let Some(node) = fields.get("encoding") {
        options.encoding = encoding(walker, node, &fields.field("encoding"))?;
    }
    if let Some(node) = fields.get("rename") {
        let path = fields.field("rename");
        let renames = walker.fields(node, &path, &[])?;
        // Every key is allowed here; the empty list above reported them, so undo that.
        walker
            .errors
            .retain(|error| !error.field.starts_with(&format!("{path}.")));
        for (from, _, to) in renames.entries() {
            let to = walker.string(to, &format!("{path}.{from}"))?;
            options.rename.insert(from.clone(), to);
        }
    }
    Some(options)
}

fn secret(walker: &mut Walker, node: &Node, path: &str) -> Option<Secret> {
    let fields = walker.fields(node, path, &["env", "value"])?;
    match (fields.get("env"), fields.get("value")) {
        (Some(env), None) => walker.string(env, &fields.field("env")).map(Secret::Env),
        (None, Some(value)) => walker
            .string(value, &fields.field("value"))
            .map(Secret::Inline),
        _ => {
            walker.fail(
                node.position,
                path,
                "give exactly one of `env` (an environment variable) or `value`",
            );
            None
        }
    }
}

fn auth(walker: &mut Walker, node: &Node, path: &str) -> Option<Auth> {
    let fields = walker.fields(
        node,
        path,
        &[
            "type", "header", "prefix", "secret", "username", "password", "encoding",
        ],
    )?;
    let kind = fields.required(walker, "type").and_then(|node| {
        walker.choice(
            node,
            &fields.field("type"),
            &["none", "api_key", "basic", "hmac_sha256"],
        )
    })?;
    let text = |walker: &mut Walker, key: &str, default: &str| match fields.get(key) {
        Some(node) => walker.string(node, &fields.field(key)),
        None => Some(default.to_owned()),
    };
    let secret_at = |walker: &mut Walker, key: &str| {
        fields
            .required(walker, key)
            .and_then(|node| secret(walker, node, &fields.field(key)))
    };
    match kind.as_str() {
        "api_key" => Some(Auth::ApiKey {
            header: text(walker, "header", "Authorization")?,
            prefix: text(walker, "prefix", "")?,
            secret: secret_at(walker, "secret")?,
        }),
        "basic" => Some(Auth::Basic {
            username: fields
                .required(walker, "username")
                .and_then(|node| walker.string(node, &fields.field("username")))?,
            password: secret_at(walker, "password")?,
        }),
        "hmac_sha256" => {
            let encoding = match fields.get("encoding") {
                Some(node) => {
                    match walker
                        .choice(node, &fields.field("encoding"), &["hex", "base64"])?
                        .as_str()
                    {
                        "base64" => SignatureEncoding::Base64,
                        _ => SignatureEncoding::Hex,
                    }
                }
                None => SignatureEncoding::Hex,
            };
            Some(Auth::HmacSha256 {
                header: fields
                    .required(walker, "header")
                    .and_then(|node| walker.string(node, &fields.field("header")))?,
                prefix: text(walker, "prefix", "")?,
                encoding,
                secret: secret_at(walker, "secret")?,
            })
        }
        _ => Some(Auth::None),
    }
}

fn sequence<'n>(walker: &mut Walker, node: &'n Node, path: &str) -> &'n [Node] {
    match &node.kind {
        NodeKind::Sequence(items) if items.len() <= ENTRIES_MAX => items,
        NodeKind::Sequence(_) => {
            walker.fail(
                node.position,
                path,
                format!("at most {ENTRIES_MAX} entries"),
            );
            &[]
        }
        _ => {
            walker.fail(
                node.position,
                path,
                format!("must be a list, not {}", node.describe()),
            );
            &[]
        }
    }
}

fn endpoints(walker: &mut Walker, node: &Node, has_mapping: bool) -> Vec<Endpoint> {
    let mut endpoints: Vec<Endpoint> = Vec::new();
    for (index, item) in sequence(walker, node, "endpoints").iter().enumerate() {
        let path = format!("endpoints[{index}]");
        if let Some(endpoint) = endpoint(walker, item, &path, has_mapping) {
            if endpoints.iter().any(|other| other.id == endpoint.id) {
                walker.fail(
                    item.position,
                    &path,
                    format!("a second endpoint {:?}", endpoint.id),
                );
            }
            if endpoints
                .iter()
                .any(|other| other.path == endpoint.path && other.method == endpoint.method)
            {
                walker.fail(
                    item.position,
                    &path,
                    format!(
                        "a second endpoint for {} {}",
                        endpoint.method, endpoint.path
                    ),
                );
            }
            endpoints.push(endpoint);
        }
    }
    endpoints
}

const ENDPOINT_KEYS: &[&str] = &[
    "id",
    "path",
    "method",
    "auth",
    "action",
    "idempotency_key",
    "order_key",
    "status",
    "client_order_number",
    "command",
    "update_recipient",
    "replies",
];

fn endpoint(walker: &mut Walker, node: &Node, path: &str, has_mapping: bool) -> Option<Endpoint> {
    let fields = walker.fields(node, path, ENDPOINT_KEYS)?;
    let id = fields
        .required(walker, "id")
        .and_then(|node| identifier(walker, node, &fields.field("id")));
    let url_path = fields
        .required(walker, "path")
        .and_then(|node| endpoint_path(walker, node, &fields.field("path")));
    let method = match fields.get("method") {
        Some(node) => walker.choice(node, &fields.field("method"), &["POST", "PUT", "GET"]),
        None => Some("POST".to_owned()),
    };
    let auth = fields
        .required(walker, "auth")
        .and_then(|node| auth(walker, node, &fields.field("auth")));
    let action_name = fields.required(walker, "action").and_then(|node| {
        walker.choice(
            node,
            &fields.field("action"),
            &["create_order", "order_status", "reply"],
        )
    })?;
    let optional_expression = |walker: &mut Walker, key: &str| {
        fields
            .get(key)
            .map(|node| template::expression(walker, node, &fields.field(key)))
    };
    let action = match action_name.as_str() {
        "create_order" => {
            if !has_mapping {
                walker.fail(
                    fields.position,
                    &fields.field("action"),
                    "create_order needs the top-level `mapping` to the canonical order",
                );
            }
            let key = optional_expression(walker, "idempotency_key");
            Action::CreateOrder {
                idempotency_key: match key {
                    Some(key) => Some(Box::new(Compiled::new(key?))),
                    None => None,
                },
            }
        }
        "order_status" => {
            let order_key = fields
                .required(walker, "order_key")
                .and_then(|node| template::expression(walker, node, &fields.field("order_key")));
            let status = fields
                .required(walker, "status")
                .and_then(|node| template::expression(walker, node, &fields.field("status")));
            let number = optional_expression(walker, "client_order_number");
            let command = optional_expression(walker, "command");
            let update_recipient = match fields.get("update_recipient") {
                Some(node) => {
                    let flag = walker.boolean(node, &fields.field("update_recipient"));
                    if flag == Some(true) && !has_mapping {
                        walker.fail(
                            node.position,
                            &fields.field("update_recipient"),
                            "update_recipient needs the top-level `mapping` to read the recipient",
                        );
                    }
                    if flag == Some(true) && fields.get("client_order_number").is_none() {
                        walker.fail(
                            node.position,
                            &fields.field("update_recipient"),
                            "update_recipient needs `client_order_number` to find the order",
                        );
                    }
                    flag.unwrap_or(false)
                }
                None => false,
            };
            if let (Some(node), None) = (fields.get("command"), fields.get("client_order_number")) {
                walker.fail(
                    node.position,
                    &fields.field("command"),
                    "a command needs `client_order_number` to find the order it acts on",
                );
            }
            Action::OrderStatus {
                order_key: Box::new(Compiled::new(order_key?)),
                status: Box::new(Compiled::new(status?)),
                client_order_number: match number {
                    Some(number) => Some(Box::new(Compiled::new(number?))),
                    None => None,
                },
                command: match command {
                    Some(command) => Some(Box::new(Compiled::new(command?))),
                    None => None,
                },
                update_recipient,
            }
        }
        _ => Action::Reply,
    };
    for key in [
        "idempotency_key",
        "order_key",
        "status",
        "client_order_number",
        "command",
        "update_recipient",
    ] {
        let belongs = match key {
            "idempotency_key" => action_name == "create_order",
            _ => action_name == "order_status",
        };
        if let Some(node) = fields.get(key)
            && !belongs
        {
            walker.fail(
                node.position,
                &fields.field(key),
                format!("does not apply to action {action_name}"),
            );
        }
    }
    let replies = match fields.get("replies") {
        Some(node) => replies(walker, node, &fields.field("replies"))?,
        None => BTreeMap::new(),
    };
    Some(Endpoint {
        id: id?,
        path: url_path?,
        method: method?,
        auth: auth?,
        action,
        replies,
    })
}

fn identifier(walker: &mut Walker, node: &Node, path: &str) -> Option<String> {
    let id = walker.string(node, path)?;
    let valid = (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid {
        walker.fail(
            node.position,
            path,
            "must be 1 to 64 letters, digits, `_` or `-`",
        );
        return None;
    }
    Some(id)
}

fn endpoint_path(walker: &mut Walker, node: &Node, path: &str) -> Option<String> {
    let text = walker.string(node, path)?;
    let valid = text.starts_with('/')
        && text.len() <= 200
        && !text.contains("//")
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/-_.".contains(c));
    if !valid {
        walker.fail(
            node.position,
            path,
            "must start with `/` and hold only letters, digits, `/`, `-`, `_` and `.`",
        );
        return None;
    }
    Some(text)
}

fn replies(walker: &mut Walker, node: &Node, path: &str) -> Option<BTreeMap<ReplyKind, ReplySpec>> {
    let names: Vec<&str> = ReplyKind::ALL.iter().map(|kind| kind.name()).collect();
    let fields = walker.fields(node, path, &names)?;
    let mut replies = BTreeMap::new();
    for kind in ReplyKind::ALL {
        let Some(node) = fields.get(kind.name()) else {
            continue;
        };
        let reply_path = fields.field(kind.name());
        let Some(reply) = walker.fields(node, &reply_path, &["status", "body"]) else {
            continue;
        };
        let status = match reply.get("status") {
            Some(node) => walker
                .integer(node, &reply.field("status"), 200..=599)
                .and_then(|status| u16::try_from(status).ok()),
            None => Some(kind.default_status()),
        };
        let body = match reply.get("body") {
            Some(node) => Template::compile(walker, node, &reply.field("body")).map(Some),
            None => Some(None),
        };
        if let (Some(status), Some(body)) = (status, body) {
            replies.insert(*kind, ReplySpec { status, body });
        }
    }
    Some(replies)
}

fn operations(walker: &mut Walker, node: &Node) -> Vec<Operation> {
    let mut operations: Vec<Operation> = Vec::new();
    for (index, item) in sequence(walker, node, "outbound").iter().enumerate() {
        let path = format!("outbound[{index}]");
        if let Some(operation) = operation(walker, item, &path) {
            if operations.iter().any(|other| other.id == operation.id) {
                walker.fail(
                    item.position,
                    &path,
                    format!("a second operation {:?}", operation.id),
                );
            }
            operations.push(operation);
        }
    }
    operations
}

fn operation(walker: &mut Walker, node: &Node, path: &str) -> Option<Operation> {
    let fields = walker.fields(
        node,
        path,
        &["id", "method", "url", "headers", "body", "retry"],
    )?;
    let id = fields
        .required(walker, "id")
        .and_then(|node| identifier(walker, node, &fields.field("id")));
    let method = match fields.get("method") {
        Some(node) => walker.choice(
            node,
            &fields.field("method"),
            &["GET", "POST", "PUT", "PATCH", "DELETE"],
        ),
        None => Some("POST".to_owned()),
    };
    let url = fields
        .required(walker, "url")
        .and_then(|node| url_template(walker, node, &fields.field("url")));
    let mut headers = Vec::new();
    if let Some(node) = fields.get("headers") {
        let header_path = fields.field("headers");
        if let NodeKind::Mapping(entries) = &node.kind {
            for (name, _, value) in entries {
                let field = format!("{header_path}.{name}");
                if let Some(template) = Template::compile(walker, value, &field) {
                    headers.push((name.clone(), template));
                }
            }
        } else {
            walker.fail(
                node.position,
                &header_path,
                "must be a mapping of header names",
            );
        }
    }
    let body = match fields.get("body") {
        Some(node) => Some(Template::compile(walker, node, &fields.field("body"))?),
        None => None,
    };
    let retry = match fields.get("retry") {
        Some(node) => retry(walker, node, &fields.field("retry"))?,
        None => RetryPolicy::default(),
    };
    Some(Operation {
        id: id?,
        method: method?,
        url: url?,
        headers,
        body,
        retry,
    })
}

fn retry(walker: &mut Walker, node: &Node, path: &str) -> Option<RetryPolicy> {
    let fields = walker.fields(
        node,
        path,
        &[
            "attempts_max",
            "backoff_initial_ms",
            "backoff_factor",
            "backoff_max_ms",
        ],
    )?;
    let mut policy = RetryPolicy::default();
    let number = |walker: &mut Walker, key: &str, range: std::ops::RangeInclusive<i64>| {
        fields
            .get(key)
            .map(|node| walker.integer(node, &fields.field(key), range))
    };
    if let Some(value) = number(walker, "attempts_max", 1..=ATTEMPTS_MAX) {
        policy.attempts_max = u32::try_from(value?).ok()?;
    }
    if let Some(value) = number(walker, "backoff_initial_ms", 1..=3_600_000) {
        policy.backoff_initial_ms = u64::try_from(value?).ok()?;
    }
    if let Some(value) = number(walker, "backoff_factor", 1..=10) {
        policy.backoff_factor = u32::try_from(value?).ok()?;
    }
    if let Some(value) = number(walker, "backoff_max_ms", 1..=86_400_000) {
        policy.backoff_max_ms = u64::try_from(value?).ok()?;
    }
    Some(policy)
}

/// `=expression`, or text with `{expression}` placeholders whose results are percent-encoded
/// (except a leading one, the base URL, inserted as it is).
fn url_template(walker: &mut Walker, node: &Node, path: &str) -> Option<Vec<UrlPart>> {
    let text = walker.string(node, path)?;
    if text.trim_start().starts_with('=') {
        return compile(walker, &text, node.position, path)
            .map(|expression| vec![UrlPart::Whole(Box::new(expression))]);
    }
    let mut parts = Vec::new();
    let mut rest = text.as_str();
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            walker.fail(node.position, path, "a `{` without its `}`");
            return None;
        };
        parts.push(UrlPart::Literal(rest[..open].to_owned()));
        let source = &rest[open + 1..open + close];
        let expression = Box::new(compile(walker, source, node.position, path)?);
        // A placeholder that starts the URL is its base (`{settings.api_base}/orders`): kept
        // as it is, and checked to be an http(s) URL when rendered.
        parts.push(if parts.len() == 1 && open == 0 {
            UrlPart::Base(expression)
        } else {
            UrlPart::Placeholder(expression)
        });
        rest = &rest[open + close + 1..];
    }
    parts.push(UrlPart::Literal(rest.to_owned()));
    if !(text.starts_with("https://") || text.starts_with("http://") || text.starts_with('{')) {
        walker.fail(
            node.position,
            path,
            "must start with https://, http:// or a {…} base URL",
        );
        return None;
    }
    Some(parts)
}

fn events(
    walker: &mut Walker,
    node: &Node,
    operations: &[Operation],
) -> BTreeMap<String, Vec<usize>> {
    let mut events = BTreeMap::new();
    let NodeKind::Mapping(entries) = &node.kind else {
        walker.fail(
            node.position,
            "events",
            "must be a mapping of event type to operations",
        );
        return events;
    };
    for (event, position, value) in entries {
        let path = format!("events.{event}");
        if !is_event_type(event) {
            walker.fail(
                *position,
                &path,
                "an event type is `order.` and lowercase words, e.g. order.tracknumber_assigned",
            );
        }
        let names = match &value.kind {
            NodeKind::Scalar(Value::String(name)) => vec![name.clone()],
            _ => walker.strings(value, &path),
        };
        let mut indexes = Vec::new();
        for name in names {
            match operations.iter().position(|operation| operation.id == name) {
                Some(index) => indexes.push(index),
                None => walker.fail(
                    value.position,
                    &path,
                    format!("no outbound operation {name:?}"),
                ),
            }
        }
        events.insert(event.clone(), indexes);
    }
    events
}

fn is_event_type(name: &str) -> bool {
    name.strip_prefix("order.").is_some_and(|rest| {
        !rest.is_empty() && rest.chars().all(|c| c.is_ascii_lowercase() || c == '_')
    })
}
