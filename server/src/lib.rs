//! Nobregas MySQL Panel server: domain services, the REST API, the Leptos backend, the CLI.
pub mod api;
pub mod auth;
pub mod backend;
pub mod cli;
pub mod config;
pub mod domain;
pub mod managed;
pub mod pages;
pub mod services;
pub mod startup;
pub mod state;
pub mod store;
