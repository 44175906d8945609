//! The job workers of the shipped order processes: one per job type in the `.bpmn` files
//! under `processes/`. Each reads the order id from the job's business key, calls one
//! idempotent step of [`crate::fulfil`], and answers with the variables the process's
//! gateways read. A worker that finds its order cancelled throws the BPMN error
//! `order-cancelled`, which ends the process even if the cancel message was lost.

use crate::error::OmsError;
use crate::service::Oms;
use async_trait::async_trait;
use okno_model::{Actor, HoldKind, OrderId, OrderStatus, TenantId};
use okno_postal::Tariff;
use okno_process::{ActivatedJob, JobOutcome, JobWorker, Processes};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Duration;

/// The job types okno's order workers handle.
pub const JOB_TYPES: &[&str] = &[
    "okno.address.check",
    "okno.tariff.calculate",
    "okno.hold.place",
    "okno.holds.check",
    "okno.tracknumber.assign",
    "okno.label.render",
    "okno.tracking.register",
    "okno.client.notify",
    "okno.order.escalate",
    "okno.order.cancel",
];

/// Back-off before a failed step is tried again.
const RETRY_BACKOFF: Duration = Duration::from_secs(10);

/// One worker: the job type it serves and the service it calls.
struct OrderWorker {
    job_type: &'static str,
    oms: Oms,
    tariff: Arc<Tariff>,
}

impl Oms {
    /// Runs every order's process on `processes`: registers okno's workers for the shipped
    /// job types there (they call a copy of this service without the runtime, so nothing
    /// refers back to itself) and returns the service that starts a process with each order.
    pub fn with_order_processes(self, processes: Processes, tariff: Arc<Tariff>) -> Oms {
        for job_type in JOB_TYPES {
            processes.register_worker(
                job_type,
                Arc::new(OrderWorker {
                    job_type,
                    oms: self.clone(),
                    tariff: Arc::clone(&tariff),
                }),
            );
        }
        self.with_processes(processes)
    }
}

fn complete(pairs: &[(&str, Value)]) -> JobOutcome {
    let mut variables = Map::new();
    for (name, value) in pairs {
        variables.insert((*name).to_owned(), value.clone());
    }
    JobOutcome::Complete(variables)
}

fn cancelled() -> JobOutcome {
    JobOutcome::Error {
        code: "order-cancelled".to_owned(),
        variables: Map::new(),
    }
}

fn failed(error: &OmsError) -> JobOutcome {
    JobOutcome::Fail {
        message: error.to_string(),
        backoff: RETRY_BACKOFF,
    }
}

#[async_trait]
impl JobWorker for OrderWorker {
    async fn handle(&self, job: &ActivatedJob) -> JobOutcome {
        let Some(tenant_id) = job.tenant_id else {
            return JobOutcome::Fail {
                message: "the job has no tenant".to_owned(),
                backoff: RETRY_BACKOFF,
            };
        };
        let order_id = job
            .business_key
            .as_deref()
            .or_else(|| job.variables.get("orderId").and_then(Value::as_str))
            .and_then(|text| text.parse::<OrderId>().ok());
        let Some(order_id) = order_id else {
            return JobOutcome::Fail {
                message: "the instance has no order id (business key or `orderId`)".to_owned(),
                backoff: RETRY_BACKOFF,
            };
        };
        let actor = Actor(format!("process:{}", job.process_instance));
        match self.run(job, tenant_id, order_id, &actor).await {
            Ok(outcome) => outcome,
            Err(error) => failed(&error),
        }
    }
}

impl OrderWorker {
    async fn run(
        &self,
        job: &ActivatedJob,
        tenant_id: TenantId,
        id: OrderId,
        actor: &Actor,
    ) -> Result<JobOutcome, OmsError> {
        let oms = &self.oms;
        let order = oms.order(tenant_id, id).await?;
        if order.status == OrderStatus::Cancelled && self.job_type != "okno.order.cancel" {
            return Ok(cancelled());
        }
        Ok(match self.job_type {
            "okno.address.check" => {
                let accept = job.variables.get("addressOverride") == Some(&Value::Bool(true));
                let (_, check) = oms.check_address(tenant_id, id, actor, accept).await?;
                complete(&[
                    ("addressOk", json!(check.ok)),
                    ("addressCheck", json!(check.codes)),
                    ("addressOverride", json!(false)),
                ])
            }
            "okno.tariff.calculate" => {
                match oms.price_order(tenant_id, id, actor, &self.tariff).await {
                    Ok(order) => complete(&[
                        ("executor", json!(order.fulfilment.executor)),
                        ("priceKopecks", json!(order.fulfilment.price_kopecks)),
                    ]),
                    Err(OmsError::NotReady(reason)) => {
                        let mut variables = Map::new();
                        variables.insert("holdReason".to_owned(), json!(reason));
                        JobOutcome::Error {
                            code: "tariff-refused".to_owned(),
                            variables,
                        }
                    }
                    Err(error) => return Err(error),
                }
            }
            "okno.hold.place" => {
                let kind = job
                    .headers
                    .get("kind")
                    .and_then(|kind| HoldKind::parse(kind))
                    .unwrap_or(HoldKind::Operator);
                let reason = job
                    .variables
                    .get("holdReason")
                    .and_then(Value::as_str)
                    .unwrap_or("the process asked for an operator");
                oms.place_hold(tenant_id, id, actor, kind, reason).await?;
                complete(&[])
            }
            "okno.holds.check" => {
                let kinds: Vec<&str> = order.holds.iter().map(|hold| hold.kind.as_str()).collect();
                complete(&[("held", json!(!kinds.is_empty())), ("holds", json!(kinds))])
            }
            "okno.tracknumber.assign" => {
                let (order, _) = oms
                    .assign_tracknumbers(tenant_id, id, actor.clone())
                    .await?;
                complete(&[("trackNumbers", json!(crate::track_numbers(&order)))])
            }
            "okno.label.render" => match oms.issue_label(tenant_id, id, actor).await {
                Ok(_) => complete(&[("labelIssued", json!(true))]),
                // Held after the gate: back to waiting for the last release.
                Err(OmsError::Held(holds, _)) => {
                    let kinds: Vec<&str> = holds.iter().map(|hold| hold.kind.as_str()).collect();
                    let mut variables = Map::new();
                    variables.insert("held".to_owned(), json!(true));
                    variables.insert("holds".to_owned(), json!(kinds));
                    JobOutcome::Error {
                        code: "order-held".to_owned(),
                        variables,
                    }
                }
                Err(error) => return Err(error),
            },
            "okno.tracking.register" => {
                oms.register_tracking(tenant_id, id, actor).await?;
                complete(&[])
            }
            "okno.client.notify" => {
                oms.notify_client(tenant_id, id, actor).await?;
                complete(&[])
            }
            "okno.order.escalate" => {
                oms.escalate(tenant_id, id, actor).await?;
                complete(&[("escalated", json!(true))])
            }
            "okno.order.cancel" => {
                if !order.status.is_final() {
                    oms.cancel_order_quietly(tenant_id, id, actor).await?;
                }
                complete(&[])
            }
            other => JobOutcome::Fail {
                message: format!("okno has no worker for `{other}`"),
                backoff: RETRY_BACKOFF,
            },
        })
    }
}
