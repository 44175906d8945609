//! Throw-away databases for tests of this and the upper crates: a SQLite file in a fresh
//! temporary folder, or a fresh schema in the PostgreSQL database named by
//! [`POSTGRES_URL_VARIABLE`].
//!
//! PostgreSQL tests are skipped (with a note on stderr) when the variable is unset, so that
//! `cargo test` works on a laptop without a server; CI always sets it, so there they always run,
//! and a server that cannot be reached fails them.

use crate::{Store, StoreResult};
use std::path::PathBuf;
use std::sync::Arc;

/// The environment variable holding the PostgreSQL URL for tests.
pub const POSTGRES_URL_VARIABLE: &str = "OKNO_TEST_POSTGRES_URL";

/// When set (CI sets it), a missing PostgreSQL URL fails the tests instead of skipping them.
pub const POSTGRES_REQUIRED_VARIABLE: &str = "OKNO_TEST_POSTGRES_REQUIRED";

/// A database that exists for one test.
#[derive(Debug)]
pub struct TestDatabase {
    url: String,
    folder: Option<PathBuf>,
}

impl TestDatabase {
    /// A SQLite file in a new temporary folder (removed on drop).
    pub fn sqlite() -> Self {
        let folder = std::env::temp_dir().join(format!("okno-test-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&folder).expect("temporary folder can be created");
        let url = format!("sqlite://{}", folder.join("okno.db").display());
        Self {
            url,
            folder: Some(folder),
        }
    }

    /// A new schema in the test PostgreSQL database, or `None` when no URL is configured.
    pub async fn postgres() -> Option<Self> {
        let Ok(base) = std::env::var(POSTGRES_URL_VARIABLE) else {
            assert!(
                std::env::var_os(POSTGRES_REQUIRED_VARIABLE).is_none(),
                "{POSTGRES_REQUIRED_VARIABLE} is set but {POSTGRES_URL_VARIABLE} is not"
            );
            eprintln!("{POSTGRES_URL_VARIABLE} is not set: skipping the PostgreSQL half");
            return None;
        };
        let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
        let pool = sqlx::PgPool::connect(&base).await.unwrap_or_else(|error| {
            panic!("{POSTGRES_URL_VARIABLE}={base} is unreachable: {error}")
        });
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&pool)
            .await
            .expect("test schema can be created");
        pool.close().await;
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
        Some(Self { url, folder: None })
    }

    /// The URL to open (or to hand to a server process).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Opens a store on this database (again: opening twice is how tests prove durability).
    pub async fn open(&self) -> StoreResult<Arc<dyn Store>> {
        crate::open(&self.url).await
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(folder) = &self.folder {
            let _ = std::fs::remove_dir_all(folder);
        }
    }
}
