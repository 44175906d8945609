//! Batches (партии) of the Otpravka model: orders wait in the backlog ("new"), a shipment
//! request puts them into batches (one per mail type and category) and gives their parcels
//! track numbers, and the shipper's check-in (the electronic F103) hands the batch over.
//!
//! Rules, all here rather than in the HTTP layer:
//! - An order joins a batch only from the backlog (no batch yet) and while its status allows
//!   the `Batch` command; every parcel of it has the same mail type and category.
//! - Track numbers are assigned ([`Oms::assign_tracknumbers`]) before a batch is created, so a
//!   batch is only created for orders that got their numbers; a batch's name is the tenant's
//!   next number (1, 2, …), given by the store.
//! - Joining or leaving is an `order.batched` event that writes `fulfilment.batch`; the batch's
//!   orders are found through that field, so membership cannot disagree with the event log.
//!   After joining, the order's process gets `okno.shipment.requested`.
//! - An order leaves its batch ("back to new") only while the batch is `CREATED`; an order in a
//!   batch cannot be deleted from the backlog.
//! - Check-in hands over every order of the batch, or none: an order is ready when it is
//!   `ready_to_ship` (its process prepared it), already handed over, or, when okno runs no
//!   process that would prepare it, when it has its track numbers and no hold. A repeated
//!   check-in of a `SENT` batch answers as the first did.

use crate::error::OmsError;
use crate::flow::{Tell, messages};
use crate::lifecycle::{OrderCommand, transition};
use crate::service::{Change, Oms, UPDATE_ATTEMPTS_MAX, now};
use chrono::NaiveDate;
use okno_model::{Actor, EventKind, MailCategory, MailType, Order, OrderId, OrderStatus, TenantId};
use okno_store::{BatchRecord, BatchStatus, StoreError};
use serde_json::{Value, json};

/// Most ids one batch request may name.
pub const BATCH_REQUEST_IDS_MAX: usize = 1_000;

/// Why one order of a request was not handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefusalCode {
    /// No such order for this tenant.
    NotFound,
    /// The order is already in a batch.
    InBatch,
    /// The order is not in a batch.
    NotInBatch,
    /// The batch no longer accepts changes (its status is not `CREATED`).
    BatchClosed,
    /// The order's status does not allow it (cancelled, already handed over, …).
    StatusNotAllowed,
    /// The parcels of the order differ in mail type or category.
    MixedParcels,
    /// No track number is left for the order's mail type.
    NoTrackNumbers,
    /// The order is not ready to be handed over.
    NotReady,
}

/// One order of a request that was refused, with its position in the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// Index in the request (or in the batch, for a check-in).
    pub position: usize,
    /// The order, when it exists.
    pub order_id: Option<OrderId>,
    /// Why.
    pub code: RefusalCode,
    /// Details for a person.
    pub detail: String,
}

/// A batch and its orders (oldest first).
#[derive(Clone, Debug)]
pub struct BatchView {
    /// The batch.
    pub batch: BatchRecord,
    /// Its orders.
    pub orders: Vec<Order>,
}

/// What a shipment request did.
#[derive(Clone, Debug)]
pub struct Shipment {
    /// The batches created, in the order their first order appeared in the request.
    pub batches: Vec<BatchView>,
    /// The orders placed in a batch, by position in the request.
    pub placed: Vec<(usize, OrderId)>,
    /// The orders refused.
    pub refused: Vec<Refusal>,
}

/// What a check-in did.
#[derive(Clone, Debug)]
pub enum CheckIn {
    /// The batch is `SENT` and its orders handed over.
    Sent(BatchRecord),
    /// Nothing changed: these orders are not ready.
    NotReady(Vec<Refusal>),
}

fn refusal(position: usize, order: Option<&Order>, code: RefusalCode, detail: String) -> Refusal {
    Refusal {
        position,
        order_id: order.map(|order| order.id),
        code,
        detail,
    }
}

/// What one batch holds: one mail type and one category.
type BatchKind = (MailType, MailCategory);

/// The mail type and category shared by every parcel, if they agree.
fn kind_of(order: &Order) -> Option<BatchKind> {
    let first = order.parcels.first()?;
    let kind = (first.mail_type, first.mail_category);
    order
        .parcels
        .iter()
        .all(|parcel| (parcel.mail_type, parcel.mail_category) == kind)
        .then_some(kind)
}

/// Batch names are numbers on the wire and text in `fulfilment.batch`.
fn batch_name(batch: &BatchRecord) -> String {
    batch.name.to_string()
}

impl Oms {
    /// The numeric id Otpravka clients use for an order (handed out on first use).
    pub async fn otpravka_id(&self, tenant_id: TenantId, id: OrderId) -> Result<i64, OmsError> {
        Ok(self.store.otpravka_id(tenant_id, id).await?)
    }

