//! Connectors per tenant ([`Registry`]), read from a directory laid out as
//! `<dir>/<tenant-id>/<anything>.yaml`, and [`SharedRegistry`], the handle a server keeps and
//! swaps whole on reload, so requests in flight finish on the registry they started with.
//!
//! This is the only module of the crate that reads files.

use crate::connector::Connector;
use crate::error::LoadErrors;
use okno_model::TenantId;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

/// Every connector of every tenant, by tenant and name. Immutable once built.
#[derive(Debug, Default)]
pub struct Registry {
    tenants: BTreeMap<TenantId, BTreeMap<String, Arc<Connector>>>,
}

/// Why a directory of connectors could not be loaded: every bad file.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// A file or folder could not be read.
    #[error("{path}: {reason}")]
    Io {
        /// The path.
        path: String,
        /// Why.
        reason: String,
    },
    /// Files with errors (each lists every error it has).
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<LoadErrors>),
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Adds a connector for a tenant; a second connector of the same name replaces the first.
    pub fn insert(&mut self, tenant: TenantId, connector: Connector) {
        self.tenants
            .entry(tenant)
            .or_default()
            .insert(connector.name().to_owned(), Arc::new(connector));
    }

    /// The tenant's connector called `name`.
    pub fn get(&self, tenant: TenantId, name: &str) -> Option<Arc<Connector>> {
        self.tenants.get(&tenant)?.get(name).cloned()
    }

    /// How many connectors there are, all tenants together.
    pub fn len(&self) -> usize {
        self.tenants.values().map(BTreeMap::len).sum()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every (tenant, connector), in order.
    pub fn iter(&self) -> impl Iterator<Item = (TenantId, &Arc<Connector>)> {
        self.tenants
            .iter()
            .flat_map(|(tenant, connectors)| connectors.values().map(move |c| (*tenant, c)))
    }

    /// Reads `<dir>/<tenant-id>/*.yaml` (and `*.yml`). All or nothing: one bad file fails the
    /// whole load, listing every error of every bad file, so a reload never half-applies. Two
    /// files of one tenant with the same connector name are an error.
    pub fn load_dir(dir: &Path) -> Result<Registry, RegistryError> {
        let io = |path: &Path, error: std::io::Error| RegistryError::Io {
            path: path.display().to_string(),
            reason: error.to_string(),
        };
        let mut registry = Registry::new();
        let mut invalid = Vec::new();
        let mut tenants: Vec<_> = std::fs::read_dir(dir)
            .map_err(|error| io(dir, error))?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.is_dir())
            .collect();
        tenants.sort();
        for tenant_dir in tenants {
            let name = tenant_dir
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            let Ok(tenant) = name.parse::<TenantId>() else {
                return Err(RegistryError::Io {
                    path: tenant_dir.display().to_string(),
                    reason: "a folder of connectors is named by its tenant's id (a UUID)"
                        .to_owned(),
                });
            };
            let mut files: Vec<_> = std::fs::read_dir(&tenant_dir)
                .map_err(|error| io(&tenant_dir, error))?
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| {
                    path.extension()
                        .is_some_and(|extension| extension == "yaml" || extension == "yml")
                })
                .collect();
            files.sort();
            for file in files {
                let text = std::fs::read_to_string(&file).map_err(|error| io(&file, error))?;
                let label = file.display().to_string();
                match Connector::load(&label, &text) {
                    Ok(connector) => {
                        if registry.get(tenant, connector.name()).is_some() {
                            return Err(RegistryError::Io {
                                path: label,
                                reason: format!(
                                    "a second connector named {} for this tenant",
                                    connector.name()
                                ),
                            });
                        }
                        registry.insert(tenant, connector);
                    }
                    Err(errors) => invalid.push(errors),
                }
            }
        }
        if invalid.is_empty() {
            Ok(registry)
        } else {
            Err(RegistryError::Invalid(invalid))
        }
    }
}

/// The registry a server uses, replaced whole by [`SharedRegistry::replace`].
#[derive(Debug, Default)]
pub struct SharedRegistry {
    current: RwLock<Arc<Registry>>,
}

impl SharedRegistry {
    /// A handle holding `registry`.
    pub fn new(registry: Registry) -> SharedRegistry {
        SharedRegistry {
            current: RwLock::new(Arc::new(registry)),
        }
    }

    /// The registry now in force.
    pub fn current(&self) -> Arc<Registry> {
        match self.current.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Puts `registry` in force for every later request.
    pub fn replace(&self, registry: Registry) {
        let registry = Arc::new(registry);
        match self.current.write() {
            Ok(mut guard) => *guard = registry,
            Err(poisoned) => *poisoned.into_inner() = registry,
        }
    }
}
