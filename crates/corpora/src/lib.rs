//! Readers for the evaluation corpora of BridgeX-ICL, each checking its file's shape and
//! reporting problems with file, line and field ([`CorpusError`]):
//!
//! * [`flores`]: FLORES-200 devtest, one sentence per line (line *i* parallel across languages);
//! * [`sib200`]: SIB-200 topic classification, TSV with CSV quoting;
//! * [`xcopa`]: XCOPA JSON Lines, with [`xcopa::fix_questions`] for the upstream `question` errors;
//! * [`belebele`]: Belebele JSON Lines in the original schema.
//!
//! Each module also has a helper giving the file's path in the data layout (e.g.
//! [`flores::devtest_rel`]), to pass to the `fetch` crate.
//!
//! ```rust
//! use corpora::sib200;
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("test.tsv");
//! std::fs::write(&path, "index_id\tcategory\ttext\n\
//!                        7\ttravel\t\"He said \"\"go\"\".\"\n\
//!                        1001\tsports\tA plain sentence.\n")?;
//! let items = sib200::read(&path)?;
//! assert_eq!(items.len(), 2);
//! assert_eq!(items[0].text, "He said \"go\".");          // CSV quoting is undone
//! assert_eq!(items[1].index_id, 1001);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod belebele;
mod error;
pub mod flores;
mod jsonl;
pub mod sib200;
mod text;
pub mod xcopa;

pub use error::CorpusError;
