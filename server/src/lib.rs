//! Nobregas MySQL Panel server: domain services, the REST API, the Leptos pages, the CLI.
// Leptos view types of the bigger pages nest deeper than the default limit when their layout is computed here.
#![recursion_limit = "256"]
pub mod api;
pub mod assets;
pub mod cli;
pub mod moving;
pub mod pages;
pub mod startup;

// The core's modules, under the paths the handlers, the CLI and the tests use (`crate::services`).
pub use panel_core::{
    auth, config, data_dir, domain, instance, limits, maintenance, managed, metrics, services,
    state, store, store_cache,
};
