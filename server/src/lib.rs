//! Nobregas MySQL Panel server: domain services, the REST API, the Leptos backend, the CLI.
// Leptos view types of the bigger pages nest deeper than the default limit when their layout is computed here.
#![recursion_limit = "256"]
pub mod api;
pub mod assets;
pub mod auth;
pub mod backend;
pub mod cli;
pub mod config;
pub mod data_dir;
pub mod domain;
pub mod instance;
pub mod limits;
pub mod maintenance;
pub mod managed;
pub mod metrics;
pub mod pages;
pub mod services;
pub mod startup;
pub mod state;
pub mod store;
pub mod store_cache;
