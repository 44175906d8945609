//! The seam between orders and their BPMN processes: every accepted order runs a process
//! (the tenant's or its channel's), and what happens to an order outside the process (a batch,
//! a weighing at the sorter, a cancellation, a released hold) reaches it as a message
//! correlated by the order id.

use crate::error::OmsError;
use crate::service::{IdempotencyRequest, Oms, Reply};
use chrono::{DateTime, Utc};
use okno_model::{Actor, Order, OrderId, Priority, TenantId};
use okno_process::{Message, ProcessError, Processes, publish_request, start_request};
use okno_store::InboxRecord;
use serde_json::{Map, Value};
use std::time::Duration;

/// Messages okno publishes to an order's process, correlated by the order id.
pub mod messages {
    /// The client asked for the shipment to be made (a batch, the sorter, the marketplace's
    /// label request): the deferred process goes on to the label.
    pub const SHIPMENT_REQUESTED: &str = "okno.shipment.requested";
    /// The order is cancelled: the process stops wherever it waits.
    pub const CANCEL: &str = "okno.order.cancel";
    /// The last hold was released: the process goes past its gate.
    pub const RELEASED: &str = "okno.order.released";
    /// The recipient's address was corrected: the address check runs again.
    pub const ADDRESS_CORRECTED: &str = "okno.order.address_corrected";
}

/// A message for an order's process that commits with a change of the order (it reaches the
/// process even if okno stops right after the commit).
#[derive(Clone, Debug)]
pub(crate) struct Tell {
    /// The message name (one of [`messages`]).
    pub name: &'static str,
    /// Variables it brings.
    pub variables: Map<String, Value>,
    /// Makes a repeat harmless: a second message with this id is ignored.
    pub message_id: String,
}

impl Tell {
    /// A message without variables.
    pub(crate) fn new(name: &'static str, message_id: String) -> Tell {
        Tell {
            name,
            variables: Map::new(),
            message_id,
        }
    }
}

/// How long a message to an order's process waits for its subscription.
pub const MESSAGE_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// The default shipment process: address, tariff, executor, track number, label, tracking,
/// notification, one after the other.
pub const SHIPMENT: &str = "okno-shipment";
/// The marketplace variant: the order comes first; the price, the track number and the label
/// when the shop asks for the shipment (a batch, the sorter, the marketplace's status).
pub const SHIPMENT_DEFERRED: &str = "okno-shipment-deferred";

/// The shipped process files, as an analyst opens them in Camunda Modeler.
pub const SHIPPED: &[(&str, &str)] = &[
    (
        SHIPMENT,
        include_str!("../../../processes/okno-shipment.bpmn"),
    ),
    (
        SHIPMENT_DEFERRED,
        include_str!("../../../processes/okno-shipment-deferred.bpmn"),
    ),
];

/// The process an order from a channel runs when nobody names one: Otpravka-style clients
/// create orders first and ship them in batches later, so theirs is the deferred process.
pub fn process_for_channel(channel: &str) -> &'static str {
    match channel {
        "otpravka" => SHIPMENT_DEFERRED,
        _ => SHIPMENT,
    }
}

/// How long an order of this priority may take when the client gave no deadline.
pub fn default_allowance(priority: Priority) -> chrono::Duration {
    match priority {
        Priority::Urgent => chrono::Duration::hours(4),
        Priority::High => chrono::Duration::hours(24),
        Priority::Normal => chrono::Duration::hours(72),
        Priority::Low => chrono::Duration::hours(168),
    }
}

/// When an order is escalated: once three quarters of the time to its deadline (the client's,
/// else the priority's allowance) have passed, and at least an hour before the deadline.
pub fn escalate_at(order: &Order) -> DateTime<Utc> {
    let deadline = order.deadline.map_or_else(
        || order.created_at + default_allowance(order.priority),
        |deadline| deadline.with_timezone(&Utc),
    );
    let allowance = deadline - order.created_at;
    let margin = std::cmp::max(allowance / 4, chrono::Duration::hours(1));
    std::cmp::max(deadline - margin, order.created_at)
}