    /// The order a numeric Otpravka id names.
    pub async fn otpravka_order(
        &self,
        tenant_id: TenantId,
        otpravka_id: i64,
    ) -> Result<Order, OmsError> {
        let id = self
            .store
            .order_id_by_otpravka_id(tenant_id, otpravka_id)
            .await?
            .ok_or(OmsError::OrderNotFound)?;
        self.order(tenant_id, id).await
    }

    /// The tenant's order with a parcel of this track number.
    pub async fn order_by_track_number(
        &self,
        tenant_id: TenantId,
        track_number: &str,
    ) -> Result<Order, OmsError> {
        self.store
            .order_by_track_number(tenant_id, track_number)
            .await?
            .ok_or(OmsError::OrderNotFound)
    }

    /// A batch with its orders.
    pub async fn batch_view(&self, tenant_id: TenantId, name: i64) -> Result<BatchView, OmsError> {
        let batch = self
            .store
            .batch(tenant_id, name)
            .await?
            .ok_or_else(|| OmsError::NotFound(format!("batch {name}")))?;
        let orders = self
            .store
            .batch_orders(tenant_id, &batch_name(&batch))
            .await?;
        Ok(BatchView { batch, orders })
    }

    async fn resolve(
        &self,
        tenant_id: TenantId,
        position: usize,
        otpravka_id: i64,
    ) -> Result<Result<Order, Refusal>, OmsError> {
        match self.otpravka_order(tenant_id, otpravka_id).await {
            Ok(order) => Ok(Ok(order)),
            Err(OmsError::OrderNotFound) => Ok(Err(refusal(
                position,
                None,
                RefusalCode::NotFound,
                format!("no order {otpravka_id}"),
            ))),
            Err(other) => Err(other),
        }
    }

    /// Moves an order into a batch (`to = Some`) or out of one (`to = None`), provided it is
    /// still where `from` says; `Ok(Err(code))` when it is not, or its status forbids it.
    async fn move_batch(
        &self,
        tenant_id: TenantId,
        id: OrderId,
        actor: &Actor,
        from: Option<&str>,
        to: Option<&str>,
        tell: impl Fn(&Order) -> Vec<Tell>,
    ) -> Result<Result<(), RefusalCode>, OmsError> {
        for _ in 0..UPDATE_ATTEMPTS_MAX {
            let mut order = self.order(tenant_id, id).await?;
            if order.fulfilment.batch.as_deref() != from {
                return Ok(Err(match from {
                    None => RefusalCode::InBatch,
                    Some(_) => RefusalCode::NotInBatch,
                }));
            }
            if transition(order.status, OrderCommand::Batch).is_err() {
                return Ok(Err(RefusalCode::StatusNotAllowed));
            }
            order.fulfilment.batch = to.map(str::to_owned);
            let change = Change {
                command: OrderCommand::Batch,
                kind: EventKind::Batched,
                actor: actor.clone(),
                details: json!({ "batch": to, "previous_batch": from }),
            };
            let tells = tell(&order);
            match self.apply_telling(order, &change, None, tells).await {
                Err(OmsError::Store(StoreError::VersionConflict { .. })) => continue,
                Err(other) => return Err(other),
                Ok(_) => return Ok(Ok(())),
            }
        }
        Err(OmsError::Contended(id))
    }

    /// Checks one order of a shipment request and gives its parcels track numbers.
    async fn prepare_for_batch(
        &self,
        tenant_id: TenantId,
        actor: &Actor,
        position: usize,
        order: Order,
    ) -> Result<Result<Order, Refusal>, OmsError> {
        let refuse = |code, detail: String| Ok(Err(refusal(position, Some(&order), code, detail)));
        if let Some(batch) = &order.fulfilment.batch {
            return refuse(RefusalCode::InBatch, format!("already in batch {batch}"));
        }
        if transition(order.status, OrderCommand::Batch).is_err() {
            return refuse(
                RefusalCode::StatusNotAllowed,
                format!("an order in status {} cannot join a batch", order.status),
            );
        }
        if kind_of(&order).is_none() {
            return refuse(
                RefusalCode::MixedParcels,
                "the parcels differ in mail type or category".to_owned(),
            );
        }
        match self
            .assign_tracknumbers(tenant_id, order.id, actor.clone())
            .await
        {
            Ok((order, _)) => Ok(Ok(order)),
            Err(error @ OmsError::RangeExhausted { .. }) => {
                refuse(RefusalCode::NoTrackNumbers, error.to_string())
            }
            Err(error @ OmsError::Transition(_)) => {
                refuse(RefusalCode::StatusNotAllowed, error.to_string())
            }
            Err(other) => Err(other),
        }
    }

