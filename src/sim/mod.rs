//! The CER simulator.
