//! The panel's domain and services, below both of its front doors: the REST API (`server`) and
//! the server functions of the pages (`app` with `ssr`) call the same functions here.
//!
//! Import order (no module imports one that imports it back; `scripts/import-circles.py`):
//! domain, store, config → limits, managed → metrics → services → state → auth.
pub mod auth;
pub mod config;
pub mod data_dir;
pub mod domain;
pub mod instance;
pub mod limits;
pub mod maintenance;
pub mod managed;
pub mod metrics;
pub mod services;
pub mod state;
pub mod store;
pub mod store_cache;