    /// Puts backlog orders (numeric ids) into new batches, one per mail type and category,
    /// after giving their parcels track numbers; tells each order's process.
    pub async fn create_shipment(
        &self,
        tenant_id: TenantId,
        actor: Actor,
        otpravka_ids: &[i64],
        sending_date: NaiveDate,
    ) -> Result<Shipment, OmsError> {
        let mut refused = Vec::new();
        let mut groups: Vec<(BatchKind, Vec<(usize, Order)>)> = Vec::new();
        for (position, &number) in otpravka_ids.iter().enumerate() {
            if otpravka_ids[..position].contains(&number) {
                continue;
            }
            let order = match self.resolve(tenant_id, position, number).await? {
                Ok(order) => order,
                Err(refusal) => {
                    refused.push(refusal);
                    continue;
                }
            };
            match self
                .prepare_for_batch(tenant_id, &actor, position, order)
                .await?
            {
                Ok(order) => {
                    let Some(kind) = kind_of(&order) else {
                        continue;
                    };
                    match groups.iter_mut().find(|(key, _)| *key == kind) {
                        Some((_, members)) => members.push((position, order)),
                        None => groups.push((kind, vec![(position, order)])),
                    }
                }
                Err(refusal) => refused.push(refusal),
            }
        }
        let mut shipment = Shipment {
            batches: Vec::new(),
            placed: Vec::new(),
            refused,
        };
        for ((mail_type, mail_category), members) in groups {
            let at = now();
            let batch = BatchRecord {
                tenant_id,
                name: 0,
                mail_type,
                mail_category,
                status: BatchStatus::Created,
                status_at: at,
                sending_date,
                created_at: at,
            };
            let batch = self.store.create_batch(&batch).await?;
            self.fill_batch(tenant_id, &actor, &batch, members, &mut shipment)
                .await?;
            shipment
                .batches
                .push(self.batch_view(tenant_id, batch.name).await?);
        }
        shipment.placed.sort_by_key(|(position, _)| *position);
        shipment.refused.sort_by_key(|refusal| refusal.position);
        Ok(shipment)
    }

    async fn fill_batch(
        &self,
        tenant_id: TenantId,
        actor: &Actor,
        batch: &BatchRecord,
        members: Vec<(usize, Order)>,
        shipment: &mut Shipment,
    ) -> Result<(), OmsError> {
        let name = batch_name(batch);
        for (position, order) in members {
            // The process learns that its order is in the batch in the same commit.
            let tell = |order: &Order| vec![shipment_requested(batch, order)];
            match self
                .move_batch(tenant_id, order.id, actor, None, Some(&name), tell)
                .await?
            {
                Ok(()) => shipment.placed.push((position, order.id)),
                Err(code) => shipment.refused.push(refusal(
                    position,
                    Some(&order),
                    code,
                    "the order changed while the batch was formed".to_owned(),
                )),
            }
        }
        Ok(())
    }

    /// Takes orders (numeric ids) out of their batches, back to the backlog; each batch must
    /// still be `CREATED`. Returns the refusals.
    pub async fn return_to_backlog(
        &self,
        tenant_id: TenantId,
        actor: Actor,
        otpravka_ids: &[i64],
    ) -> Result<Vec<Refusal>, OmsError> {
        let mut refused = Vec::new();
        for (position, &number) in otpravka_ids.iter().enumerate() {
            let order = match self.resolve(tenant_id, position, number).await? {
                Ok(order) => order,
                Err(refusal) => {
                    refused.push(refusal);
                    continue;
                }
            };
            let Some(name) = order.fulfilment.batch.clone() else {
                refused.push(refusal(
                    position,
                    Some(&order),
                    RefusalCode::NotInBatch,
                    "the order is in no batch".to_owned(),
                ));
                continue;
            };
            let batch = match name.parse::<i64>() {
                Ok(number) => self.store.batch(tenant_id, number).await?,
                Err(_) => None,
            };
            if batch
                .as_ref()
                .is_none_or(|batch| batch.status != BatchStatus::Created)
            {
                refused.push(refusal(
                    position,
                    Some(&order),
                    RefusalCode::BatchClosed,
                    format!("batch {name} is no longer CREATED"),
                ));
                continue;
            }
            if let Err(code) = self
                .move_batch(tenant_id, order.id, &actor, Some(&name), None, |_| {
                    Vec::new()
                })
                .await?
            {
                refused.push(refusal(
                    position,
                    Some(&order),
                    code,
                    "the order changed meanwhile".to_owned(),
                ));
            }
        }
        Ok(refused)
    }

