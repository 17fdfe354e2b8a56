//! GGUF (v2, v3, little-endian) parser: header, metadata, tensor table, data section.
//!
//! Layout (ggml `docs/gguf.md`): magic `GGUF`, u32 version, u64 tensor count, u64 metadata count,
//! metadata entries (string key, u32 value type, value), tensor infos (string name, u32 n_dims,
//! u64 dims innermost-first, u32 ggml type, u64 offset relative to the data section), padding to
//! `general.alignment` (default 32), then the data section. Strings are u64 length + UTF-8 bytes.
//!
//! Every count and size read from the file is untrusted: lengths are checked against the bytes
//! that remain before anything is allocated, sizes use checked arithmetic, and every error names
//! the file and the byte offset, key or tensor where parsing stopped.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::dequant::dequantize_to_vec;
use super::mmap::FileBytes;
use super::types::{GgmlType, type_name_for_id};
use crate::error::{Error, Result};

/// `GGUF` as it appears at offset 0.
pub const GGUF_MAGIC: [u8; 4] = *b"GGUF";
/// Data-section alignment when `general.alignment` is absent.
pub const DEFAULT_ALIGNMENT: u64 = 32;
/// ggml tensors have at most 4 dimensions.
pub const MAX_DIMS: usize = 4;
/// Arrays of arrays deeper than this are rejected (unbounded nesting would overflow the stack).
const MAX_ARRAY_DEPTH: usize = 8;

/// Metadata value type ids of the GGUF format.
pub mod value_type {
    pub const U8: u32 = 0;
    pub const I8: u32 = 1;
    pub const U16: u32 = 2;
    pub const I16: u32 = 3;
    pub const U32: u32 = 4;
    pub const I32: u32 = 5;
    pub const F32: u32 = 6;
    pub const BOOL: u32 = 7;
    pub const STRING: u32 = 8;
    pub const ARRAY: u32 = 9;
    pub const U64: u32 = 10;
    pub const I64: u32 = 11;
    pub const F64: u32 = 12;
}

/// One metadata value.
#[derive(Debug, Clone, PartialEq)]
pub enum MetadataValue {
    U8(u8),
    I8(i8),
    U16(u16),
    I16(i16),
    U32(u32),
    I32(i32),
    F32(f32),
    Bool(bool),
    String(String),
    Array(MetadataArray),
    U64(u64),
    I64(i64),
    F64(f64),
}

/// A homogeneous metadata array (GGUF arrays carry one element type).
#[derive(Debug, Clone, PartialEq)]
pub enum MetadataArray {
    U8(Vec<u8>),
    I8(Vec<i8>),
    U16(Vec<u16>),
    I16(Vec<i16>),
    U32(Vec<u32>),
    I32(Vec<i32>),
    F32(Vec<f32>),
    Bool(Vec<bool>),
    String(Vec<String>),
    Array(Vec<MetadataArray>),
    U64(Vec<u64>),
    I64(Vec<i64>),
    F64(Vec<f64>),
}

impl MetadataValue {
    /// The GGUF value type id.
    pub fn type_id(&self) -> u32 {
        use value_type::*;
        match self {
            MetadataValue::U8(_) => U8,
            MetadataValue::I8(_) => I8,
            MetadataValue::U16(_) => U16,
            MetadataValue::I16(_) => I16,
            MetadataValue::U32(_) => U32,
            MetadataValue::I32(_) => I32,
            MetadataValue::F32(_) => F32,
            MetadataValue::Bool(_) => BOOL,
            MetadataValue::String(_) => STRING,
            MetadataValue::Array(_) => ARRAY,
            MetadataValue::U64(_) => U64,
            MetadataValue::I64(_) => I64,
            MetadataValue::F64(_) => F64,
        }
    }

