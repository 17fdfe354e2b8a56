//! The model as xicl-eval sees it: [`ModelGenerator`] turns any [`NeuronModel`] (the runtime
//! model, the fake model of the tests) into an [`xicl_eval::Generator`].

use neuron_probe::NeuronModel;
use xicl_eval::{GenerateError, Generator};

/// Greedy generation through a borrowed model, counting what it was asked for.
pub struct ModelGenerator<'a, M: NeuronModel + ?Sized> {
    model: &'a mut M,
    /// Generator calls and prompts sent so far.
    pub calls: usize,
    pub prompts: usize,
}

impl<'a, M: NeuronModel + ?Sized> ModelGenerator<'a, M> {
    pub fn new(model: &'a mut M) -> Self {
        ModelGenerator {
            model,
            calls: 0,
            prompts: 0,
        }
    }
}

impl<M: NeuronModel + ?Sized> Generator for ModelGenerator<'_, M> {
    fn generate(
        &mut self,
        prompts: &[String],
        max_new_tokens: usize,
        stop: &[&str],
    ) -> Result<Vec<String>, GenerateError> {
        self.calls += 1;
        self.prompts += prompts.len();
        // NeuronModel::greedy adds BOS, decodes greedily and cuts before the first stop string.
        self.model
            .greedy(prompts, max_new_tokens, stop)
            .map_err(|e| Box::new(e) as GenerateError)
    }

    fn loglik(&mut self, pairs: &[(String, String)]) -> Result<Vec<f64>, GenerateError> {
        self.calls += 1;
        self.prompts += pairs.len();
        self.model
            .continuation_logprobs(pairs)
            .map_err(|e| Box::new(e) as GenerateError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use neuron_probe::testkit::{Scenario, ScenarioSize};

    #[test]
    fn forwards_to_the_model_and_counts() {
        let sc = Scenario::new("en", "sw", "pt", &["de", "pt"], ScenarioSize::default()).unwrap();
        let mut model = sc.model.clone();
        let word = &sc.dictionary.entries[0].source;
        let prompt = neuron_probe::probe_prompt("English", word, "kiswahili");
        let mut g = ModelGenerator::new(&mut model);
        let out = g.generate(&[prompt.clone(), prompt], 30, &["\n"]).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!((g.calls, g.prompts), (1, 2));
        // The fake model answers known words with the gold target in quotes.
        let gold = &sc.dictionary.entries[0].targets[0];
        assert_eq!(out[0], format!(" \"{gold}\""));
        assert_eq!(model.calls.greedy, 1);
    }
}
