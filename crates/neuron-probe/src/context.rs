//! What every stage needs besides the model: where artifacts go, whether to show progress, and
//! how often long stages save their work so far.

use std::time::Duration;

use progress::Progress;

use crate::artifacts::ArtifactStore;
use crate::error::Result;

#[derive(Debug, Clone)]
pub struct RunContext {
    pub artifacts: ArtifactStore,
    /// Show progress on stderr (a bar on a terminal, periodic lines in a log).
    pub show_progress: bool,
    /// How often a long stage (a language's statistics, the understanding filter) saves a
    /// checkpoint, so that an interrupted run loses at most this much work.
    pub checkpoint_every: Duration,
}

/// Default [`RunContext::checkpoint_every`].
pub const CHECKPOINT_EVERY: Duration = Duration::from_secs(60);

impl RunContext {
    pub fn new(artifacts: ArtifactStore) -> Self {
        RunContext {
            artifacts,
            show_progress: true,
            checkpoint_every: CHECKPOINT_EVERY,
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

    /// Progress of `total` steps of `unit`, labelled with the stage and what it works on: a
    /// bar on a terminal, a line every ~10 s when stderr is a log, nothing when quiet.
    pub(crate) fn progress(&self, total: u64, unit: &str, label: &str) -> Progress {
        Progress::new(total, unit, label, self.show_progress && total > 0)
    }
}
