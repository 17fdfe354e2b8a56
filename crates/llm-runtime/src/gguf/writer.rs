//! GGUF v3 writer with f32 -> F32/F16/BF16/Q8_0/Q4_0 quantisation: tiny test models, exports.
//!
//! ```
//! use llm_runtime::gguf::{GgmlType, GgufFile, GgufWriter, MetadataValue};
//! let mut w = GgufWriter::new();
//! w.add_metadata("general.architecture", MetadataValue::String("llama".into()));
//! // shape is row-major (outermost first), as in PyTorch: 2 rows of 32.
//! let data: Vec<f32> = (0..64).map(|i| i as f32 / 64.0).collect();
//! w.add_tensor("x.weight", &[2, 32], &data, GgmlType::Q8_0).unwrap();
//! let file = GgufFile::from_bytes(w.to_bytes(), "in-memory.gguf").unwrap();
//! assert_eq!(file.tensor_info("x.weight").unwrap().dims, vec![32, 2]);
//! let back = file.dequantize("x.weight").unwrap();
//! assert!(back.iter().zip(&data).all(|(a, b)| (a - b).abs() < 0.01));
//! ```

use std::io::Write;
use std::path::Path;

use half::{bf16, f16};

use super::reader::{DEFAULT_ALIGNMENT, GGUF_MAGIC, MAX_DIMS, MetadataArray, MetadataValue};
use super::types::GgmlType;
use crate::error::{Error, Result};

/// Why a tensor cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantizeError {
    #[error("quantising to {0} is not implemented (writer supports F32, F16, BF16, Q8_0, Q4_0)")]
    Unsupported(GgmlType),
    #[error("{n} elements is not a whole number of {ty} blocks of {block}")]
    NotBlockMultiple {
        ty: GgmlType,
        n: usize,
        block: usize,
    },
}

/// Quantise f32 values into `ty` blocks (ggml's reference rounding).
pub fn quantize(ty: GgmlType, data: &[f32]) -> std::result::Result<Vec<u8>, QuantizeError> {
    let block = ty.block_size();
    if !data.len().is_multiple_of(block) {
        return Err(QuantizeError::NotBlockMultiple {
            ty,
            n: data.len(),
            block,
        });
    }
    let mut out = Vec::with_capacity(data.len() / block * ty.block_bytes());
    match ty {
        GgmlType::F32 => data
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        GgmlType::F16 => data
            .iter()
            .for_each(|&x| out.extend_from_slice(&f16::from_f32(x).to_le_bytes())),
        GgmlType::BF16 => data
            .iter()
            .for_each(|&x| out.extend_from_slice(&bf16::from_f32(x).to_le_bytes())),
        GgmlType::Q8_0 => {
            for xs in data.chunks_exact(32) {
                let amax = xs.iter().fold(0f32, |m, x| m.max(x.abs()));
                let d = amax / 127.0;
                let id = if d != 0.0 { 1.0 / d } else { 0.0 };
                out.extend_from_slice(&f16::from_f32(d).to_le_bytes());
                out.extend(
                    xs.iter()
                        .map(|&x| ((x * id).round() as i32).clamp(-128, 127) as i8 as u8),
                );
            }
        }
        GgmlType::Q4_0 => {
            for xs in data.chunks_exact(32) {
                // The signed value of largest magnitude maps to -8, so the range [-8, 7] is used fully.
                let max = xs
                    .iter()
                    .fold(0f32, |m, &x| if x.abs() > m.abs() { x } else { m });
                let d = max / -8.0;
                let id = if d != 0.0 { 1.0 / d } else { 0.0 };
                out.extend_from_slice(&f16::from_f32(d).to_le_bytes());
                let q = |x: f32| ((x * id + 8.5) as i32).clamp(0, 15) as u8;
                out.extend((0..16).map(|j| q(xs[j]) | (q(xs[j + 16]) << 4)));
            }
        }
        other => return Err(QuantizeError::Unsupported(other)),
    }
    Ok(out)
}

#[derive(Debug, Clone)]
struct PendingTensor {
    name: String,
    dims: Vec<u64>,
    ty: GgmlType,
    data: Vec<u8>,
}