    /// Deletes backlog orders (numeric ids): each is cancelled, unless it is in a batch.
    /// Returns the refusals.
    pub async fn delete_from_backlog(
        &self,
        tenant_id: TenantId,
        actor: Actor,
        otpravka_ids: &[i64],
    ) -> Result<Vec<Refusal>, OmsError> {
        let mut refused = Vec::new();
        for (position, &number) in otpravka_ids.iter().enumerate() {
            let order = match self.resolve(tenant_id, position, number).await? {
                Ok(order) => order,
                Err(refusal) => {
                    refused.push(refusal);
                    continue;
                }
            };
            if let Some(batch) = &order.fulfilment.batch {
                refused.push(refusal(
                    position,
                    Some(&order),
                    RefusalCode::InBatch,
                    format!("the order is in batch {batch}; return it to the backlog first"),
                ));
                continue;
            }
            let reason = Some("deleted from the backlog".to_owned());
            match self
                .cancel_order(tenant_id, order.id, actor.clone(), reason, None, None)
                .await
            {
                // The cancel commits with the message that stops the order's process.
                Ok(_) => {}
                Err(error @ OmsError::Transition(_)) => refused.push(refusal(
                    position,
                    Some(&order),
                    RefusalCode::StatusNotAllowed,
                    error.to_string(),
                )),
                Err(other) => return Err(other),
            }
        }
        Ok(refused)
    }

    fn ready_for_check_in(&self, order: &Order) -> bool {
        match order.status {
            OrderStatus::ReadyToShip | OrderStatus::HandedOver | OrderStatus::InTransit => true,
            OrderStatus::Accepted | OrderStatus::Processing => {
                self.processes.is_none()
                    && order.holds.is_empty()
                    && order.parcels.iter().all(|p| p.track_number.is_some())
            }
            _ => false,
        }
    }

    /// The shipper checked in the batch (sent the electronic F103): every order is handed
    /// over and the batch becomes `SENT`, or nothing changes and the unready orders are named.
    pub async fn check_in_batch(
        &self,
        tenant_id: TenantId,
        actor: Actor,
        name: i64,
    ) -> Result<CheckIn, OmsError> {
        let view = self.batch_view(tenant_id, name).await?;
        if view.batch.status == BatchStatus::Sent {
            return Ok(CheckIn::Sent(view.batch));
        }
        if view.batch.status == BatchStatus::Archived {
            return Ok(CheckIn::NotReady(vec![Refusal {
                position: 0,
                order_id: None,
                code: RefusalCode::BatchClosed,
                detail: format!("batch {name} is archived"),
            }]));
        }
        let not_ready: Vec<Refusal> = view
            .orders
            .iter()
            .enumerate()
            .filter(|(_, order)| !self.ready_for_check_in(order))
            .map(|(position, order)| {
                refusal(
                    position,
                    Some(order),
                    RefusalCode::NotReady,
                    format!("the order is {} and not ready to hand over", order.status),
                )
            })
            .collect();
        if !not_ready.is_empty() {
            return Ok(CheckIn::NotReady(not_ready));
        }
        for order in &view.orders {
            self.hand_over(tenant_id, order.id, &actor, name).await?;
        }
        let at = now();
        self.store
            .set_batch_status(tenant_id, name, BatchStatus::Sent, at)
            .await?;
        Ok(CheckIn::Sent(BatchRecord {
            status: BatchStatus::Sent,
            status_at: at,
            ..view.batch
        }))
    }

    async fn hand_over(
        &self,
        tenant_id: TenantId,
        id: OrderId,
        actor: &Actor,
        batch: i64,
    ) -> Result<(), OmsError> {
        let change = Change {
            command: OrderCommand::CheckIn,
            kind: EventKind::StatusChanged,
            actor: actor.clone(),
            details: json!({ "batch": batch.to_string(), "reason": "batch checked in" }),
        };
        for _ in 0..UPDATE_ATTEMPTS_MAX {
            let order = self.order(tenant_id, id).await?;
            match self.apply(order, &change, None).await {
                Err(OmsError::Store(StoreError::VersionConflict { .. })) => continue,
                Err(other) => return Err(other),
                Ok(_) => return Ok(()),
            }
        }
        Err(OmsError::Contended(id))
    }
}

/// The message that tells an order's process that it is in `batch` (the shipment is asked
/// for): with the batch's name, sending date and the order's track numbers.
fn shipment_requested(batch: &BatchRecord, order: &Order) -> Tell {
    let mut tell = Tell::new(
        messages::SHIPMENT_REQUESTED,
        format!("otpravka-batch:{}:{}", order.id, batch.name),
    );
    tell.variables
        .insert("batch".to_owned(), Value::String(batch_name(batch)));
    tell.variables.insert(
        "sending_date".to_owned(),
        Value::String(batch.sending_date.to_string()),
    );
    let numbers: Vec<Value> = order
        .parcels
        .iter()
        .filter_map(|parcel| parcel.track_number.clone().map(Value::String))
        .collect();
    tell.variables
        .insert("track_numbers".to_owned(), Value::Array(numbers));
    tell
}
