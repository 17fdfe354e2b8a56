//! hsic (being written).
