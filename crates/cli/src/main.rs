//! `bridgex`: the BridgeX command line (being written).
fn main() {}
