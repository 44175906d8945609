//! The embedded SQLite store: one database file in WAL mode with `synchronous = FULL`, so a
//! write is on disk when its call returns.
//!
//! Key design choice: **group commit**. SQLite allows one writer at a time, and each commit costs
//! an fsync. All writes therefore go to one writer thread that owns the only write connection. It
//! takes every write that is waiting (up to [`WRITE_BATCH_MAX`]), runs each in its own savepoint
//! inside one transaction, commits once, and only then answers each caller. Under load, hundreds
//! of orders share one fsync; a lone write still commits at once, with no added delay. A write
//! that fails rolls back to its savepoint and does not disturb its neighbours.
//!
//! Reads use a small pool of read-only connections on blocking threads; WAL lets them run while
//! the writer writes.

use crate::codec::{from_json, parse_time, role_columns, role_of, time_text, to_json};
use crate::migrate::{Migration, SQLITE};
use crate::{
    ApiKeyRecord, IdempotencyRecord, OrderFilter, OrderWrite, Store, StoreError, StoreResult,
    Tenant, event_of,
};
use crate::{SerialBlock, TrackNumberRange, TrackingTicket};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use okno_model::{
    Actor, ApiKeyId, EventKind, MailType, Order, OrderEvent, OrderId, Participant, TenantId,
    TrackingEvent,
};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, params};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use tokio::sync::oneshot;

/// Most writes committed together in one transaction.
pub const WRITE_BATCH_MAX: usize = 512;
/// Read connections kept open.
pub const READERS_MAX: usize = 8;
/// How long a connection waits for a lock before failing, in milliseconds.
const BUSY_TIMEOUT_MS: u64 = 5_000;

/// A write waiting for the writer thread.
trait WriteJob: Send {
    /// Runs the write inside its savepoint; `false` rolls the savepoint back.
    fn apply(&mut self, connection: &Connection) -> bool;
    /// Answers the caller once the transaction's fate is known.
    fn finish(self: Box<Self>, commit: Result<(), StoreError>);
}

struct Job<T, F> {
    work: Option<F>,
    result: Option<StoreResult<T>>,
    reply: oneshot::Sender<StoreResult<T>>,
}

impl<T, F> WriteJob for Job<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> StoreResult<T> + Send,
{
    fn apply(&mut self, connection: &Connection) -> bool {
        let work = self.work.take().expect("a write job runs once");
        let result = work(connection);
        let succeeded = result.is_ok();
        self.result = Some(result);
        succeeded
    }

    fn finish(self: Box<Self>, commit: Result<(), StoreError>) {
        let result = match commit {
            Ok(()) => self
                .result
                .expect("a write job is applied before it finishes"),
            Err(error) => Err(error),
        };
        // The caller may have gone away (client disconnected); the write stands regardless.
        let _ = self.reply.send(result);
    }
}

/// The SQLite implementation of [`Store`].
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    writer: mpsc::Sender<Box<dyn WriteJob>>,
    readers: Arc<Mutex<Vec<Connection>>>,
}

fn backend(error: rusqlite::Error) -> StoreError {
    StoreError::Backend(error.to_string())
}

fn is_unique_violation(error: &rusqlite::Error) -> bool {
    matches!(
        error,
        rusqlite::Error::SqliteFailure(failure, _)
            if failure.code == ErrorCode::ConstraintViolation
    )
}

fn open_connection(path: &Path, read_only: bool) -> StoreResult<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let connection = Connection::open_with_flags(path, flags).map_err(backend)?;
    connection
        .busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))
        .map_err(backend)?;
    connection
        .execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;")
        .map_err(backend)?;
    if !read_only {
        let mode: String = connection
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(backend)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(format!(
                "{} does not support WAL (journal mode {mode})",
                path.display()
            )));
        }
    }
    Ok(connection)
}

