//! langs (being written).
