//! The migration list. Each backend has its own SQL files under `migrations/<backend>/`,
//! numbered; a migration runs once, inside a transaction, and is recorded in `okno_migrations`.

/// One migration: its number, its name and its SQL.
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) name: &'static str,
    pub(crate) sql: &'static str,
}

pub(crate) const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../migrations/sqlite/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "tracknumber_ranges",
        sql: include_str!("../migrations/sqlite/0002_tracknumber_ranges.sql"),
    },
    Migration {
        version: 3,
        name: "tracking",
        sql: include_str!("../migrations/sqlite/0003_tracking.sql"),
    },
    Migration {
        version: 4,
        name: "processes",
        sql: include_str!("../migrations/sqlite/0004_processes.sql"),
    },
    Migration {
        version: 5,
        name: "process_start_timers",
        sql: include_str!("../migrations/sqlite/0005_process_start_timers.sql"),
    },
    Migration {
        version: 6,
        name: "webhooks",
        sql: include_str!("../migrations/sqlite/0006_webhooks.sql"),
    },
    Migration {
        version: 7,
        name: "otpravka",
        sql: include_str!("../migrations/sqlite/0007_otpravka.sql"),
    },
];

pub(crate) const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "tracknumber_ranges",
        sql: include_str!("../migrations/postgres/0002_tracknumber_ranges.sql"),
    },
    Migration {
        version: 3,
        name: "tracking",
        sql: include_str!("../migrations/postgres/0003_tracking.sql"),
    },
    Migration {
        version: 4,
        name: "processes",
        sql: include_str!("../migrations/postgres/0004_processes.sql"),
    },
    Migration {
        version: 5,
        name: "process_start_timers",
        sql: include_str!("../migrations/postgres/0005_process_start_timers.sql"),
    },
    Migration {
        version: 6,
        name: "webhooks",
        sql: include_str!("../migrations/postgres/0006_webhooks.sql"),
    },
    Migration {
        version: 7,
        name: "otpravka",
        sql: include_str!("../migrations/postgres/0007_otpravka.sql"),
    },
];