/// The variables an order's process starts with.
pub fn start_variables(order: &Order) -> Map<String, Value> {
    let mut variables = Map::new();
    variables.insert("orderId".to_owned(), Value::String(order.id.to_string()));
    variables.insert(
        "clientOrderNumber".to_owned(),
        Value::String(order.client_order_number.clone()),
    );
    variables.insert(
        "priority".to_owned(),
        Value::String(order.priority.as_str().to_owned()),
    );
    variables.insert(
        "escalateAt".to_owned(),
        Value::String(escalate_at(order).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    );
    variables.insert("addressOverride".to_owned(), Value::Bool(false));
    variables
}

impl Oms {
    /// The same service, running every accepted order's process on `processes`.
    pub fn with_processes(mut self, processes: Processes) -> Self {
        self.processes = Some(processes);
        self
    }

    /// The BPMN runtime the orders run on, if any.
    pub fn processes(&self) -> Option<&Processes> {
        self.processes.as_ref()
    }

    /// Accepts a canonical order that came through a named channel (`api`, `otpravka`,
    /// `connector:yandex-market`, `import`); the channel may choose the order's process.
    pub async fn create_order_for_channel(
        &self,
        tenant_id: TenantId,
        actor: Actor,
        document: &Value,
        idempotency: Option<IdempotencyRequest>,
        channel: &str,
    ) -> Result<Reply, OmsError> {
        self.create_order_in(
            tenant_id,
            actor,
            document,
            idempotency,
            Some(process_for_channel(channel)),
        )
        .await
    }

    /// The inbox row that starts the order's process (none without a process runtime).
    /// Deploys the shipped processes for the tenant first if it has no version of them (a
    /// tenant that deployed its own keeps it).
    pub(crate) async fn process_start(
        &self,
        order: &Order,
        process_id: Option<&str>,
    ) -> Result<Vec<InboxRecord>, OmsError> {
        let Some(processes) = &self.processes else {
            return Ok(Vec::new());
        };
        let process_id = process_id.unwrap_or(SHIPMENT);
        self.ensure_deployed(processes, order.tenant_id, process_id)
            .await?;
        start_request(
            order.tenant_id,
            order.id.as_uuid(),
            process_id,
            start_variables(order),
            Some(order.id.to_string()),
        )
        .map(|row| vec![row])
        .map_err(process_error)
    }

    /// The inbox rows that carry `tells` to the order's process, to commit with the order's
    /// change (empty without a process runtime).
    pub(crate) fn tell_rows(
        &self,
        order: &Order,
        tells: Vec<Tell>,
    ) -> Result<Vec<InboxRecord>, OmsError> {
        if self.processes.is_none() {
            return Ok(Vec::new());
        }
        tells
            .into_iter()
            .map(|tell| {
                let message = Message {
                    name: tell.name.to_owned(),
                    correlation_key: order.id.to_string(),
                    variables: tell.variables,
                    time_to_live: MESSAGE_TTL,
                    message_id: Some(tell.message_id),
                };
                publish_request(order.tenant_id, order.id.as_uuid(), message).map_err(process_error)
            })
            .collect()
    }

    /// Hands committed inbox rows (a process start, messages) to the process runtime now,
    /// without waiting for the background loop, which would otherwise take them on its next
    /// round (on any node): the rows are already durable, so a failure here loses nothing.
    pub(crate) fn run_process_inbox(&self, rows: Vec<InboxRecord>) {
        if rows.is_empty() {
            return;
        }
        let Some(processes) = self.processes.clone() else {
            return;
        };
        tokio::spawn(async move {
            for row in rows {
                if let Err(error) = processes.run_inbox(&row).await {
                    tracing::warn!(%error, instance = %row.instance_id, kind = row.kind, "order process inbox");
                }
            }
        });
    }

    async fn ensure_deployed(
        &self,
        processes: &Processes,
        tenant_id: TenantId,
        process_id: &str,
    ) -> Result<(), OmsError> {
        let key = (tenant_id, process_id.to_owned());
        if self
            .deployed
            .lock()
            .map(|deployed| deployed.contains(&key))
            .unwrap_or(false)
        {
            return Ok(());
        }
        let known = processes
            .store()
            .process_version_number(tenant_id, process_id, None)
            .await?;
        if known.is_none() {
            let Some((_, file)) = SHIPPED.iter().find(|(id, _)| *id == process_id) else {
                return Err(OmsError::Process(format!(
                    "the process `{process_id}` is not deployed for this tenant"
                )));
            };
            processes
                .deploy(tenant_id, file)
                .await
                .map_err(process_error)?;
        }
        if let Ok(mut deployed) = self.deployed.lock() {
            deployed.insert(key);
        }
        Ok(())
    }

    /// Asks for the shipment of an order: its process (the deferred one waits for this) goes
    /// on to the price, the track number and the label. A repeat is harmless; a cancelled or
    /// finished order is refused.
    pub async fn request_shipment(
        &self,
        tenant_id: TenantId,
        id: OrderId,
    ) -> Result<Order, OmsError> {
        let order = self.order(tenant_id, id).await?;
        if order.status.is_final() {
            return Err(OmsError::Transition(crate::TransitionRejected {
                from: order.status,
                command: crate::OrderCommand::AssignTrackNumbers,
            }));
        }
        self.notify_process(
            tenant_id,
            id,
            messages::SHIPMENT_REQUESTED,
            Map::new(),
            Some(format!("request-shipment:{id}")),
        )
        .await?;
        Ok(order)
    }

    /// The order with this client order number.
    pub async fn order_by_client_number(
        &self,
        tenant_id: TenantId,
        number: &str,
    ) -> Result<Order, OmsError> {
        self.store()
            .order_by_client_number(tenant_id, number)
            .await?
            .ok_or(OmsError::OrderNotFound)
    }

    /// Tells an order's process that something happened to the order. `message_id` makes a
    /// repeat harmless (the second publish is ignored). Without a process runtime, nothing
    /// happens.
    pub async fn notify_process(
        &self,
        tenant_id: TenantId,
        order_id: OrderId,
        name: &str,
        variables: Map<String, Value>,
        message_id: Option<String>,
    ) -> Result<(), OmsError> {
        let Some(processes) = &self.processes else {
            return Ok(());
        };
        let message = Message {
            name: name.to_owned(),
            correlation_key: order_id.to_string(),
            variables,
            time_to_live: MESSAGE_TTL,
            message_id,
        };
        processes
            .publish(tenant_id, message)
            .await
            .map(|_| ())
            .map_err(process_error)
    }
}

fn process_error(error: ProcessError) -> OmsError {
    OmsError::Process(error.to_string())
}