fn run_migrations(connection: &mut Connection, migrations: &[Migration]) -> StoreResult<()> {
    let transaction = connection
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(backend)?;
    transaction
        .execute_batch(
            "CREATE TABLE IF NOT EXISTS okno_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )
        .map_err(backend)?;
    let applied: i64 = transaction
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM okno_migrations",
            [],
            |row| row.get(0),
        )
        .map_err(backend)?;
    for migration in migrations
        .iter()
        .filter(|migration| migration.version > applied)
    {
        transaction.execute_batch(migration.sql).map_err(backend)?;
        transaction
            .execute(
                "INSERT INTO okno_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                params![migration.version, migration.name, time_text(Utc::now())],
            )
            .map_err(backend)?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "migrated"
        );
    }
    transaction.commit().map_err(backend)
}

fn writer_loop(mut connection: Connection, jobs: mpsc::Receiver<Box<dyn WriteJob>>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < WRITE_BATCH_MAX {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let commit = write_batch(&mut connection, &mut batch);
        for job in batch {
            job.finish(commit.clone());
        }
    }
}

fn write_batch(connection: &mut Connection, batch: &mut [Box<dyn WriteJob>]) -> StoreResult<()> {
    let transaction = connection
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(backend)?;
    for job in batch.iter_mut() {
        transaction
            .execute_batch("SAVEPOINT job")
            .map_err(backend)?;
        if job.apply(&transaction) {
            transaction.execute_batch("RELEASE job").map_err(backend)?;
        } else {
            transaction
                .execute_batch("ROLLBACK TO job; RELEASE job")
                .map_err(backend)?;
        }
    }
    transaction.commit().map_err(backend)
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database file at `path`.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || Self::open_blocking(path))
            .await
            .map_err(|error| StoreError::Backend(error.to_string()))?
    }

    fn open_blocking(path: PathBuf) -> StoreResult<Self> {
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent)
                .map_err(|error| StoreError::Backend(format!("{}: {error}", parent.display())))?;
        }
        let mut connection = open_connection(&path, false)?;
        run_migrations(&mut connection, SQLITE)?;
        let (writer, jobs) = mpsc::channel::<Box<dyn WriteJob>>();
        std::thread::Builder::new()
            .name("okno-sqlite-writer".to_owned())
            .spawn(move || writer_loop(connection, jobs))
            .map_err(|error| StoreError::Backend(error.to_string()))?;
        Ok(Self {
            path,
            writer,
            readers: Arc::new(Mutex::new(Vec::new())),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            work: Some(work),
            result: None,
            reply,
        };
        self.writer
            .send(Box::new(job))
            .map_err(|_| StoreError::Backend("the SQLite writer thread has stopped".to_owned()))?;
        answer
            .await
            .map_err(|_| StoreError::Backend("the SQLite writer dropped a write".to_owned()))?
    }

    pub(crate) async fn read<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let readers = Arc::clone(&self.readers);
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = readers.lock().map_err(|_| poisoned())?.pop();
            let connection = match pooled {
                Some(connection) => connection,
                None => open_connection(&path, true)?,
            };
            let result = work(&connection);
            let mut pool = readers.lock().map_err(|_| poisoned())?;
            if pool.len() < READERS_MAX {
                pool.push(connection);
            }
            result
        })
        .await
        .map_err(|error| StoreError::Backend(error.to_string()))?
    }
}

fn poisoned() -> StoreError {
    StoreError::Backend("reader pool lock poisoned".to_owned())
}

fn tenant_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, String)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
}

fn tenant_of((id, name, created_at): (String, String, String)) -> StoreResult<Tenant> {
    Ok(Tenant {
        id: parse_id(&id)?,
        name,
        created_at: parse_time(&created_at)?,
    })
}

fn parse_id<T: std::str::FromStr>(text: &str) -> StoreResult<T> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("id {text:?}")))
}

type KeyRow = (
    String,
    Option<String>,
    String,
    Vec<u8>,
    String,
    Option<String>,
    String,
    Option<String>,
);

