//! The seam between orders and their BPMN processes: every accepted order runs a process
//! (the tenant's or its channel's), and what happens to an order outside the process (a batch,
//! a weighing at the sorter, a cancellation, a released hold) reaches it as a message
//! correlated by the order id.

use crate::error::OmsError;
use crate::service::{IdempotencyRequest, Oms, Reply};
use okno_model::{Actor, OrderId, TenantId};
use okno_process::{Message, ProcessError, Processes};
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

/// How long a message to an order's process waits for its subscription.
pub const MESSAGE_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

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
        let _ = channel;
        self.create_order(tenant_id, actor, document, idempotency)
            .await
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
            .map_err(|error: ProcessError| OmsError::Process(error.to_string()))
    }
}