    /// A human-readable type name for error messages.
    pub fn type_name(&self) -> &'static str {
        value_type_name(self.type_id())
    }

    /// Any integer type holding a value representable as i64.
    pub fn as_i64(&self) -> Option<i64> {
        Some(match *self {
            MetadataValue::U8(v) => v as i64,
            MetadataValue::I8(v) => v as i64,
            MetadataValue::U16(v) => v as i64,
            MetadataValue::I16(v) => v as i64,
            MetadataValue::U32(v) => v as i64,
            MetadataValue::I32(v) => v as i64,
            MetadataValue::U64(v) => i64::try_from(v).ok()?,
            MetadataValue::I64(v) => v,
            _ => return None,
        })
    }

    /// Any integer type holding a non-negative value.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            MetadataValue::U64(v) => Some(v),
            _ => u64::try_from(self.as_i64()?).ok(),
        }
    }

    /// Any numeric type as f64. f32 values are converted through their shortest decimal form, so
    /// `1e-6f32` reads as `1e-6`, not `9.999999974752427e-7`.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            MetadataValue::F32(v) => Some(f32_to_f64_decimal(v)),
            MetadataValue::F64(v) => Some(v),
            _ => self.as_i64().map(|v| v as f64),
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            MetadataValue::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            MetadataValue::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&MetadataArray> {
        match self {
            MetadataValue::Array(a) => Some(a),
            _ => None,
        }
    }
}

/// `v` as the f64 whose decimal form is `v`'s shortest round-trip form.
pub(crate) fn f32_to_f64_decimal(v: f32) -> f64 {
    if !v.is_finite() {
        return v as f64;
    }
    format!("{v:e}").parse::<f64>().unwrap_or(v as f64)
}

