//! Participants: the Post, carriers, movers, couriers, warehouses, shops. Each may place orders
//! (customer), take work (executor), or both; the allocation issue builds on this.

use crate::ids::{ParticipantId, TenantId};
use crate::order::Party;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which roles a participant plays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ParticipantRoles {
    /// Places orders.
    pub customer: bool,
    /// Takes tasks.
    pub executor: bool,
}

/// A participant known to a tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Participant {
    /// Id.
    pub id: ParticipantId,
    /// Owning tenant.
    pub tenant_id: TenantId,
    /// Display name.
    pub name: String,
    /// Roles.
    pub roles: ParticipantRoles,
    /// What the participant can do as an executor, e.g. `delivery`, `carry_to_floor`.
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// Contact details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Party>,
    /// When it was registered.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
}
