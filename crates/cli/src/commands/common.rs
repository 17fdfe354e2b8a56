//! Pieces the commands share: run bookkeeping, language lists, and plain-words descriptions of
//! the method's settings for report headers.

use std::path::Path;
use std::time::Instant;

use neuron_probe::{
    BridgeVariant, GenericNeurons, Inputs, ModelIdentity, RunContext, ScoreKind, SetMethod,
    Threshold,
};

use crate::app::AppModel;
use crate::summary::RunInfo;

/// Start the bookkeeping of a run.
pub(crate) fn start_run<M: AppModel + ?Sized>(
    command: &str,
    model: Option<&M>,
    inputs: Option<&dyn Inputs>,
    ctx: Option<&RunContext>,
) -> (RunInfo, Instant) {
    let mut run = RunInfo::new(command);
    if let Some((spec, device)) = model.and_then(|m| m.spec_and_device()) {
        run.model_spec = Some(spec);
        run.device = Some(device);
    }
    if let Some(i) = inputs {
        run.data = describe_inputs(i);
    }
    if let Some(c) = ctx {
        run.artifacts_dir = home_relative(c.artifacts.root());
    }
    (run, Instant::now())
}

/// A line for reports saying where the data comes from.
pub fn describe_inputs(inputs: &dyn Inputs) -> String {
    match inputs.store() {
        Some(store) => {
            let root = home_relative(store.root());
            match store.mirror() {
                Some(m) => format!("{root} (mirror {})", home_relative(m)),
                None => root,
            }
        }
        None => "in-memory fixture".to_string(),
    }
}

/// `path` with the home directory written `~`, so that reports people share do not carry
/// their account's absolute paths.
pub fn home_relative(path: &Path) -> String {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty());
    match home.as_deref().and_then(|h| path.strip_prefix(h).ok()) {
        Some(rest) if rest.as_os_str().is_empty() => "~".to_string(),
        Some(rest) => format!("~/{}", rest.display()),
        None => path.display().to_string(),
    }
}

/// Close the bookkeeping: elapsed time and whether the weights were loaded.
pub(crate) fn finish_run<M: AppModel + ?Sized>(run: &mut RunInfo, started: Instant, model: &M) {
    run.elapsed_s = started.elapsed().as_secs_f64();
    run.model_loaded = model.is_loaded();
    run.model_load_s = model.load_time().map(|d| d.as_secs_f64());
}

/// `English (en)`.
pub fn language_label(code: &str) -> String {
    match langs::get(code) {
        Ok(l) => format!("{} ({})", l.english_name, l.code),
        Err(_) => code.to_string(),
    }
}

/// The native (prompt) name of a code, or the code.
pub fn native_name(code: &str) -> &str {
    langs::get(code).map_or(code, |l| l.native_name)
}

/// The set rule in words, with the generic neurons left out (and how many) when any were.
pub fn describe_sets(m: &SetMethod, generic: GenericNeurons, excluded: usize) -> String {
    let method = describe_method(m);
    if generic.is_keep() {
        method
    } else {
        format!(
            "{method}; generic neurons {} ({} neurons)",
            generic.describe(),
            crate::table::count(excluded as u64)
        )
    }
}

fn describe_method(m: &SetMethod) -> String {
    match m {
        SetMethod::TopRate {
            top_rate,
            threshold,
        } => format!(
            "top rate {}% ({})",
            crate::table::num(100.0 * top_rate, 3),
            match threshold {
                Threshold::Quantile => "quantile cut-off",
                Threshold::KthValue => "kth-value cut-off",
            }
        ),
        SetMethod::Lape {
            top_rate,
            filter_rate,
            activation_bar_ratio,
        } => format!(
            "LAPE, top rate {}%, bars at the {}/{} quantiles",
            crate::table::num(100.0 * top_rate, 3),
            crate::table::num(*filter_rate, 3),
            crate::table::num(*activation_bar_ratio, 3)
        ),
    }
}

pub fn describe_variant(v: BridgeVariant) -> &'static str {
    match v {
        BridgeVariant::TopByProbeMean => "top |O_st| of T_k \\ O_st per layer by probe mean",
        BridgeVariant::Whole => "T_k whole",
        BridgeVariant::SharedWithPair => "T_k ∩ (T_s ∪ T_t)",
    }
}

pub fn describe_score(k: ScoreKind) -> &'static str {
    match k {
        ScoreKind::Reference => "reference HSIC score tr(K_i H L_j)",
        ScoreKind::Standard => "biased HSIC",
        ScoreKind::Cka => "CKA (normalised HSIC)",
    }
}

/// `gemma-3-270m-q4_k_m.gguf · gemma3 · 18 layers × 2048 neurons · f32 · a5fd3b62230a`.
pub fn describe_model(m: &ModelIdentity) -> String {
    format!(
        "{} · {} · {} layers × {} neurons · {} · digest {}",
        m.name,
        m.architecture,
        m.layers,
        m.neurons,
        m.precision,
        m.digest.get(..12).unwrap_or(&m.digest)
    )
}

/// File-name-safe form of a label (`bridge:fr` → `bridge-fr`).
pub fn file_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::home_relative;
    use std::path::Path;

    #[test]
    fn home_is_abbreviated() {
        let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) else {
            return; // no home directory to abbreviate on this machine
        };
        let home = Path::new(&home);
        assert_eq!(
            home_relative(&home.join(".cache/bridgex")),
            "~/.cache/bridgex"
        );
        assert_eq!(home_relative(home), "~");
        assert_eq!(home_relative(Path::new("../shared/data")), "../shared/data");
    }
}
