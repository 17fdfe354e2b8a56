//! What the commands need to know about a model beyond [`NeuronModel`]: how it was named and
//! whether its weights had to be loaded (for the end-of-run summary).

use std::time::Duration;

use neuron_probe::{FakeModel, NeuronModel};

use crate::model::OpenedModel;

/// A model as the commands see it.
pub trait AppModel: NeuronModel {
    /// The spec and device the user named, for reports.
    fn spec_and_device(&self) -> Option<(String, String)> {
        None
    }

    /// Whether the weights are in memory (a lazily opened model loads them only when a stage
    /// must run).
    fn is_loaded(&self) -> bool {
        true
    }

    /// How long loading the weights took.
    fn load_time(&self) -> Option<Duration> {
        None
    }
}

impl AppModel for FakeModel {}

impl AppModel for OpenedModel {
    fn spec_and_device(&self) -> Option<(String, String)> {
        Some((self.options().spec.clone(), self.options().device.clone()))
    }

    fn is_loaded(&self) -> bool {
        OpenedModel::is_loaded(self)
    }

    fn load_time(&self) -> Option<Duration> {
        OpenedModel::load_time(self)
    }
}
