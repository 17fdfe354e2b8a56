//! What every stage needs besides the model: where artifacts go and whether to draw progress.

use indicatif::{ProgressBar, ProgressStyle};

use crate::artifacts::ArtifactStore;
use crate::error::Result;

#[derive(Debug, Clone)]
pub struct RunContext {
    pub artifacts: ArtifactStore,
    /// Draw indicatif bars on stderr (they hide themselves when stderr is not a terminal).
    pub show_progress: bool,
}

impl RunContext {
    pub fn new(artifacts: ArtifactStore) -> Self {
        RunContext {
            artifacts,
            show_progress: true,
        }
    }

    /// Artifacts under `$BRIDGEX_ARTIFACTS_DIR` or `~/.cache/bridgex/artifacts`, progress on.
    pub fn from_env() -> Result<Self> {
        Ok(RunContext::new(ArtifactStore::from_env()?))
    }

    pub fn quiet(mut self) -> Self {
        self.show_progress = false;
        self
    }

    /// One bar of `total` steps of `unit`; the message names the current language or pair.
    pub(crate) fn bar(&self, total: u64, unit: &str) -> ProgressBar {
        if !self.show_progress || total == 0 {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(total);
        let template = format!(
            "{{msg:>8}} [{{elapsed_precise}}] {{wide_bar}} {{pos}}/{{len}} {unit} (eta {{eta}})"
        );
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(style);
        }
        bar
    }
}
