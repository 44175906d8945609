//! Identifier newtypes. Ids never cross a crate boundary as bare strings or UUIDs.
//!
//! Every id is a UUIDv7: time-ordered, so that the primary keys of new rows land at the end of
//! the index and a cursor over ids is also a cursor over creation time.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
            utoipa::ToSchema,
        )]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered (UUIDv7) id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            /// Wraps an existing UUID (read back from storage or a URL).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }
            /// The UUID inside.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(
    /// The id of an order, assigned by okno when the order is accepted.
    OrderId
);
uuid_id!(
    /// The id of a tenant: one client organisation (a shop, a marketplace, a partner).
    TenantId
);
uuid_id!(
    /// The id of an API key (not the secret; the secret is never stored).
    ApiKeyId
);
uuid_id!(
    /// The id of a participant: a party that can be a customer, an executor, or both.
    ParticipantId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_time_ordered_and_round_trip() {
        let first = OrderId::new();
        let second = OrderId::new();
        assert!(first < second, "UUIDv7 ids must sort by creation");
        let parsed: OrderId = first.to_string().parse().unwrap();
        assert_eq!(parsed, first);
        assert!("not-a-uuid".parse::<OrderId>().is_err());
    }
}