const KEY_COLUMNS: &str = "id, tenant_id, role, key_hash, prefix, label, created_at, revoked_at";

fn key_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<KeyRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
    ))
}

fn key_of(row: KeyRow) -> StoreResult<ApiKeyRecord> {
    let (id, tenant_id, role, key_hash, prefix, label, created_at, revoked_at) = row;
    let tenant_id = tenant_id.as_deref().map(parse_id).transpose()?;
    Ok(ApiKeyRecord {
        id: parse_id(&id)?,
        role: role_of(&role, tenant_id)?,
        key_hash,
        prefix,
        label,
        created_at: parse_time(&created_at)?,
        revoked_at: revoked_at.as_deref().map(parse_time).transpose()?,
    })
}

fn insert_order(connection: &Connection, write: &OrderWrite) -> StoreResult<()> {
    let order = &write.order;
    assert_eq!(order.version, 1, "a new order starts at version 1");
    if let Some(record) = &write.idempotency {
        insert_idempotency(connection, record)?;
    }
    let inserted = connection.execute(
        "INSERT INTO orders (id, tenant_id, client_order_number, status, priority, deadline_utc,
             version, created_at, updated_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            order.id.to_string(),
            order.tenant_id.to_string(),
            order.client_order_number,
            order.status.as_str(),
            order.priority.rank(),
            order
                .deadline
                .map(|deadline| time_text(deadline.with_timezone(&Utc))),
            order.version,
            time_text(order.created_at),
            time_text(order.updated_at),
            to_json(order),
        ],
    );
    match inserted {
        Ok(_) => {}
        Err(error) if is_unique_violation(&error) => {
            return Err(duplicate_number(connection, order));
        }
        Err(error) => return Err(backend(error)),
    }
    insert_event(connection, write)?;
    crate::sqlite_process::insert_inbox(connection, &write.process_inbox)
}

fn duplicate_number(connection: &Connection, order: &Order) -> StoreError {
    let existing: Result<String, _> = connection.query_row(
        "SELECT id FROM orders WHERE tenant_id = ?1 AND client_order_number = ?2",
        params![order.tenant_id.to_string(), order.client_order_number],
        |row| row.get(0),
    );
    match existing.map_err(backend).and_then(|id| parse_id(&id)) {
        Ok(existing) => StoreError::DuplicateClientOrderNumber {
            number: order.client_order_number.clone(),
            existing,
        },
        Err(error) => error,
    }
}

fn insert_idempotency(connection: &Connection, record: &IdempotencyRecord) -> StoreResult<()> {
    let inserted = connection.execute(
        "INSERT INTO idempotency_keys (tenant_id, key, request_hash, status, body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            record.tenant_id.to_string(),
            record.key,
            record.request_hash,
            record.status,
            record.body,
            time_text(record.created_at),
        ],
    );
    match inserted {
        Ok(_) => Ok(()),
        Err(error) if is_unique_violation(&error) => {
            Err(StoreError::IdempotencyKeyTaken(record.key.clone()))
        }
        Err(error) => Err(backend(error)),
    }
}

fn insert_event(connection: &Connection, write: &OrderWrite) -> StoreResult<()> {
    let event = event_of(write);
    connection
        .execute(
            "INSERT INTO order_events (order_id, tenant_id, sequence, kind, actor, at, payload)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                event.order_id.to_string(),
                write.order.tenant_id.to_string(),
                event.sequence,
                event.kind.as_str(),
                event.actor.0,
                time_text(event.at),
                event.payload.to_string(),
            ],
        )
        .map_err(backend)?;
    crate::sqlite_webhook::insert_deliveries(connection, write.order.tenant_id, &event)
}

