//! Readers of the configuration keys a file holds, handed to the common parsers and to the
//! family hooks ([`super::Family::hf_extras`], [`super::Family::gguf_extras`]); their errors
//! name the file and the full key.

use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::gguf::{GgufFile, MetadataValue};

/// The keys of one `config.json`, for the common parser and the family hooks
/// ([`crate::family::Family::hf_extras`]): looked up in the text config, then at the top level
/// (ids often live there); null counts as absent.
pub struct HfKeys<'a> {
    pub(crate) json: &'a Value,
    pub(crate) text: &'a Value,
    pub(crate) path: &'a Path,
    /// `rope_parameters.sliding_attention.rope_theta`, where the file gives one base per layer type.
    pub rope_local_theta: Option<f64>,
}

impl<'a> HfKeys<'a> {
    pub fn get(&self, k: &str) -> Option<&'a Value> {
        self.text
            .get(k)
            .filter(|v| !v.is_null())
            .or_else(|| self.json.get(k).filter(|v| !v.is_null()))
    }

    pub fn usize(&self, k: &str) -> Result<Option<usize>> {
        self.get(k)
            .map(|v| {
                v.as_u64().map(|x| x as usize).ok_or_else(|| {
                    self.error(format!(
                        "key `{k}`: expected a non-negative integer, found {v}"
                    ))
                })
            })
            .transpose()
    }

    pub fn f64(&self, k: &str) -> Result<Option<f64>> {
        self.get(k)
            .map(|v| {
                v.as_f64()
                    .ok_or_else(|| self.error(format!("key `{k}`: expected a number, found {v}")))
            })
            .transpose()
    }

    /// A format error naming the file.
    pub fn error(&self, what: String) -> Error {
        Error::format(self.path, what)
    }
}

/// The `{arch}.*` metadata of one GGUF file, for the common parser and the family hooks
/// ([`crate::family::Family::gguf_extras`]); errors name the file and the full key.
pub struct GgufKeys<'a> {
    pub(crate) file: &'a GgufFile,
    pub(crate) arch: &'a str,
}

impl<'a> GgufKeys<'a> {
    pub fn file(&self) -> &'a GgufFile {
        self.file
    }

    /// The full key, `{arch}.{k}`.
    pub fn key(&self, k: &str) -> String {
        format!("{}.{k}", self.arch)
    }

    pub fn usize(&self, k: &str) -> Result<Option<usize>> {
        let full = self.key(k);
        match self.file.get_u64(&full)? {
            Some(v) => Ok(Some(to_usize(self.file, &full, v)?)),
            None => Ok(None),
        }
    }

    pub fn f64(&self, k: &str) -> Result<Option<f64>> {
        self.file.get_f64(&self.key(k))
    }

    /// A period `n` where every n-th layer is global: an integer, or per-layer flags
    /// (true = sliding window) that follow such a period.
    pub fn layer_pattern(&self, k: &str) -> Result<Option<usize>> {
        let full = self.key(k);
        match self.file.get(&full) {
            None => Ok(None),
            Some(MetadataValue::Array(a)) => pattern_from_flags(a.as_bools().unwrap_or(&[]))
                .map(Some)
                .ok_or_else(|| {
                    self.error(format!("metadata key `{full}`: unsupported layer pattern"))
                }),
            Some(v) => v
                .as_u64()
                .map(|p| Some(p as usize))
                .ok_or_else(|| self.error(format!("metadata key `{full}`: expected an integer"))),
        }
    }

    /// A format error naming the file.
    pub fn error(&self, what: String) -> Error {
        Error::format(self.file.path(), what)
    }
}

/// A per-layer flag array (true = sliding window) as a period `n` where every n-th layer is
/// global, or `None` when the flags do not follow that pattern.
fn pattern_from_flags(flags: &[bool]) -> Option<usize> {
    let first_global = flags.iter().position(|&f| !f)?;
    let n = first_global + 1;
    flags
        .iter()
        .enumerate()
        .all(|(i, &f)| f != (i + 1).is_multiple_of(n))
        .then_some(n)
}

pub(crate) fn to_usize(file: &GgufFile, key: &str, v: u64) -> Result<usize> {
    usize::try_from(v).map_err(|_| {
        Error::format(
            file.path(),
            format!("metadata key `{key}`: {v} is too large"),
        )
    })
}
