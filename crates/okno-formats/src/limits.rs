//! Bounds shared by every reader, and the checks that apply them.

use crate::error::{FormatError, FormatErrorKind};

/// Bounds on one body. Every reader checks `bytes_max` first, before looking at the content,
/// so an oversized body costs nothing but the comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest body, in bytes as received (before decoding).
    pub bytes_max: usize,
    /// Deepest nesting: XML elements, JSON arrays and objects.
    pub depth_max: usize,
    /// Most nodes: XML elements plus attributes, JSON values, CSV fields, form pairs.
    pub nodes_max: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            bytes_max: 10 * 1024 * 1024,
            depth_max: 64,
            nodes_max: 1_000_000,
        }
    }
}

impl Limits {
    pub(crate) fn check_size(&self, bytes: &[u8]) -> Result<(), FormatError> {
        if bytes.len() > self.bytes_max {
            return Err(FormatError::new(
                FormatErrorKind::TooLarge,
                format!(
                    "the body is {} bytes; the limit is {}",
                    bytes.len(),
                    self.bytes_max
                ),
            ));
        }
        Ok(())
    }

    pub(crate) fn too_many_nodes(&self) -> FormatError {
        FormatError::new(
            FormatErrorKind::TooManyNodes,
            format!("the body has more than {} nodes", self.nodes_max),
        )
    }

    pub(crate) fn too_deep(&self) -> FormatError {
        FormatError::new(
            FormatErrorKind::TooDeep,
            format!("the body nests deeper than {}", self.depth_max),
        )
    }
}