fn update_order_row(connection: &Connection, write: &OrderWrite) -> StoreResult<()> {
    let order = &write.order;
    assert!(order.version > 1, "an update raises the version above 1");
    if let Some(record) = &write.idempotency {
        insert_idempotency(connection, record)?;
    }
    let changed = connection
        .execute(
            "UPDATE orders SET status = ?1, priority = ?2, deadline_utc = ?3, version = ?4,
                 updated_at = ?5, body = ?6
             WHERE id = ?7 AND tenant_id = ?8 AND version = ?9",
            params![
                order.status.as_str(),
                order.priority.rank(),
                order
                    .deadline
                    .map(|deadline| time_text(deadline.with_timezone(&Utc))),
                order.version,
                time_text(order.updated_at),
                to_json(order),
                order.id.to_string(),
                order.tenant_id.to_string(),
                order.version - 1,
            ],
        )
        .map_err(backend)?;
    if changed == 0 {
        return Err(StoreError::VersionConflict {
            order_id: order.id,
            expected: order.version - 1,
        });
    }
    insert_event(connection, write)?;
    crate::sqlite_process::insert_inbox(connection, &write.process_inbox)
}

fn order_of(body: String) -> StoreResult<Order> {
    from_json("order body", &body)
}

fn query_orders(
    connection: &Connection,
    tenant_id: TenantId,
    filter: &OrderFilter,
) -> StoreResult<Vec<Order>> {
    let mut sql = String::from("SELECT body FROM orders WHERE tenant_id = ?");
    let mut values: Vec<String> = vec![tenant_id.to_string()];
    if let Some(status) = filter.status {
        sql.push_str(" AND status = ?");
        values.push(status.as_str().to_owned());
    }
    if let Some(number) = &filter.client_order_number {
        sql.push_str(" AND client_order_number = ?");
        values.push(number.clone());
    }
    if let Some(from) = filter.created_from {
        sql.push_str(" AND created_at >= ?");
        values.push(time_text(from));
    }
    if let Some(to) = filter.created_to {
        sql.push_str(" AND created_at < ?");
        values.push(time_text(to));
    }
    if let Some(before) = filter.before {
        sql.push_str(" AND id < ?");
        values.push(before.to_string());
    }
    sql.push_str(&format!(" ORDER BY id DESC LIMIT {}", filter.limit));
    let mut statement = connection.prepare_cached(&sql).map_err(backend)?;
    let bodies = statement
        .query_map(rusqlite::params_from_iter(values.iter()), |row| {
            row.get::<_, String>(0)
        })
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    bodies.into_iter().map(order_of).collect()
}

type EventRow = (String, i64, String, String, String, String);

