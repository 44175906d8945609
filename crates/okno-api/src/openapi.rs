//! The OpenAPI 3.1 document, generated from the handlers' annotations, and the JSON Schema of
//! the order draft cut out of it (one source for both).

use crate::routes::{
    admin, clean, connectors, fulfilment, labels, offices, orders, participants, processes, system,
    tariff, tracking, tracknumbers, webhooks,
};
use serde_json::{Map, Value, json};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        add_auth_responses(openapi);
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A tenant or operator key: `Authorization: Bearer okno_t_…`",
                    ))
                    .build(),
            ),
        );
    }
}

/// Every operation that takes a key can answer 401 (no, unknown or revoked key) and 403 (a key
/// of the wrong role); documented once here instead of on each handler.
fn add_auth_responses(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let problem = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build()
    };
    for item in openapi.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            if operation.security.is_none() {
                continue;
            }
            let responses = &mut operation.responses.responses;
            responses
                .entry("401".to_owned())
                .or_insert_with(|| problem("No key, or an unknown or revoked one").into());
            responses
                .entry("403".to_owned())
                .or_insert_with(|| problem("The key's role cannot do this").into());
        }
    }
}

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "okno",
        description = "One window to every logistics service: orders, and soon tariffs, track numbers, labels and tracking. Errors are RFC 9457 problem+json; every problem `type` is documented under /problems.",
    ),
    paths(
        orders::create_order, orders::get_order, orders::list_orders, orders::order_events,
        orders::cancel_order,
        participants::register, participants::list,
        tracknumbers::check, tracknumbers::assign, tracknumbers::add_range, tracknumbers::list_ranges,
        tariff::quote, tariff::otpravka_tariff, tariff::pochta_tariff, tariff::pochta_delivery,
        labels::order_label, labels::batch, fulfilment::register_parcel,
        tracking::ingest, tracking::history, tracking::histories,
        clean::address, clean::physical, clean::phone, clean::otpravka_address_route,
        clean::otpravka_physical, clean::otpravka_phone,
        offices::get_office, offices::nearest, offices::otpravka_get, offices::otpravka_nearby,
        offices::otpravka_by_address, offices::reload,
        processes::deploy, processes::list, processes::version_file, processes::start,
        processes::list_instances, processes::get_instance, processes::get_history,
        processes::instance_action, processes::publish, processes::signal, processes::activate,
        processes::job_action, processes::incidents, processes::incident_action,
        connectors::try_connector, connectors::reload,
        webhooks::create, webhooks::list, webhooks::get_one, webhooks::update, webhooks::delete,
        webhooks::action, webhooks::deliveries, webhooks::delivery_action,
        admin::create_tenant, admin::list_tenants, admin::create_key, admin::list_keys,
        admin::revoke_key, admin::put_otpravka_account,
        system::healthz, system::readyz, system::metrics,
    ),
    components(schemas(okno_model::OrderDraft, okno_model::Order, crate::problem::Problem)),
    modifiers(&Security),
    tags(
        (name = "orders", description = "Orders of the key's tenant"),
        (name = "participants", description = "Customers and executors the tenant works with"),
        (name = "postal", description = "Postal services: track numbers, tariff, labels, post offices, address, name and phone normalisation"),
        (name = "tracking", description = "Tracking: operations reported by executors, histories by number. The public page is GET /track/{number}; Russian Post's SOAP services are at POST /rtm34 (single, WSDL at /rtm34?wsdl) and POST /fc (batch, WSDL at /fc?wsdl)"),
        (name = "otpravka", description = "Russian Post-compatible endpoints (Otpravka, tariff.pochta.ru, delivery.pochta.ru): change the host, keep the client"),
        (name = "processes", description = "BPMN processes: deploy Camunda Modeler files, run instances durably, messages and signals, jobs for external workers, incidents"),
        (name = "connectors", description = "Connector files: try one on a sample payload. Each loaded connector serves its own endpoints under /connectors/{tenant}/{name}/{path}, in its client's format and authentication"),
        (name = "webhooks", description = "Webhooks: endpoints that receive the tenant's order events, signed the Standard Webhooks way (webhook-id, webhook-timestamp, webhook-signature), retried on a schedule, with a delivery log and replay. See docs/webhooks.md"),
        (name = "admin", description = "Tenants and keys (operator keys only)"),
        (name = "system", description = "Health and metrics"),
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

/// The OpenAPI document.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

fn rewrite_refs(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if let Some(Value::String(reference)) = object.get_mut("$ref")
                && let Some(name) = reference.strip_prefix("#/components/schemas/")
            {
                *reference = format!("#/$defs/{name}");
            }
            object.values_mut().for_each(rewrite_refs);
        }
        Value::Array(elements) => elements.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

fn collect_refs(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            if let Some(Value::String(reference)) = object.get("$ref") {
                let name = reference.rsplit('/').next().unwrap_or_default();
                found.push(name.to_owned());
            }
            object.values().for_each(|inner| collect_refs(inner, found));
        }
        Value::Array(elements) => elements.iter().for_each(|inner| collect_refs(inner, found)),
        _ => {}
    }
}

/// The definitions `root` refers to, directly or through each other.
fn reachable(root: &Value, definitions: &Map<String, Value>) -> Map<String, Value> {
    let mut kept = Map::new();
    let mut pending = Vec::new();
    collect_refs(root, &mut pending);
    while let Some(name) = pending.pop() {
        if kept.contains_key(&name) {
            continue;
        }
        if let Some(definition) = definitions.get(&name) {
            collect_refs(definition, &mut pending);
            kept.insert(name, definition.clone());
        }
    }
    kept
}

/// A standalone JSON Schema (2020-12) of the order draft, with its parts under `$defs`.
pub fn order_draft_schema() -> Value {
    let openapi = serde_json::to_value(document()).unwrap_or(Value::Null);
    let mut definitions: Map<String, Value> = openapi["components"]["schemas"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    definitions.remove("Problem");
    let mut root = definitions.remove("OrderDraft").unwrap_or(Value::Null);
    rewrite_refs(&mut root);
    let mut definitions = Value::Object(reachable(&root, &definitions));
    rewrite_refs(&mut definitions);
    let mut schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "/schemas/order.json",
        "title": "okno order draft",
        "description": "The canonical order a client sends to POST /v1/orders and a connector mapping produces. Money in kopecks, mass in grams, lengths in millimetres.",
    });
    if let (Value::Object(target), Value::Object(body)) = (&mut schema, root) {
        target.extend(body);
        target.insert("$defs".to_owned(), definitions);
    }
    schema
}
