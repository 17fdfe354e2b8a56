//! The rules comparison on the fake model, whose bridge of en→sw is pt by construction.

use neuron_probe::testkit::{FixtureInputs, Scenario, ScenarioSize};
use neuron_probe::{
    ArtifactStore, ConfidenceParams, GenericNeurons, PipelineParams, ProbeParams, RunContext,
    SetMethod, StatsParams, Threshold,
};
use xtask::rules::{compare, paired_difference, render_markdown, rules, write_outputs};

const CANDIDATES: [&str; 5] = ["de", "fr", "it", "pt", "es"];

#[test]
fn every_rule_ranks_every_pair_and_the_summary_counts_them() {
    let sc = Scenario::new("en", "sw", "pt", &CANDIDATES, ScenarioSize::default()).unwrap();
    let inputs = FixtureInputs::from_scenario(&sc);
    let dir = tempfile::tempdir().unwrap();
    let ctx = RunContext::new(ArtifactStore::new(dir.path().join("artifacts"))).quiet();
    let mut params = PipelineParams {
        stats: StatsParams {
            window_tokens: 64,
            ..StatsParams::default()
        },
        probe: ProbeParams {
            probe_size: 60,
            min_survivors: 20,
            ..ProbeParams::default()
        },
        ..PipelineParams::default()
    };
    params.bridge.sets = SetMethod::TopRate {
        top_rate: 0.1,
        threshold: Threshold::Quantile,
    };
    let conf = ConfidenceParams {
        replicates: 20,
        ..ConfidenceParams::default()
    };
    let mut model = sc.model.clone();
    let c = compare(
        &mut model,
        &inputs,
        &ctx,
        &[("en".into(), "sw".into())],
        &CANDIDATES,
        &params,
        &conf,
        &[GenericNeurons::Keep, GenericNeurons::InEverySet],
    )
    .unwrap();
    let n_rules = rules(&params.bridge).len();
    assert_eq!(c.outcomes.len(), n_rules);
    assert_eq!(c.summaries.len(), n_rules);
    for o in &c.outcomes {
        assert_eq!(o.pair, "en-sw");
        assert!((0.0..=1.0).contains(&o.win_rate), "{o:?}");
        assert_eq!(o.clear, o.win_rate >= conf.clear_at, "{o:?}");
    }
    // The constructed bridge, under the reference code's rule and today's default.
    for rule in ["reference", "skip-missing"] {
        let o = c.outcomes.iter().find(|o| o.rule == rule).unwrap();
        assert_eq!(o.chosen.as_deref(), Some("pt"), "{rule}");
    }
    // Summaries restate the outcomes.
    for s in &c.summaries {
        let mine: Vec<_> = c.outcomes.iter().filter(|o| o.rule == s.rule).collect();
        assert_eq!(s.pairs, mine.len());
        assert_eq!(s.clear, mine.iter().filter(|o| o.clear).count());
        assert!((s.mean_win_rate - mine[0].win_rate).abs() < 1e-12);
    }
    let reference = c.summaries.iter().find(|s| s.rule == "reference").unwrap();
    assert_eq!(reference.same_as_reference, 1);
    assert!(c.most_stable.is_some());
    // Every rule but the most stable is compared with it, pair by pair (one pair here).
    for s in &c.summaries {
        let best = c.most_stable.as_deref().unwrap();
        let win = |rule: &str| c.outcomes.iter().find(|o| o.rule == rule).unwrap().win_rate;
        match s.behind_most_stable {
            None => assert_eq!(s.rule, best),
            Some(d) => assert!(
                (d.mean - (win(best) - win(&s.rule))).abs() < 1e-12,
                "{}",
                s.rule
            ),
        }
    }
    // The generic rules over the scenario's languages (en, sw and the five candidates).
    assert_eq!(c.languages.len(), 7);
    assert_eq!(c.generic.len(), 2);
    assert_eq!(c.generic[0].excluded, 0);

    let md = render_markdown(&c);
    assert!(md.contains("| en-sw |"));
    assert!(md.contains("most stable"));
    let files = write_outputs(&c, &dir.path().join("out")).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    assert_eq!(json["format"], "bridgex-rules/1");
    assert_eq!(json["outcomes"].as_array().unwrap().len(), n_rules);
}

#[test]
fn the_paired_difference_of_win_rates_is_its_mean_with_a_bootstrap_interval() {
    // No pairs: nothing to say.
    assert!(paired_difference(&[], 0).is_none());
    // The same difference in every pair: every resample's mean is that difference.
    let d = paired_difference(&[0.25, 0.25, 0.25], 0).unwrap();
    assert!((d.mean - 0.25).abs() < 1e-12);
    assert!((d.low - 0.25).abs() < 1e-12 && (d.high - 0.25).abs() < 1e-12);
    assert_eq!((d.ahead, d.behind), (3, 0));
    // Two pairs, 0 and 1: a resample is all-0 or all-1 with probability 1/4 each, so among
    // 10,000 resamples the 2.5th and 97.5th percentiles are the extremes 0 and 1; the mean is
    // 0.5 by hand; one pair ahead, none behind (a tie counts neither way).
    let d = paired_difference(&[0.0, 1.0], 7).unwrap();
    assert!((d.mean - 0.5).abs() < 1e-12);
    assert_eq!((d.low, d.high), (0.0, 1.0));
    assert_eq!((d.ahead, d.behind), (1, 0));
    // Mixed signs: the interval holds the mean and lies within the extremes.
    let diffs = [-0.2, 0.1, 0.3, -0.05, 0.0, 0.15];
    let d = paired_difference(&diffs, 1).unwrap();
    assert!((d.mean - 0.05).abs() < 1e-12, "{}", d.mean);
    assert!(d.low < d.mean && d.mean < d.high && d.low >= -0.2 && d.high <= 0.3);
    assert_eq!((d.ahead, d.behind), (3, 2));
}