impl MetadataArray {
    /// The GGUF type id of the elements.
    pub fn element_type_id(&self) -> u32 {
        use value_type::*;
        match self {
            MetadataArray::U8(_) => U8,
            MetadataArray::I8(_) => I8,
            MetadataArray::U16(_) => U16,
            MetadataArray::I16(_) => I16,
            MetadataArray::U32(_) => U32,
            MetadataArray::I32(_) => I32,
            MetadataArray::F32(_) => F32,
            MetadataArray::Bool(_) => BOOL,
            MetadataArray::String(_) => STRING,
            MetadataArray::Array(_) => ARRAY,
            MetadataArray::U64(_) => U64,
            MetadataArray::I64(_) => I64,
            MetadataArray::F64(_) => F64,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            MetadataArray::U8(v) => v.len(),
            MetadataArray::I8(v) => v.len(),
            MetadataArray::U16(v) => v.len(),
            MetadataArray::I16(v) => v.len(),
            MetadataArray::U32(v) => v.len(),
            MetadataArray::I32(v) => v.len(),
            MetadataArray::F32(v) => v.len(),
            MetadataArray::Bool(v) => v.len(),
            MetadataArray::String(v) => v.len(),
            MetadataArray::Array(v) => v.len(),
            MetadataArray::U64(v) => v.len(),
            MetadataArray::I64(v) => v.len(),
            MetadataArray::F64(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn as_strings(&self) -> Option<&[String]> {
        match self {
            MetadataArray::String(v) => Some(v),
            _ => None,
        }
    }

    /// Numeric elements as f32 (integers converted), `None` for strings, bools and arrays.
    pub fn to_f32_vec(&self) -> Option<Vec<f32>> {
        Some(match self {
            MetadataArray::F32(v) => v.clone(),
            MetadataArray::F64(v) => v.iter().map(|&x| x as f32).collect(),
            _ => self.to_i64_vec()?.into_iter().map(|x| x as f32).collect(),
        })
    }

    /// Integer elements as i64 (u64 values above i64::MAX give `None`).
    pub fn to_i64_vec(&self) -> Option<Vec<i64>> {
        Some(match self {
            MetadataArray::U8(v) => v.iter().map(|&x| x as i64).collect(),
            MetadataArray::I8(v) => v.iter().map(|&x| x as i64).collect(),
            MetadataArray::U16(v) => v.iter().map(|&x| x as i64).collect(),
            MetadataArray::I16(v) => v.iter().map(|&x| x as i64).collect(),
            MetadataArray::U32(v) => v.iter().map(|&x| x as i64).collect(),
            MetadataArray::I32(v) => v.iter().map(|&x| x as i64).collect(),
            MetadataArray::U64(v) => v
                .iter()
                .map(|&x| i64::try_from(x).ok())
                .collect::<Option<Vec<_>>>()?,
            MetadataArray::I64(v) => v.clone(),
            _ => return None,
        })
    }

    pub fn as_bools(&self) -> Option<&[bool]> {
        match self {
            MetadataArray::Bool(v) => Some(v),
            _ => None,
        }
    }
}

/// Name of a GGUF value type id.
pub fn value_type_name(id: u32) -> &'static str {
    use value_type::*;
    match id {
        U8 => "u8",
        I8 => "i8",
        U16 => "u16",
        I16 => "i16",
        U32 => "u32",
        I32 => "i32",
        F32 => "f32",
        BOOL => "bool",
        STRING => "string",
        ARRAY => "array",
        U64 => "u64",
        I64 => "i64",
        F64 => "f64",
        _ => "unknown",
    }
}

/// One entry of the tensor table.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorInfo {
    pub name: String,
    /// ggml `ne`: innermost (contiguous) dimension first. A `[in, out]` weight here is the
    /// row-major `[out, in]` matrix of PyTorch.
    pub dims: Vec<u64>,
    pub ggml_type: GgmlType,
    /// Byte offset inside the data section.
    pub offset: u64,
    pub n_elements: u64,
    pub n_bytes: u64,
}

impl TensorInfo {
    /// Row-major shape (outermost first), i.e. `dims` reversed.
    pub fn shape(&self) -> Vec<usize> {
        self.dims.iter().rev().map(|&d| d as usize).collect()
    }
}

/// A parsed GGUF file; tensor data stays in the (mapped) file until requested.
#[derive(Debug)]
pub struct GgufFile {
    path: PathBuf,
    bytes: FileBytes,
    version: u32,
    metadata: Vec<(String, MetadataValue)>,
    metadata_index: HashMap<String, usize>,
    tensors: Vec<TensorInfo>,
    tensor_index: HashMap<String, usize>,
    alignment: u64,
    data_offset: u64,
}

impl GgufFile {
    /// Map and parse a GGUF file.
    pub fn open(path: impl AsRef<Path>) -> Result<GgufFile> {
        let path = path.as_ref();
        let bytes = FileBytes::open(path)?;
        GgufFile::parse(bytes, path.to_path_buf())
    }

    /// Parse GGUF bytes held in memory; `origin` names them in errors.
    pub fn from_bytes(bytes: Vec<u8>, origin: impl Into<PathBuf>) -> Result<GgufFile> {
        GgufFile::parse(FileBytes::Owned(bytes), origin.into())
    }

