//! corpora (being written).
