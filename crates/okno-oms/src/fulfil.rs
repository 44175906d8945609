//! What preparing an order does to it, step by step: the address check (and its hold), holds
//! placed and released, the price, the label, registration in tracking, the client's
//! notification, escalation, the sorter's weighing. Each is one change of the order written with
//! its event, retried on a concurrent change, and idempotent: asked again, a step that is
//! already done answers with the order as it is and writes nothing. The process workers
//! (`workers`) and the HTTP handlers call these; neither holds a business rule of its own.

use crate::error::OmsError;
use crate::flow::{Tell, messages};
use crate::lifecycle::{OrderCommand, Transition, transition};
use crate::service::{Oms, UPDATE_ATTEMPTS_MAX, now};
use okno_model::{
    Actor, Address, Dimensions, EventKind, Hold, HoldKind, Order, OrderId, OrderStatus, Party,
    Priority, TenantId,
};
use okno_postal::clean::normalize_address;
use okno_postal::label::{LabelData, address_lines};
use okno_postal::{Tariff, TariffRequest};
use okno_store::{NewEvent, OrderWrite, StoreError};
use serde_json::{Value, json};

/// The executor an order goes to until allocation exists.
pub const DEFAULT_EXECUTOR: &str = "russian-post";
/// The sender's postcode used for pricing when neither the order nor the tenant names one
/// (Moscow's main sorting office).
pub const DEFAULT_FROM_POSTCODE: u32 = 101_000;

/// The outcome of the address check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressCheck {
    /// Whether the address may be shipped to (then no address hold is left).
    pub ok: bool,
    /// Otpravka's quality and validation codes, or `CONFIRMED_MANUALLY` for an override.
    pub codes: String,
}

/// What a weighing at the sorter gives back.
#[derive(Clone, Debug, PartialEq)]
pub struct Registered {
    /// The order after the weighing.
    pub order: Order,
    /// The index of the weighed parcel.
    pub parcel: usize,
    /// Its track number.
    pub track_number: String,
}

impl Oms {
    /// Loads the order, lets `change` edit it, and writes it with an event of `kind` (plus the
    /// lifecycle `command`, if any). `change` answers `None` when there is nothing to do (the
    /// step was already done); then nothing is written. Retried on a concurrent change.
    pub(crate) async fn update_with<F>(
        &self,
        tenant_id: TenantId,
        id: OrderId,
        actor: &Actor,
        kind: EventKind,
        command: Option<OrderCommand>,
        change: F,
    ) -> Result<Order, OmsError>
    where
        F: FnMut(&mut Order) -> Result<Option<Value>, OmsError>,
    {
        self.update_telling(tenant_id, id, actor, kind, command, change, |_| Vec::new())
            .await
    }

