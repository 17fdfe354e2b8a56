//! xicl-eval (being written).