/// Collects metadata and tensors, then writes one GGUF v3 file.
#[derive(Debug, Clone)]
pub struct GgufWriter {
    alignment: u64,
    metadata: Vec<(String, MetadataValue)>,
    tensors: Vec<PendingTensor>,
}

impl Default for GgufWriter {
    fn default() -> Self {
        GgufWriter::new()
    }
}

impl GgufWriter {
    pub fn new() -> GgufWriter {
        GgufWriter {
            alignment: DEFAULT_ALIGNMENT,
            metadata: Vec::new(),
            tensors: Vec::new(),
        }
    }

    /// Align tensor data to `alignment` bytes (a power of two; written as `general.alignment`).
    pub fn set_alignment(&mut self, alignment: u32) -> Result<&mut Self> {
        if alignment == 0 || !alignment.is_power_of_two() {
            return Err(Error::Invalid(format!(
                "GGUF alignment {alignment} is not a power of two"
            )));
        }
        self.alignment = alignment as u64;
        self.add_metadata("general.alignment", MetadataValue::U32(alignment));
        Ok(self)
    }

    /// Add or replace a metadata entry (file order = first insertion order).
    pub fn add_metadata(&mut self, key: impl Into<String>, value: MetadataValue) -> &mut Self {
        let key = key.into();
        match self.metadata.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.metadata.push((key, value)),
        }
        self
    }

    /// Add a tensor given row-major f32 data of `shape` (outermost first, as PyTorch); it is
    /// stored with ggml dims reversed and quantised to `ty`. The innermost dimension must be a
    /// multiple of `ty`'s block size.
    pub fn add_tensor(
        &mut self,
        name: impl Into<String>,
        shape: &[usize],
        data: &[f32],
        ty: GgmlType,
    ) -> Result<&mut Self> {
        let name = name.into();
        let n: usize = shape.iter().product();
        if n != data.len() {
            return Err(Error::Invalid(format!(
                "tensor `{name}`: shape {shape:?} needs {n} values, got {}",
                data.len()
            )));
        }
        let dims: Vec<u64> = shape.iter().rev().map(|&d| d as u64).collect();
        let bytes =
            quantize(ty, data).map_err(|e| Error::Invalid(format!("tensor `{name}`: {e}")))?;
        self.add_raw_tensor(name, dims, ty, bytes)
    }

    /// Add already-encoded tensor bytes with ggml dims (innermost first).
    pub fn add_raw_tensor(
        &mut self,
        name: impl Into<String>,
        dims: Vec<u64>,
        ty: GgmlType,
        data: Vec<u8>,
    ) -> Result<&mut Self> {
        let name = name.into();
        if dims.len() > MAX_DIMS {
            return Err(Error::Invalid(format!(
                "tensor `{name}`: {} dims (at most {MAX_DIMS})",
                dims.len()
            )));
        }
        if dims
            .first()
            .is_some_and(|&d| !d.is_multiple_of(ty.block_size() as u64))
        {
            return Err(Error::Invalid(format!(
                "tensor `{name}`: innermost dim {} is not a multiple of the {ty} block size {}",
                dims[0],
                ty.block_size()
            )));
        }
        let n: u64 = dims.iter().product();
        if ty.bytes_for(n) != Some(data.len() as u64) {
            return Err(Error::Invalid(format!(
                "tensor `{name}`: {} bytes do not hold {n} {ty} elements",
                data.len()
            )));
        }
        if self.tensors.iter().any(|t| t.name == name) {
            return Err(Error::Invalid(format!("tensor `{name}` added twice")));
        }
        self.tensors.push(PendingTensor {
            name,
            dims,
            ty,
            data,
        });
        Ok(self)
    }

    /// The whole file in memory.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        // Writing into a Vec cannot fail.
        let _ = self.write_to(&mut out);
        out
    }

    /// Write the file to `w`.
    pub fn write_to(&self, w: &mut impl Write) -> std::io::Result<()> {
        let mut header = Vec::new();
        header.extend_from_slice(&GGUF_MAGIC);
        header.extend_from_slice(&3u32.to_le_bytes());
        header.extend_from_slice(&(self.tensors.len() as u64).to_le_bytes());
        header.extend_from_slice(&(self.metadata.len() as u64).to_le_bytes());
        for (k, v) in &self.metadata {
            put_string(&mut header, k);
            header.extend_from_slice(&v.type_id().to_le_bytes());
            put_value(&mut header, v);
        }
        // Each tensor starts at an aligned offset inside the data section.
        let mut offsets = Vec::with_capacity(self.tensors.len());
        let mut offset = 0u64;
        for t in &self.tensors {
            offsets.push(offset);
            offset = (offset + t.data.len() as u64).next_multiple_of(self.alignment);
        }
        for (t, off) in self.tensors.iter().zip(&offsets) {
            put_string(&mut header, &t.name);
            header.extend_from_slice(&(t.dims.len() as u32).to_le_bytes());
            for d in &t.dims {
                header.extend_from_slice(&d.to_le_bytes());
            }
            header.extend_from_slice(&t.ty.id().to_le_bytes());
            header.extend_from_slice(&off.to_le_bytes());
        }
        w.write_all(&header)?;
        if self.tensors.is_empty() {
            return Ok(());
        }
        let header_len = header.len() as u64;
        let data_start = header_len.next_multiple_of(self.alignment);
        w.write_all(&vec![0u8; (data_start - header_len) as usize])?;
        let mut pos = 0u64; // inside the data section
        for (t, &off) in self.tensors.iter().zip(&offsets) {
            w.write_all(&vec![0u8; (off - pos) as usize])?;
            w.write_all(&t.data)?;
            pos = off + t.data.len() as u64;
        }
        Ok(())
    }

    /// Write to `path` atomically (temp file in the same directory, then rename).
    pub fn write_file(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
        let result = (|| {
            let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
            self.write_to(&mut f)?;
            f.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::io(path, e));
        }
        Ok(())
    }
}

