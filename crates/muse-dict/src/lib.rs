//! muse-dict (being written).