    /// [`Oms::update_with`], committing what `tell` says (given the changed order, its new
    /// version included) for the order's process with the change. Nothing is told when there
    /// is nothing to do.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn update_telling<F, T>(
        &self,
        tenant_id: TenantId,
        id: OrderId,
        actor: &Actor,
        kind: EventKind,
        command: Option<OrderCommand>,
        mut change: F,
        tell: T,
    ) -> Result<Order, OmsError>
    where
        F: FnMut(&mut Order) -> Result<Option<Value>, OmsError>,
        T: Fn(&Order) -> Vec<Tell>,
    {
        for _ in 0..UPDATE_ATTEMPTS_MAX {
            let mut order = self.order(tenant_id, id).await?;
            let from = order.status;
            let Some(details) = change(&mut order)? else {
                return Ok(order);
            };
            if let Some(command) = command
                && let Transition::Moved(to) = transition(order.status, command)?
            {
                order.status = to;
            }
            order.version += 1;
            order.updated_at = now();
            let mut payload = json!({ "from": from, "to": order.status });
            if let (Value::Object(target), Value::Object(extra)) = (&mut payload, details) {
                target.extend(extra);
            }
            let write = OrderWrite {
                event: NewEvent {
                    kind,
                    actor: actor.clone(),
                    payload,
                },
                idempotency: None,
                process_inbox: self.tell_rows(&order, tell(&order))?,
                order: order.clone(),
            };
            let rows = write.process_inbox.clone();
            match self.store.update_order(write).await {
                Ok(()) => {
                    self.run_process_inbox(rows);
                    return Ok(order);
                }
                Err(StoreError::VersionConflict { .. }) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(OmsError::Contended(id))
    }

    /// Checks the recipient's address with the normaliser (Otpravka's acceptance rule). A bad
    /// address gets an `address` hold owned by the shop; a good one (or `accept_as_is`, an
    /// operator's decision) releases it. The first check also moves the order to `processing`.
    pub async fn check_address(
        &self,
        tenant_id: TenantId,
        id: OrderId,
        actor: &Actor,
        accept_as_is: bool,
    ) -> Result<(Order, AddressCheck), OmsError> {
        let mut outcome = AddressCheck {
            ok: false,
            codes: String::new(),
        };
        let order = self
            .update_with(
                tenant_id,
                id,
                actor,
                EventKind::StatusChanged,
                None,
                |order| {
                    outcome = address_verdict(order.recipient.address.as_ref(), accept_as_is);
                    let held = order
                        .holds
                        .iter()
                        .any(|hold| hold.kind == HoldKind::Address);
                    let mut details = json!({ "address_check": outcome.codes });
                    let mut changed = false;
                    if order.status == OrderStatus::Accepted {
                        order.status = OrderStatus::Processing;
                        changed = true;
                    }
                    if outcome.ok && held {
                        order.holds.retain(|hold| hold.kind != HoldKind::Address);
                        details["hold_released"] = json!("address");
                        changed = true;
                    } else if !outcome.ok && !held {
                        order.holds.push(Hold {
                            kind: HoldKind::Address,
                            owner: "shop".to_owned(),
                            reason: format!("the address cannot be shipped to: {}", outcome.codes),
                            placed_at: now(),
                        });
                        details["hold_placed"] = json!("address");
                        changed = true;
                    }
                    Ok(changed.then_some(details))
                },
            )
            .await?;
        Ok((order, outcome))
    }

    /// Replaces the recipient's address (a correction by the shop) and tells the process to
    /// check it again.
    pub async fn correct_address(
        &self,
        tenant_id: TenantId,
        id: OrderId,
        actor: &Actor,
        address: Address,
    ) -> Result<Order, OmsError> {
        self.update_telling(
            tenant_id,
            id,
            actor,
            EventKind::AddressCorrected,
            None,
            |order| {
                if order.status.is_final()
                    || matches!(
                        order.status,
                        OrderStatus::HandedOver | OrderStatus::InTransit
                    )
                {
                    return Err(OmsError::Transition(crate::TransitionRejected {
                        from: order.status,
                        command: OrderCommand::Cancel,
                    }));
                }
                if order.recipient.address.as_ref() == Some(&address) {
                    return Ok(None);
                }
                order.recipient.address = Some(address.clone());
                Ok(Some(json!({ "address": address })))
            },
            |order| {
                vec![Tell::new(
                    messages::ADDRESS_CORRECTED,
                    format!("address:{}:{}", order.id, order.version),
                )]
            },
        )
        .await
    }

    /// Replaces the recipient (names, phone, e-mail, organisation; the address too when the
    /// new one has one) before the label is issued. A changed address is checked again at
    /// once (a bad one gets the address hold, which the holds gate honours) and the process
    /// hears of it if it waits for a correction. Nothing is written when nothing differs.
    pub async fn update_recipient(
        &self,
        tenant_id: TenantId,
        id: OrderId,
        actor: &Actor,
        recipient: Party,
    ) -> Result<Order, OmsError> {
        // Shared by the two closures across the write's await (so an atomic, not a Cell).
        let address_changed = std::sync::atomic::AtomicBool::new(false);
        let order = self
            .update_telling(
            tenant_id,
            id,
            actor,
            EventKind::RecipientChanged,
            None,
            |order| {
                if order.status.is_final() || order.fulfilment.label_issued_at.is_some() {
                    return Err(OmsError::NotReady(
                        "the label is issued: the recipient can no longer change".to_owned(),
                    ));
                }
                let mut next = recipient.clone();
                if next.address.is_none() {
                    next.address = order.recipient.address.clone();
                }
                if next == order.recipient {
                    return Ok(None);
                }
                address_changed.store(
                    next.address != order.recipient.address,
                    std::sync::atomic::Ordering::Relaxed,
                );
                order.recipient = next;
                Ok(Some(json!({
                    "recipient": order.recipient,
                    "address_changed": address_changed.load(std::sync::atomic::Ordering::Relaxed),
                })))
            },
            // Only a new address is news for the process (the check runs again).
            |order| {
                if !address_changed.load(std::sync::atomic::Ordering::Relaxed) {
                    return Vec::new();
                }
                vec![Tell::new(
                    messages::ADDRESS_CORRECTED,
                    format!("recipient:{}:{}", order.id, order.version),
                )]
            },
        )
        .await?;
        // A process already past its address check (waiting for the shipment request) meets
        // the new address at its holds gate: a bad one gets the address hold now.
        if address_changed.load(std::sync::atomic::Ordering::Relaxed) {
            return self
                .check_address(tenant_id, id, actor, false)
                .await
                .map(|(order, _)| order);
        }
        Ok(order)
    }

    /// Places a hold of `kind` (one per kind: placing it again changes nothing).
    pub async fn place_hold(
        &self,
        tenant_id: TenantId,
        id: OrderId,
        actor: &Actor,
        kind: HoldKind,
        reason: &str,
    ) -> Result<Order, OmsError> {
        self.update_with(tenant_id, id, actor, EventKind::HoldPlaced, None, |order| {
            if order.status.is_final() {
                return Err(OmsError::Transition(crate::TransitionRejected {
                    from: order.status,
                    command: OrderCommand::Cancel,
                }));
            }
            if order.holds.iter().any(|hold| hold.kind == kind) {
                return Ok(None);
            }
            order.holds.push(Hold {
                kind,
                owner: actor.0.clone(),
                reason: reason.to_owned(),
                placed_at: now(),
            });
            Ok(Some(json!({ "hold": kind, "reason": reason })))
        })
        .await
    }

    /// Releases the hold of `kind`. Releasing the address hold accepts the address as it is
    /// (an operator's decision). When no hold is left, the process goes past its gate.
    pub async fn release_hold(
        &self,
        tenant_id: TenantId,
        id: OrderId,
        actor: &Actor,
        kind: HoldKind,
    ) -> Result<Order, OmsError> {
        self.update_telling(
            tenant_id,
            id,
            actor,
            EventKind::HoldReleased,
            None,
            |order| {
                let before = order.holds.len();
                order.holds.retain(|hold| hold.kind != kind);
                Ok((order.holds.len() != before).then(|| json!({ "hold": kind })))
            },
            |order| {
                let mut tells = Vec::new();
                if kind == HoldKind::Address {
                    let mut tell = Tell::new(
                        messages::ADDRESS_CORRECTED,
                        format!("release:{}:{}", order.id, order.version),
                    );
                    tell.variables
                        .insert("addressOverride".to_owned(), Value::Bool(true));
                    tells.push(tell);
                }
                if order.holds.is_empty() {
                    tells.push(Tell::new(
                        messages::RELEASED,
                        format!("released:{}:{}", order.id, order.version),
                    ));
                }
                tells
            },
        )
        .await
    }

    /// Chooses the executor and prices the order with the tariff (the sum over its parcels).
    pub async fn price_order(
        &self,
        tenant_id: TenantId,
        id: OrderId,
        actor: &Actor,
        tariff: &Tariff,
    ) -> Result<Order, OmsError> {
        self.update_with(tenant_id, id, actor, EventKind::Priced, None, |order| {
            let (price, vat, days) = quote_order(order, tariff)?;
            if order.fulfilment.price_kopecks == Some(price) && order.fulfilment.executor.is_some()
            {
                return Ok(None);
            }
            order.fulfilment.executor = Some(DEFAULT_EXECUTOR.to_owned());
            order.fulfilment.price_kopecks = Some(price);
            order.fulfilment.price_vat_kopecks = Some(vat);
            order.fulfilment.delivery_days_max = Some(days);
            Ok(Some(json!({
                "executor": DEFAULT_EXECUTOR,
                "price_kopecks": price,
                "price_vat_kopecks": vat,
                "delivery_days_max": days,
            })))
        })
        .await
    }

    /// Issues the label: every parcel must have a track number and the recipient a postcode,
    /// and the barcode must encode; the order becomes `ready_to_ship`.
    pub async fn issue_label(
        &self,
        tenant_id: TenantId,
        id: OrderId,
        actor: &Actor,
    ) -> Result<Order, OmsError> {
        let sender = self.default_sender(tenant_id).await?;
        self.update_with(
            tenant_id,
            id,
            actor,
            EventKind::LabelIssued,
            Some(OrderCommand::MarkReadyToShip),
            |order| {
                if order.fulfilment.label_issued_at.is_some() {
                    return Ok(None);
                }
                // A hold placed after the gate still stops the label (checked in the same
                // change that would issue it).
                if let Some(hold) = order.holds.first() {
                    return Err(OmsError::Held(order.holds.clone(), hold.reason.clone()));
                }
                // The label's data must be complete and its barcodes encodable; the document
                // itself is rendered when asked for (GET …/label, the sorter), not here: a PDF
                // costs ~1.6 ms of CPU, the most expensive part of the step.
                for label in LabelData::all_of(order, &sender)
                    .map_err(|error| OmsError::NotReady(error.to_string()))?
                {
                    okno_postal::label::barcode::code128(&label.track_number)
                        .map_err(|error| OmsError::NotReady(error.to_string()))?;
                }
                order.fulfilment.label_issued_at = Some(now());
                Ok(Some(json!({
                    "track_numbers": track_numbers(order),
                    "label": format!("/v1/orders/{}/label", order.id),
                })))
            },
        )
        .await
    }

    /// Registers the order's track numbers with tracking: from now on tracking operations of
    /// these numbers are the order's.
    pub async fn register_tracking(
        &self,
        tenant_id: TenantId,
        id: OrderId,
        actor: &Actor,
    ) -> Result<Order, OmsError> {
        self.update_with(
            tenant_id,
            id,
            actor,
            EventKind::TrackingRegistered,
            None,
            |order| {
                if order.fulfilment.tracking_registered_at.is_some() {
                    return Ok(None);
                }
                let numbers = track_numbers(order);
                if numbers.len() != order.parcels.len() {
                    return Err(OmsError::NotReady(
                        "a parcel has no track number to register".to_owned(),
                    ));
                }
                order.fulfilment.tracking_registered_at = Some(now());
                Ok(Some(json!({ "track_numbers": numbers })))
            },
        )
        .await
    }

    /// Tells the client the shipment is ready: an `order.client_notified` event with what the
    /// client needs (track numbers, price, label and tracking links), which webhooks deliver.
    /// Written once per order (`fulfilment.client_notified_at`).
    pub async fn notify_client(
        &self,
        tenant_id: TenantId,
        id: OrderId,
        actor: &Actor,
    ) -> Result<Order, OmsError> {
        self.update_with(
            tenant_id,
            id,
            actor,
            EventKind::ClientNotified,
            None,
            |order| {
                if order.fulfilment.client_notified_at.is_some() {
                    return Ok(None);
                }
                order.fulfilment.client_notified_at = Some(now());
                let numbers = track_numbers(order);
                Ok(Some(json!({
                    "client_order_number": order.client_order_number,
                    "track_numbers": numbers,
                    "price_kopecks": order.fulfilment.price_kopecks,
                    "delivery_days_max": order.fulfilment.delivery_days_max,
                    "label": format!("/v1/orders/{}/label", order.id),
                    "tracking": numbers.iter().map(|n| format!("/track/{n}")).collect::<Vec<_>>(),
                })))
            },
        )
        .await
    }

    /// Marks an order as close to its deadline: the time is recorded and its priority raised
    /// to `urgent`. Once per order; a finished order is not escalated.
    pub async fn escalate(
        &self,
        tenant_id: TenantId,
        id: OrderId,
        actor: &Actor,
    ) -> Result<Order, OmsError> {
        self.update_with(tenant_id, id, actor, EventKind::Escalated, None, |order| {
            if order.fulfilment.escalated_at.is_some() || order.status.is_final() {
                return Ok(None);
            }
            let from = order.priority;
            order.priority = Priority::Urgent;
            order.fulfilment.escalated_at = Some(now());
            Ok(Some(json!({
                "deadline": order.deadline,
                "priority_from": from,
                "priority": order.priority,
            })))
        })
        .await
    }

    /// The sorter weighed a parcel: records the measured mass (and dimensions) and gives the
    /// parcel its track number, in one change; then tells the process the shipment is asked
    /// for. Weighing again with the same figures changes nothing and returns the same number.
    pub async fn register_parcel(
        &self,
        tenant_id: TenantId,
        id: OrderId,
        actor: &Actor,
        parcel_reference: Option<&str>,
        mass_grams: i64,
        dimensions: Option<Dimensions>,
    ) -> Result<Registered, OmsError> {
        let order = self.order(tenant_id, id).await?;
        if let Some(hold) = order.holds.first() {
            return Err(OmsError::Held(order.holds.clone(), hold.reason.clone()));
        }
        let index = parcel_index(&order, parcel_reference)?;
        let mut fresh = None;
        if order.parcels[index].track_number.is_none() {
            fresh = Some(
                self.issue_tracknumber(tenant_id, order.parcels[index].mail_type)
                    .await?
                    .track_number,
            );
        }
        // The shipment request commits with the measurement: the process goes on to the label
        // even if okno stops right after answering.
        let tell = |_: &Order| {
            vec![Tell::new(
                messages::SHIPMENT_REQUESTED,
                format!("sorter:{id}"),
            )]
        };
        let measure = |order: &mut Order| {
            if matches!(
                order.status,
                OrderStatus::Cancelled
                    | OrderStatus::Delivered
                    | OrderStatus::Returned
                    | OrderStatus::HandedOver
                    | OrderStatus::InTransit
            ) {
                return Err(OmsError::Transition(crate::TransitionRejected {
                    from: order.status,
                    command: OrderCommand::AssignTrackNumbers,
                }));
            }
            let parcel = &mut order.parcels[index];
            let same = parcel.mass_grams == mass_grams
                && (dimensions.is_none() || parcel.dimensions == dimensions)
                && parcel.track_number.is_some();
            if same {
                return Ok(None);
            }
            parcel.mass_grams = mass_grams;
            if dimensions.is_some() {
                parcel.dimensions = dimensions;
            }
            if parcel.track_number.is_none() {
                parcel.track_number = fresh.clone();
            }
            Ok(Some(json!({
                "parcel": index,
                "mass_grams": mass_grams,
                "dimensions": parcel.dimensions,
                "track_number": parcel.track_number,
            })))
        };
        let order = self
            .update_telling(
                tenant_id,
                id,
                actor,
                EventKind::Measured,
                None,
                measure,
                tell,
            )
            .await?;
        let track_number = order.parcels[index].track_number.clone().ok_or_else(|| {
            OmsError::Store(StoreError::Corrupt(
                "weighed parcel has no number".to_owned(),
            ))
        })?;
        Ok(Registered {
            order,
            parcel: index,
            track_number,
        })
    }

    /// The sender printed when an order names none: the tenant (shop) itself.
    pub async fn default_sender(&self, tenant_id: TenantId) -> Result<Party, OmsError> {
        let tenant = self.store.tenant(tenant_id).await?;
        Ok(Party {
            organisation: tenant.map(|tenant| tenant.name),
            ..Party::default()
        })
    }
}

/// The parcel a sorter means: by its reference, else the only (or first unnumbered) parcel.
fn parcel_index(order: &Order, reference: Option<&str>) -> Result<usize, OmsError> {
    if let Some(reference) = reference {
        return order
            .parcels
            .iter()
            .position(|parcel| {
                parcel.reference.as_deref() == Some(reference)
                    || parcel.track_number.as_deref() == Some(reference)
            })
            .ok_or_else(|| OmsError::NotFound(format!("parcel {reference:?}")));
    }
    Ok(order
        .parcels
        .iter()
        .position(|parcel| parcel.track_number.is_none())
        .unwrap_or(0))
}

/// The track numbers the order's parcels have.
pub fn track_numbers(order: &Order) -> Vec<String> {
    order
        .parcels
        .iter()
        .filter_map(|parcel| parcel.track_number.clone())
        .collect()
}

/// The address check's verdict, a pure function of the address.
pub fn address_verdict(address: Option<&Address>, accept_as_is: bool) -> AddressCheck {
    if accept_as_is {
        return AddressCheck {
            ok: true,
            codes: "CONFIRMED_MANUALLY".to_owned(),
        };
    }
    let Some(address) = address else {
        return AddressCheck {
            ok: false,
            codes: "no address".to_owned(),
        };
    };
    let text = match &address.raw {
        Some(raw) if !raw.trim().is_empty() => raw.clone(),
        _ => {
            let mut parts: Vec<String> = address.postcode.iter().cloned().collect();
            let mut lines = address_lines(address);
            lines.reverse();
            parts.extend(lines);
            parts.join(", ")
        }
    };
    let clean = normalize_address(&text);
    AddressCheck {
        ok: clean.valid,
        codes: format!(
            "{}/{}",
            serde_json::to_value(clean.quality_code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            serde_json::to_value(clean.validation_code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        ),
    }
}

/// Price, VAT and longest delivery time of an order: the sum over its parcels.
fn quote_order(order: &Order, tariff: &Tariff) -> Result<(i64, i64, i64), OmsError> {
    let postcode = |party: Option<&Party>| {
        party
            .and_then(|party| party.address.as_ref())
            .and_then(|address| address.postcode.as_deref())
            .and_then(|code| code.trim().parse::<u32>().ok())
    };
    let to = postcode(Some(&order.recipient))
        .ok_or_else(|| OmsError::NotReady("the recipient has no postcode".to_owned()))?;
    let from = postcode(order.sender.as_ref()).unwrap_or(DEFAULT_FROM_POSTCODE);
    let (mut price, mut vat, mut days) = (0, 0, 0);
    for parcel in &order.parcels {
        let request = TariffRequest {
            mail_type: parcel.mail_type,
            mail_category: parcel.mail_category,
            from_postcode: from,
            to_postcode: to,
            mass_grams: parcel.mass_grams,
            dimensions: parcel.dimensions,
            declared_value_kopecks: parcel.declared_value_kopecks,
            cash_on_delivery_kopecks: parcel.cash_on_delivery_kopecks,
            fragile: parcel.fragile,
            services: order.services.clone(),
        };
        let quote = tariff
            .quote(&request)
            .map_err(|error| OmsError::NotReady(format!("tariff: {error}")))?;
        price += quote.total_with_vat_kopecks;
        vat += quote.total.vat;
        days = days.max(i64::from(quote.delivery.max_days));
    }
    Ok((price, vat, days))
}
