//! Timer start events: a deployed version's timer start events become rows with a due time
//! ([`schedule`]); the background loop fires them ([`Processes::fire_start_timers`]), each in
//! the transaction that creates the instance and moves the row to its next repetition.

use okno_engine::engine::Command;
use okno_engine::model::{ElementKind, TimerKind, Trigger};
use okno_engine::{ProcessDefinition, timer};
use okno_model::TenantId;
use okno_store::StartTimerRecord;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::{ProcessError, ProcessResult};
use crate::runtime::{Consumed, Processes, Target, new_record, now_ms};

/// The start timer rows of a definition (version filled in by the caller), or an error naming
/// the start event whose value is not a usable ISO 8601 duration, date or cycle.
pub(crate) fn schedule(
    tenant_id: TenantId,
    definition: &ProcessDefinition,
) -> ProcessResult<Vec<StartTimerRecord>> {
    let now = okno_engine::Timestamp(now_ms());
    let mut rows = Vec::new();
    for start in &definition.element(0).triggered_starts {
        let element = definition.element(*start);
        let ElementKind::StartEvent {
            trigger: Trigger::Timer(spec),
            ..
        } = &element.kind
        else {
            continue;
        };
        let bad = |reason: String| ProcessError::Invalid {
            field: format!("/elements/{}", element.id),
            reason,
        };
        let text = match spec.source.evaluate(&Map::new()) {
            Ok(Value::String(text)) => text,
            Ok(other) => return Err(bad(format!("the timer value is {other}, not text"))),
            Err(error) => return Err(bad(error)),
        };
        let (due, repetitions_left, interval_ms) = match spec.kind {
            TimerKind::Duration => timer::parse_duration_ms(&text)
                .map(|duration_ms| (now.plus_ms(duration_ms), Some(0), 0)),
            TimerKind::Date => timer::parse_date(&text).map(|due| (due, Some(0), 0)),
            TimerKind::Cycle => timer::parse_cycle(&text).map(|cycle| {
                let left = cycle
                    .repetitions
                    .map(|count| i64::from(count.saturating_sub(1)));
                (now.plus_ms(cycle.interval_ms), left, cycle.interval_ms)
            }),
        }
        .map_err(|reason| bad(format!("`{text}`: {reason}")))?;
        rows.push(StartTimerRecord {
            id: Uuid::now_v7(),
            tenant_id,
            process_id: definition.id.clone(),
            version: 0,
            start_event: element.id.clone(),
            due_ms: due.0,
            repetitions_left,
            interval_ms,
        });
    }
    Ok(rows)
}

impl Processes {
    /// Starts an instance for every due timer start event; returns how many.
    pub(crate) async fn fire_start_timers(&self, limit: u32) -> ProcessResult<usize> {
        let mut fired = 0;
        for timer in self.inner.store.due_start_timers(now_ms(), limit).await? {
            let next = match timer.repetitions_left {
                Some(left) if left <= 0 => None,
                _ => Some(timer.due_ms.saturating_add(timer.interval_ms.max(1))),
            };
            let record = new_record(
                timer.tenant_id,
                &timer.process_id,
                timer.version,
                None,
                None,
            );
            let command = Command::StartInstance {
                variables: Map::new(),
                start_event: Some(timer.start_event.clone()),
            };
            let consumed = Consumed {
                fired_start_timer: Some((timer.id, timer.due_ms, next)),
                ..Consumed::default()
            };
            match self
                .step(Target::New(Box::new(record)), command, consumed)
                .await
            {
                Ok(_) => fired += 1,
                Err(ProcessError::Busy(_)) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(fired)
    }
}