fn event_of_row(
    (order_id, sequence, kind, actor, at, payload): EventRow,
) -> StoreResult<OrderEvent> {
    Ok(OrderEvent {
        order_id: parse_id(&order_id)?,
        sequence,
        kind: EventKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("event kind {kind:?}")))?,
        actor: Actor(actor),
        at: parse_time(&at)?,
        payload: from_json("event payload", &payload)?,
    })
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> StoreResult<()> {
        self.read(|connection| {
            connection
                .query_row("SELECT 1", [], |row| row.get::<_, i64>(0))
                .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn create_tenant(&self, tenant: &Tenant) -> StoreResult<()> {
        let tenant = tenant.clone();
        self.write(move |connection| {
            let inserted = connection.execute(
                "INSERT INTO tenants (id, name, created_at) VALUES (?1, ?2, ?3)",
                params![
                    tenant.id.to_string(),
                    tenant.name,
                    time_text(tenant.created_at)
                ],
            );
            match inserted {
                Ok(_) => Ok(()),
                Err(error) if is_unique_violation(&error) => Err(StoreError::AlreadyExists(
                    format!("tenant {:?}", tenant.name),
                )),
                Err(error) => Err(backend(error)),
            }
        })
        .await
    }

    async fn tenant(&self, id: TenantId) -> StoreResult<Option<Tenant>> {
        self.read(move |connection| {
            connection
                .query_row(
                    "SELECT id, name, created_at FROM tenants WHERE id = ?1",
                    [id.to_string()],
                    tenant_row,
                )
                .optional()
                .map_err(backend)?
                .map(tenant_of)
                .transpose()
        })
        .await
    }

    async fn tenant_by_name(&self, name: &str) -> StoreResult<Option<Tenant>> {
        let name = name.to_owned();
        self.read(move |connection| {
            connection
                .query_row(
                    "SELECT id, name, created_at FROM tenants WHERE name = ?1",
                    [name],
                    tenant_row,
                )
                .optional()
                .map_err(backend)?
                .map(tenant_of)
                .transpose()
        })
        .await
    }

    async fn tenants(&self) -> StoreResult<Vec<Tenant>> {
        self.read(|connection| {
            let mut statement = connection
                .prepare_cached("SELECT id, name, created_at FROM tenants ORDER BY name")
                .map_err(backend)?;
            let rows = statement
                .query_map([], tenant_row)
                .map_err(backend)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(backend)?;
            rows.into_iter().map(tenant_of).collect()
        })
        .await
    }

    async fn create_api_key(&self, key: &ApiKeyRecord) -> StoreResult<()> {
        let key = key.clone();
        self.write(move |connection| {
            let (role, tenant_id) = role_columns(key.role);
            connection
                .execute(
                    &format!("INSERT INTO api_keys ({KEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
                    params![
                        key.id.to_string(),
                        tenant_id.map(|id| id.to_string()),
                        role,
                        key.key_hash,
                        key.prefix,
                        key.label,
                        time_text(key.created_at),
                        key.revoked_at.map(time_text),
                    ],
                )
                .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn api_key_by_hash(&self, key_hash: &[u8]) -> StoreResult<Option<ApiKeyRecord>> {
        let key_hash = key_hash.to_vec();
        self.read(move |connection| {
            connection
                .query_row(
                    &format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE key_hash = ?1"),
                    [key_hash],
                    key_row,
                )
                .optional()
                .map_err(backend)?
                .map(key_of)
                .transpose()
        })
        .await
    }

    async fn api_keys(&self, tenant_id: Option<TenantId>) -> StoreResult<Vec<ApiKeyRecord>> {
        self.read(move |connection| {
            let mut statement = connection
                .prepare_cached(&format!(
                    "SELECT {KEY_COLUMNS} FROM api_keys WHERE tenant_id IS ?1 ORDER BY id"
                ))
                .map_err(backend)?;
            let rows = statement
                .query_map([tenant_id.map(|id| id.to_string())], key_row)
                .map_err(backend)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(backend)?;
            rows.into_iter().map(key_of).collect()
        })
        .await
    }

    async fn revoke_api_key(&self, id: ApiKeyId, at: DateTime<Utc>) -> StoreResult<()> {
        self.write(move |connection| {
            let changed = connection
                .execute(
                    "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?1) WHERE id = ?2",
                    params![time_text(at), id.to_string()],
                )
                .map_err(backend)?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("api key {id}")));
            }
            Ok(())
        })
        .await
    }

    async fn create_order(&self, write: OrderWrite) -> StoreResult<()> {
        self.write(move |connection| insert_order(connection, &write))
            .await
    }

    async fn create_orders(&self, writes: Vec<OrderWrite>) -> StoreResult<Vec<StoreResult<()>>> {
        self.write(move |connection| {
            let mut results = Vec::with_capacity(writes.len());
            for write in &writes {
                connection.execute_batch("SAVEPOINT one").map_err(backend)?;
                let result = insert_order(connection, write);
                let end = if result.is_ok() {
                    "RELEASE one"
                } else {
                    "ROLLBACK TO one; RELEASE one"
                };
                connection.execute_batch(end).map_err(backend)?;
                results.push(result);
            }
            Ok(results)
        })
        .await
    }

    async fn update_order(&self, write: OrderWrite) -> StoreResult<()> {
        self.write(move |connection| update_order_row(connection, &write))
            .await
    }

    async fn order(&self, tenant_id: TenantId, id: OrderId) -> StoreResult<Option<Order>> {
        self.read(move |connection| {
            connection
                .prepare_cached("SELECT body FROM orders WHERE tenant_id = ?1 AND id = ?2")
                .map_err(backend)?
                .query_row([tenant_id.to_string(), id.to_string()], |row| row.get(0))
                .optional()
                .map_err(backend)?
                .map(order_of)
                .transpose()
        })
        .await
    }

    async fn order_by_client_number(
        &self,
        tenant_id: TenantId,
        number: &str,
    ) -> StoreResult<Option<Order>> {
        let number = number.to_owned();
        self.read(move |connection| {
            connection
                .prepare_cached(
                    "SELECT body FROM orders WHERE tenant_id = ?1 AND client_order_number = ?2",
                )
                .map_err(backend)?
                .query_row([tenant_id.to_string(), number], |row| row.get(0))
                .optional()
                .map_err(backend)?
                .map(order_of)
                .transpose()
        })
        .await
    }

    async fn orders(&self, tenant_id: TenantId, filter: &OrderFilter) -> StoreResult<Vec<Order>> {
        let filter = filter.clone();
        self.read(move |connection| query_orders(connection, tenant_id, &filter))
            .await
    }

    async fn order_events(
        &self,
        tenant_id: TenantId,
        id: OrderId,
        after_sequence: i64,
        limit: u32,
    ) -> StoreResult<Vec<OrderEvent>> {
        self.read(move |connection| {
            let mut statement = connection
                .prepare_cached(
                    "SELECT order_id, sequence, kind, actor, at, payload FROM order_events
                     WHERE tenant_id = ?1 AND order_id = ?2 AND sequence > ?3
                     ORDER BY sequence LIMIT ?4",
                )
                .map_err(backend)?;
            let rows = statement
                .query_map(
                    params![tenant_id.to_string(), id.to_string(), after_sequence, limit],
                    |row| {
                        Ok((
                            row.get(0)?,
                            row.get(1)?,
                            row.get(2)?,
                            row.get(3)?,
                            row.get(4)?,
                            row.get(5)?,
                        ))
                    },
                )
                .map_err(backend)?
                .collect::<Result<Vec<EventRow>, _>>()
                .map_err(backend)?;
            rows.into_iter().map(event_of_row).collect()
        })
        .await
    }

    async fn count_orders(&self, tenant_id: TenantId) -> StoreResult<u64> {
        self.read(move |connection| {
            let count: i64 = connection
                .query_row(
                    "SELECT COUNT(*) FROM orders WHERE tenant_id = ?1",
                    [tenant_id.to_string()],
                    |row| row.get(0),
                )
                .map_err(backend)?;
            Ok(u64::try_from(count).unwrap_or(0))
        })
        .await
    }

    async fn idempotency(
        &self,
        tenant_id: TenantId,
        key: &str,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        let key = key.to_owned();
        self.read(move |connection| {
            let row = connection
                .prepare_cached(
                    "SELECT request_hash, status, body, created_at FROM idempotency_keys
                     WHERE tenant_id = ?1 AND key = ?2",
                )
                .map_err(backend)?
                .query_row([tenant_id.to_string(), key.clone()], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, u16>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                    ))
                })
                .optional()
                .map_err(backend)?;
            row.map(|(request_hash, status, body, created_at)| {
                Ok(IdempotencyRecord {
                    tenant_id,
                    key: key.clone(),
                    request_hash,
                    status,
                    body,
                    created_at: parse_time(&created_at)?,
                })
            })
            .transpose()
        })
        .await
    }

    async fn purge_idempotency(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        self.write(move |connection| {
            let deleted = connection
                .execute(
                    "DELETE FROM idempotency_keys WHERE created_at < ?1",
                    [time_text(before)],
                )
                .map_err(backend)?;
            Ok(deleted as u64)
        })
        .await
    }

    async fn create_participant(
        &self,
        participant: &Participant,
        idempotency: Option<&IdempotencyRecord>,
    ) -> StoreResult<()> {
        let participant = participant.clone();
        let idempotency = idempotency.cloned();
        self.write(move |connection| {
            if let Some(record) = &idempotency {
                insert_idempotency(connection, record)?;
            }
            let inserted = connection.execute(
                "INSERT INTO participants (id, tenant_id, name, created_at, body)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    participant.id.to_string(),
                    participant.tenant_id.to_string(),
                    participant.name,
                    time_text(participant.created_at),
                    to_json(&participant),
                ],
            );
            match inserted {
                Ok(_) => Ok(()),
                Err(error) if is_unique_violation(&error) => Err(StoreError::AlreadyExists(
                    format!("participant {:?}", participant.name),
                )),
                Err(error) => Err(backend(error)),
            }
        })
        .await
    }

    async fn participants(&self, tenant_id: TenantId) -> StoreResult<Vec<Participant>> {
        self.read(move |connection| {
            let mut statement = connection
                .prepare_cached("SELECT body FROM participants WHERE tenant_id = ?1 ORDER BY name")
                .map_err(backend)?;
            let bodies = statement
                .query_map([tenant_id.to_string()], |row| row.get::<_, String>(0))
                .map_err(backend)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(backend)?;
            bodies
                .iter()
                .map(|body| from_json("participant body", body))
                .collect()
        })
        .await
    }

    async fn create_tracknumber_range(&self, range: &TrackNumberRange) -> StoreResult<()> {
        let range = range.clone();
        self.write(move |connection| {
            if let Some(overlap) = crate::sqlite_ranges::overlapping(connection, &range)? {
                return Err(StoreError::AlreadyExists(overlap));
            }
            match crate::sqlite_ranges::create(connection, &range) {
                Ok(_) => Ok(()),
                Err(error) if is_unique_violation(&error) => {
                    Err(StoreError::AlreadyExists(format!("range {}", range.id)))
                }
                Err(error) => Err(backend(error)),
            }
        })
        .await
    }

    async fn tracknumber_ranges(&self, tenant_id: TenantId) -> StoreResult<Vec<TrackNumberRange>> {
        self.read(move |connection| crate::sqlite_ranges::list(connection, tenant_id))
            .await
    }

    async fn reserve_serials(
        &self,
        tenant_id: TenantId,
        mail_type: MailType,
        count: i64,
    ) -> StoreResult<Option<SerialBlock>> {
        self.write(move |connection| {
            crate::sqlite_ranges::reserve(connection, tenant_id, mail_type, count)
        })
        .await
    }

    async fn insert_tracking_events(
        &self,
        tenant_id: TenantId,
        events: Vec<TrackingEvent>,
    ) -> StoreResult<u64> {
        self.write(move |connection| crate::sqlite_tracking::insert(connection, tenant_id, &events))
            .await
    }

    async fn tracking_events(&self, track_numbers: Vec<String>) -> StoreResult<Vec<TrackingEvent>> {
        self.read(move |connection| crate::sqlite_tracking::history(connection, &track_numbers))
            .await
    }

    async fn create_tracking_ticket(&self, ticket: &TrackingTicket) -> StoreResult<()> {
        let ticket = ticket.clone();
        self.write(move |connection| {
            match crate::sqlite_tracking::create_ticket(connection, &ticket) {
                Ok(_) => Ok(()),
                Err(error) if is_unique_violation(&error) => {
                    Err(StoreError::AlreadyExists(format!("ticket {}", ticket.id)))
                }
                Err(error) => Err(backend(error)),
            }
        })
        .await
    }

    async fn tracking_ticket(&self, id: &str) -> StoreResult<Option<TrackingTicket>> {
        let id = id.to_owned();
        self.read(move |connection| crate::sqlite_tracking::ticket(connection, &id))
            .await
    }
}
