//! A short fuzz campaign on every target: the harness runs, and the readers it covers neither
//! panic nor lose a record (the full campaign's record is in docs/fuzz.md).

use xtask::fuzz::{Target, campaign};

#[test]
fn a_short_campaign_finds_no_crash() {
    let reports = campaign(&Target::ALL, 4_000, 11);
    assert_eq!(reports.len(), 4);
    for r in &reports {
        assert!(r.executions >= 400, "{r:?}");
        assert!(r.accepted > 0, "some inputs must load: {r:?}");
        assert!(r.crashes.is_empty(), "{:?}", r.crashes);
    }
}
