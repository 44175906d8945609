//! The order lifecycle as one transition table.
//!
//! Every allowed (state, command) pair is one arm of [`transition`]; every other pair is a typed
//! [`TransitionRejected`]. Repeats that clients legitimately send (a second cancel after a
//! timeout) are explicit self-transitions, so they answer success without a new event.

use okno_model::OrderStatus;

/// Something that asks an order to move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum OrderCommand {
    /// Preparation started (address check, tariff, executor).
    StartProcessing,
    /// Track number and label are issued.
    MarkReadyToShip,
    /// The executor took the parcels.
    HandOver,
    /// The parcels are moving.
    MarkInTransit,
    /// The recipient got the parcels.
    Deliver,
    /// The parcels came back to the sender.
    Return,
    /// The customer or an operator cancels.
    Cancel,
    /// Track numbers are issued for the parcels (the status stays).
    AssignTrackNumbers,
    /// The order joins or leaves an Otpravka batch (the status stays).
    Batch,
    /// The shipper checked in the batch (sent the electronic F103): the parcels are handed over.
    CheckIn,
}

impl OrderCommand {
    /// Every command.
    pub const ALL: &'static [OrderCommand] = &[
        OrderCommand::StartProcessing,
        OrderCommand::MarkReadyToShip,
        OrderCommand::HandOver,
        OrderCommand::MarkInTransit,
        OrderCommand::Deliver,
        OrderCommand::Return,
        OrderCommand::Cancel,
        OrderCommand::AssignTrackNumbers,
        OrderCommand::Batch,
        OrderCommand::CheckIn,
    ];
}

/// What a permitted command does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    /// The order moves to a new status (and gets an event).
    Moved(OrderStatus),
    /// The status stays but the change is recorded with an event (track numbers assigned).
    Recorded,
    /// A tolerated repeat: nothing changes and no event is written.
    Unchanged,
}

/// A command the current status does not allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("an order in status {from} cannot {command:?}")]
pub struct TransitionRejected {
    /// The status the order is in.
    pub from: OrderStatus,
    /// The command refused.
    pub command: OrderCommand,
}

/// The table.
pub fn transition(
    from: OrderStatus,
    command: OrderCommand,
) -> Result<Transition, TransitionRejected> {
    use OrderCommand::*;
    use OrderStatus::*;
    let moved = match (from, command) {
        (Accepted, StartProcessing) => Processing,
        (Processing, MarkReadyToShip) => ReadyToShip,
        (ReadyToShip, HandOver) => HandedOver,
        (HandedOver, MarkInTransit) => InTransit,
        (HandedOver | InTransit, Deliver) => Delivered,
        (HandedOver | InTransit, Return) => Returned,
        (Accepted | Processing | ReadyToShip, Cancel) => Cancelled,
        // A client that timed out cancels again: answer success, change nothing.
        (Cancelled, Cancel) => return Ok(Transition::Unchanged),
        // Tracking reports "in transit" at every sorting centre.
        (InTransit, MarkInTransit) => return Ok(Transition::Unchanged),
        // Track numbers are issued while the order is being prepared.
        (Accepted | Processing, AssignTrackNumbers) => return Ok(Transition::Recorded),
        // Batches are formed and changed before the parcels leave.
        (Accepted | Processing | ReadyToShip, Batch) => return Ok(Transition::Recorded),
        // Whether an order that is not ready to ship may be checked in is decided by the caller
        // (`Oms::check_in_batch`: only when okno runs no process that would prepare it).
        (Accepted | Processing | ReadyToShip, CheckIn) => HandedOver,
        // A client that timed out checks in again.
        (HandedOver | InTransit | Delivered, CheckIn) => return Ok(Transition::Unchanged),
        _ => return Err(TransitionRejected { from, command }),
    };
    Ok(Transition::Moved(moved))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole table, one line per (state, command), compared with a written snapshot so that
    /// any change to the lifecycle shows up in review.
    #[test]
    fn table_snapshot() {
        let mut lines = Vec::new();
        for from in OrderStatus::ALL {
            for command in OrderCommand::ALL {
                let outcome = match transition(*from, *command) {
                    Ok(Transition::Moved(to)) => format!("-> {to}"),
                    Ok(Transition::Unchanged) => "unchanged".to_owned(),
                    Ok(Transition::Recorded) => "recorded".to_owned(),
                    Err(_) => continue,
                };
                lines.push(format!("{from} {command:?} {outcome}"));
            }
        }
        let expected = "\
accepted StartProcessing -> processing
accepted Cancel -> cancelled
accepted AssignTrackNumbers recorded
accepted Batch recorded
accepted CheckIn -> handed_over
processing MarkReadyToShip -> ready_to_ship
processing Cancel -> cancelled
processing AssignTrackNumbers recorded
processing Batch recorded
processing CheckIn -> handed_over
ready_to_ship HandOver -> handed_over
ready_to_ship Cancel -> cancelled
ready_to_ship Batch recorded
ready_to_ship CheckIn -> handed_over
handed_over MarkInTransit -> in_transit
handed_over Deliver -> delivered
handed_over Return -> returned
handed_over CheckIn unchanged
in_transit MarkInTransit unchanged
in_transit Deliver -> delivered
in_transit Return -> returned
in_transit CheckIn unchanged
delivered CheckIn unchanged
cancelled Cancel unchanged";
        assert_eq!(lines.join("\n"), expected);
    }

    #[test]
    fn final_states_admit_no_move() {
        for from in OrderStatus::ALL.iter().filter(|status| status.is_final()) {
            for command in OrderCommand::ALL {
                assert!(
                    !matches!(transition(*from, *command), Ok(Transition::Moved(_))),
                    "{from} is final but {command:?} moves it"
                );
            }
        }
    }
}
