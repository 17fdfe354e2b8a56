//! neuron-probe (being written).
