//! The model seen by the evaluation: batched greedy text generation, and the likelihood of given
//! continuations for tasks whose answers are scored by likelihood ([`crate::AnswerScoring`]).
//!
//! xicl-eval knows nothing about tensors or tokenisers; the command-line tool adapts the
//! runtime's model to this trait, and tests drive the runner with fakes.

/// Any error a generator reports; the runner wraps it with the task, route and batch.
pub type GenerateError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Greedy continuation of a batch of prompts.
pub trait Generator {
    /// Continue every prompt by at most `max_new_tokens` tokens, stopping a prompt early once
    /// its continuation, leading whitespace skipped, contains one of `stop`. Returns one continuation (prompt excluded) per
    /// prompt, in order. Whether the stop string itself is kept does not matter: the answer
    /// parsers cut at it.
    fn generate(
        &mut self,
        prompts: &[String],
        max_new_tokens: usize,
        stop: &[&str],
    ) -> Result<Vec<String>, GenerateError>;

    /// For each `(prompt, continuation)` pair, the natural-log likelihood of the continuation
    /// after the prompt (summed over its tokens). Only needed for
    /// [`crate::AnswerScoring::Loglik`]; generators that cannot score say so.
    fn loglik(&mut self, pairs: &[(String, String)]) -> Result<Vec<f64>, GenerateError> {
        let _ = pairs;
        Err("this generator cannot score continuations by likelihood".into())
    }
}