    fn parse(bytes: FileBytes, path: PathBuf) -> Result<GgufFile> {
        let header = match parse_header(&bytes) {
            Ok(h) => h,
            Err(what) => return Err(Error::format(path, what)),
        };
        Ok(GgufFile {
            path,
            bytes,
            version: header.version,
            metadata_index: header
                .metadata
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.clone(), i))
                .collect(),
            metadata: header.metadata,
            tensor_index: header
                .tensors
                .iter()
                .enumerate()
                .map(|(i, t)| (t.name.clone(), i))
                .collect(),
            tensors: header.tensors,
            alignment: header.alignment,
            data_offset: header.data_offset,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
    pub fn version(&self) -> u32 {
        self.version
    }
    pub fn alignment(&self) -> u64 {
        self.alignment
    }
    /// Absolute file offset of the data section.
    pub fn data_offset(&self) -> u64 {
        self.data_offset
    }
    /// Total file size in bytes.
    pub fn file_len(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// Metadata entries in file order.
    pub fn metadata(&self) -> &[(String, MetadataValue)] {
        &self.metadata
    }

    pub fn get(&self, key: &str) -> Option<&MetadataValue> {
        self.metadata_index.get(key).map(|&i| &self.metadata[i].1)
    }

    /// Tensor infos in file order.
    pub fn tensors(&self) -> &[TensorInfo] {
        &self.tensors
    }

    pub fn tensor_info(&self, name: &str) -> Option<&TensorInfo> {
        self.tensor_index.get(name).map(|&i| &self.tensors[i])
    }

    /// The raw (quantised) bytes of a tensor; ranges were validated at parse time.
    pub fn tensor_bytes(&self, info: &TensorInfo) -> &[u8] {
        let start = (self.data_offset + info.offset) as usize;
        let end = start + info.n_bytes as usize;
        self.bytes.get(start..end).unwrap_or(&[])
    }

    /// One tensor dequantised to f32, in file element order (innermost dimension fastest).
    pub fn dequantize(&self, name: &str) -> Result<Vec<f32>> {
        let info = self.tensor_info(name).ok_or_else(|| Error::MissingTensor {
            origin: self.path.display().to_string(),
            name: name.to_string(),
        })?;
        let n = usize::try_from(info.n_elements)
            .map_err(|_| self.format_err(format!("tensor `{name}`: too many elements")))?;
        dequantize_to_vec(info.ggml_type, self.tensor_bytes(info), n)
            .map_err(|e| self.format_err(format!("tensor `{name}`: {e}")))
    }

    fn format_err(&self, what: String) -> Error {
        Error::format(&self.path, what)
    }

    /// A required metadata value.
    pub fn require(&self, key: &str) -> Result<&MetadataValue> {
        self.get(key)
            .ok_or_else(|| self.format_err(format!("metadata key `{key}` is missing")))
    }

    /// An optional non-negative integer (any integer type).
    pub fn get_u64(&self, key: &str) -> Result<Option<u64>> {
        self.get(key)
            .map(|v| {
                v.as_u64().ok_or_else(|| {
                    self.format_err(format!(
                        "metadata key `{key}`: expected a non-negative integer, found {} {v:?}",
                        v.type_name()
                    ))
                })
            })
            .transpose()
    }

    /// An optional number (any numeric type) as f64.
    pub fn get_f64(&self, key: &str) -> Result<Option<f64>> {
        self.get(key)
            .map(|v| {
                v.as_f64().ok_or_else(|| {
                    self.format_err(format!(
                        "metadata key `{key}`: expected a number, found {}",
                        v.type_name()
                    ))
                })
            })
            .transpose()
    }

    pub fn get_bool(&self, key: &str) -> Result<Option<bool>> {
        self.get(key)
            .map(|v| {
                v.as_bool().ok_or_else(|| {
                    self.format_err(format!(
                        "metadata key `{key}`: expected a bool, found {}",
                        v.type_name()
                    ))
                })
            })
            .transpose()
    }

    pub fn get_str(&self, key: &str) -> Result<Option<&str>> {
        self.get(key)
            .map(|v| {
                v.as_str().ok_or_else(|| {
                    self.format_err(format!(
                        "metadata key `{key}`: expected a string, found {}",
                        v.type_name()
                    ))
                })
            })
            .transpose()
    }

    pub fn get_array(&self, key: &str) -> Result<Option<&MetadataArray>> {
        self.get(key)
            .map(|v| {
                v.as_array().ok_or_else(|| {
                    self.format_err(format!(
                        "metadata key `{key}`: expected an array, found {}",
                        v.type_name()
                    ))
                })
            })
            .transpose()
    }

    /// `general.architecture`.
    pub fn architecture(&self) -> Result<&str> {
        self.get_str("general.architecture")?
            .ok_or_else(|| self.format_err("metadata key `general.architecture` is missing".into()))
    }
}

struct Header {
    version: u32,
    metadata: Vec<(String, MetadataValue)>,
    tensors: Vec<TensorInfo>,
    alignment: u64,
    data_offset: u64,
}

/// A bounds-checked little-endian reader; errors are messages naming the offset.
struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

type ParseResult<T> = std::result::Result<T, String>;

impl<'a> Cursor<'a> {
    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn take(&mut self, n: usize) -> ParseResult<&'a [u8]> {
        if n > self.remaining() {
            return Err(format!(
                "truncated at byte offset {}: need {n} bytes, file has {} left",
                self.pos,
                self.remaining()
            ));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> ParseResult<[u8; N]> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    fn u32(&mut self) -> ParseResult<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> ParseResult<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A u64 count of items of at least `min_item_bytes` each; larger than what remains is an
    /// error right away (so no allocation follows a corrupt count).
    fn count(&mut self, min_item_bytes: usize, what: &str) -> ParseResult<usize> {
        let at = self.pos;
        let n = self.u64()?;
        let max = (self.remaining() / min_item_bytes.max(1)) as u64;
        if n > max {
            return Err(format!(
                "{what} count {n} at byte offset {at} exceeds what the remaining {} bytes can hold",
                self.remaining()
            ));
        }
        Ok(n as usize)
    }

    fn string(&mut self) -> ParseResult<String> {
        let at = self.pos;
        let len = self.count(1, "string length")?;
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec())
            .map_err(|e| format!("string at byte offset {at} is not valid UTF-8: {e}"))
    }

    fn value(&mut self, ty: u32, depth: usize) -> ParseResult<MetadataValue> {
        use value_type::*;
        Ok(match ty {
            U8 => MetadataValue::U8(self.array::<1>()?[0]),
            I8 => MetadataValue::I8(self.array::<1>()?[0] as i8),
            U16 => MetadataValue::U16(u16::from_le_bytes(self.array()?)),
            I16 => MetadataValue::I16(i16::from_le_bytes(self.array()?)),
            U32 => MetadataValue::U32(self.u32()?),
            I32 => MetadataValue::I32(i32::from_le_bytes(self.array()?)),
            F32 => MetadataValue::F32(f32::from_le_bytes(self.array()?)),
            BOOL => MetadataValue::Bool(self.bool()?),
            STRING => MetadataValue::String(self.string()?),
            ARRAY => MetadataValue::Array(self.array_value(depth + 1)?),
            U64 => MetadataValue::U64(self.u64()?),
            I64 => MetadataValue::I64(i64::from_le_bytes(self.array()?)),
            F64 => MetadataValue::F64(f64::from_le_bytes(self.array()?)),
            other => {
                return Err(format!(
                    "unknown metadata value type {other} at byte offset {}",
                    self.pos.saturating_sub(4)
                ));
            }
        })
    }

    fn bool(&mut self) -> ParseResult<bool> {
        let at = self.pos;
        match self.array::<1>()?[0] {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(format!(
                "bool at byte offset {at} has byte value {b}, expected 0 or 1"
            )),
        }
    }

    fn array_value(&mut self, depth: usize) -> ParseResult<MetadataArray> {
        use value_type::*;
        if depth > MAX_ARRAY_DEPTH {
            return Err(format!(
                "arrays nested deeper than {MAX_ARRAY_DEPTH} at byte offset {}",
                self.pos
            ));
        }
        let ty_at = self.pos;
        let ty = self.u32()?;
        // Minimum encoded size of one element, so the count can be checked before allocating.
        let min = match ty {
            U8 | I8 | BOOL => 1,
            U16 | I16 => 2,
            U32 | I32 | F32 => 4,
            U64 | I64 | F64 | STRING => 8,
            ARRAY => 12,
            other => {
                return Err(format!(
                    "unknown array element type {other} at byte offset {ty_at}"
                ));
            }
        };
        let n = self.count(min, "array element")?;
        macro_rules! fixed {
            ($variant:ident, $t:ty) => {{
                let size = std::mem::size_of::<$t>();
                let raw = self.take(n * size)?;
                MetadataArray::$variant(
                    raw.chunks_exact(size)
                        .map(|c| {
                            let mut a = [0u8; std::mem::size_of::<$t>()];
                            a.copy_from_slice(c);
                            <$t>::from_le_bytes(a)
                        })
                        .collect(),
                )
            }};
        }
        Ok(match ty {
            U8 => MetadataArray::U8(self.take(n)?.to_vec()),
            I8 => fixed!(I8, i8),
            U16 => fixed!(U16, u16),
            I16 => fixed!(I16, i16),
            U32 => fixed!(U32, u32),
            I32 => fixed!(I32, i32),
            F32 => fixed!(F32, f32),
            U64 => fixed!(U64, u64),
            I64 => fixed!(I64, i64),
            F64 => fixed!(F64, f64),
            BOOL => {
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push(self.bool()?);
                }
                MetadataArray::Bool(v)
            }
            STRING => {
                let mut v = Vec::with_capacity(n);
                for i in 0..n {
                    v.push(self.string().map_err(|e| format!("element {i}: {e}"))?);
                }
                MetadataArray::String(v)
            }
            _ => {
                let mut v = Vec::with_capacity(n);
                for i in 0..n {
                    v.push(
                        self.array_value(depth + 1)
                            .map_err(|e| format!("element {i}: {e}"))?,
                    );
                }
                MetadataArray::Array(v)
            }
        })
    }
}

fn parse_header(buf: &[u8]) -> ParseResult<Header> {
    let mut c = Cursor { buf, pos: 0 };
    let magic = c
        .array::<4>()
        .map_err(|e| format!("not a GGUF file ({e})"))?;
    if magic != GGUF_MAGIC {
        return Err(format!(
            "not a GGUF file: magic bytes {magic:02x?} at offset 0, expected \"GGUF\""
        ));
    }
    let version = c.u32()?;
    match version {
        2 | 3 => {}
        1 => {
            return Err(
                "GGUF version 1 (32-bit counts) is not supported; re-convert the model".into(),
            );
        }
        v if v.swap_bytes() == 2 || v.swap_bytes() == 3 => {
            return Err("big-endian GGUF files are not supported".into());
        }
        v => {
            return Err(format!(
                "unsupported GGUF version {v} at byte offset 4 (supported: 2, 3)"
            ));
        }
    }
    // Smallest tensor info: empty name (8) + n_dims (4) + type (4) + offset (8).
    let n_tensors = c.count(24, "tensor")?;
    // Smallest metadata entry: empty key (8) + type (4) + one byte.
    let n_kv = c.count(13, "metadata entry")?;

    let mut metadata = Vec::with_capacity(n_kv);
    let mut seen = HashMap::with_capacity(n_kv);
    for i in 0..n_kv {
        let at = c.pos;
        let key = c
            .string()
            .map_err(|e| format!("metadata entry {i} key: {e}"))?;
        let ty = c
            .u32()
            .map_err(|e| format!("metadata key `{key}` type: {e}"))?;
        let value = c
            .value(ty, 0)
            .map_err(|e| format!("metadata key `{key}` (entry {i}, byte offset {at}): {e}"))?;
        if seen.insert(key.clone(), i).is_some() {
            return Err(format!(
                "metadata key `{key}` appears twice (entry {i}, byte offset {at})"
            ));
        }
        metadata.push((key, value));
    }

    let alignment = match seen.get("general.alignment").map(|&i| &metadata[i].1) {
        None => DEFAULT_ALIGNMENT,
        Some(v) => match v.as_u64() {
            Some(a) if a > 0 && a.is_power_of_two() => a,
            _ => {
                return Err(format!(
                    "metadata key `general.alignment`: {v:?} is not a power of two"
                ));
            }
        },
    };

    let mut tensors: Vec<TensorInfo> = Vec::with_capacity(n_tensors);
    let mut names = HashMap::with_capacity(n_tensors);
    for i in 0..n_tensors {
        let at = c.pos;
        let name = c
            .string()
            .map_err(|e| format!("tensor info {i} name: {e}"))?;
        let t = parse_tensor_info(&mut c, name.clone())
            .map_err(|e| format!("tensor `{name}` (info {i} at byte offset {at}): {e}"))?;
        if t.offset % alignment != 0 {
            return Err(format!(
                "tensor `{name}`: data offset {} is not a multiple of the alignment {alignment}",
                t.offset
            ));
        }
        if names.insert(name.clone(), i).is_some() {
            return Err(format!("tensor `{name}` appears twice in the tensor table"));
        }
        tensors.push(t);
    }

    let end = c.pos as u64;
    let data_offset = end
        .checked_next_multiple_of(alignment)
        .ok_or_else(|| "data offset overflows".to_string())?;
    let file_len = buf.len() as u64;
    if data_offset > file_len && !tensors.is_empty() {
        return Err(format!(
            "truncated: data section should start at byte offset {data_offset}, file has {file_len} bytes"
        ));
    }
    for t in &tensors {
        let end = data_offset
            .checked_add(t.offset)
            .and_then(|s| s.checked_add(t.n_bytes))
            .ok_or_else(|| format!("tensor `{}`: data range overflows", t.name))?;
        if end > file_len {
            return Err(format!(
                "tensor `{}` ({} bytes at byte offset {}) ends at {end}, past the end of the file ({file_len} bytes): truncated file",
                t.name,
                t.n_bytes,
                data_offset + t.offset
            ));
        }
    }
    // ggml's rule: tensor data follow each other in table order, each padded to the alignment.
    // Without it, a type changed in the table (Q5_0 -> F32) would read the next tensor's bytes.
    let mut expected = 0u64;
    for t in &tensors {
        if t.offset != expected {
            return Err(format!(
                "tensor `{}`: data offset {}, expected {expected}: tensor data must follow each other in table order, each padded to the alignment {alignment} (ggml refuses this file too)",
                t.name, t.offset
            ));
        }
        expected = t
            .n_bytes
            .checked_next_multiple_of(alignment)
            .and_then(|n| expected.checked_add(n))
            .ok_or_else(|| format!("tensor `{}`: data range overflows", t.name))?;
    }
    Ok(Header {
        version,
        metadata,
        tensors,
        alignment,
        data_offset,
    })
}

fn parse_tensor_info(c: &mut Cursor<'_>, name: String) -> ParseResult<TensorInfo> {
    let n_dims = c.u32()? as usize;
    if n_dims > MAX_DIMS {
        return Err(format!(
            "{n_dims} dimensions (ggml supports at most {MAX_DIMS})"
        ));
    }
    let mut dims = Vec::with_capacity(n_dims);
    for _ in 0..n_dims {
        dims.push(c.u64()?);
    }
    let type_id = c.u32()?;
    let ggml_type = GgmlType::from_id(type_id).ok_or_else(|| {
        format!(
            "tensor type id {type_id} ({}) is not supported (supported: {})",
            type_name_for_id(type_id),
            GgmlType::ALL
                .iter()
                .map(|t| t.name())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    let offset = c.u64()?;
    let n_elements = dims
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d))
        .filter(|&n| n <= i64::MAX as u64)
        .ok_or_else(|| format!("dimensions {dims:?} overflow"))?;
    let block = ggml_type.block_size() as u64;
    if dims.first().is_some_and(|&d0| !d0.is_multiple_of(block)) {
        return Err(format!(
            "innermost dimension {} is not a multiple of the {ggml_type} block size {block}",
            dims[0]
        ));
    }
    let n_bytes = ggml_type
        .bytes_for(n_elements)
        .ok_or_else(|| format!("{n_elements} elements do not form whole {ggml_type} blocks"))?;
    Ok(TensorInfo {
        name,
        dims,
        ggml_type,
        offset,
        n_elements,
        n_bytes,
    })
}