fn put_string(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn put_value(out: &mut Vec<u8>, v: &MetadataValue) {
    match v {
        MetadataValue::U8(x) => out.push(*x),
        MetadataValue::I8(x) => out.push(*x as u8),
        MetadataValue::U16(x) => out.extend_from_slice(&x.to_le_bytes()),
        MetadataValue::I16(x) => out.extend_from_slice(&x.to_le_bytes()),
        MetadataValue::U32(x) => out.extend_from_slice(&x.to_le_bytes()),
        MetadataValue::I32(x) => out.extend_from_slice(&x.to_le_bytes()),
        MetadataValue::F32(x) => out.extend_from_slice(&x.to_le_bytes()),
        MetadataValue::Bool(x) => out.push(*x as u8),
        MetadataValue::String(s) => put_string(out, s),
        MetadataValue::Array(a) => put_array(out, a),
        MetadataValue::U64(x) => out.extend_from_slice(&x.to_le_bytes()),
        MetadataValue::I64(x) => out.extend_from_slice(&x.to_le_bytes()),
        MetadataValue::F64(x) => out.extend_from_slice(&x.to_le_bytes()),
    }
}

fn put_array(out: &mut Vec<u8>, a: &MetadataArray) {
    out.extend_from_slice(&a.element_type_id().to_le_bytes());
    out.extend_from_slice(&(a.len() as u64).to_le_bytes());
    macro_rules! each {
        ($v:expr) => {
            for x in $v {
                out.extend_from_slice(&x.to_le_bytes());
            }
        };
    }
    match a {
        MetadataArray::U8(v) => out.extend_from_slice(v),
        MetadataArray::I8(v) => out.extend(v.iter().map(|&x| x as u8)),
        MetadataArray::U16(v) => each!(v),
        MetadataArray::I16(v) => each!(v),
        MetadataArray::U32(v) => each!(v),
        MetadataArray::I32(v) => each!(v),
        MetadataArray::F32(v) => each!(v),
        MetadataArray::Bool(v) => out.extend(v.iter().map(|&x| x as u8)),
        MetadataArray::String(v) => v.iter().for_each(|s| put_string(out, s)),
        MetadataArray::Array(v) => v.iter().for_each(|inner| put_array(out, inner)),
        MetadataArray::U64(v) => each!(v),
        MetadataArray::I64(v) => each!(v),
        MetadataArray::F64(v) => each!(v),
    }
}
