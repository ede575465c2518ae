//! samprio-server: the inter-municipal shared prioritisation service.
//!
//! Layers, each knowing only the ones below it: `grpc` (tonic services) and
//! `web` (the browser console) side by side,
//! `auth` (JWT into a `Principal`), `domain` (the rules), `store` (SQLite and
//! PostgreSQL). `kitos` is a client for KITOS, the source of portfolio
//! imports. `startup` wires them into an [`startup::Application`].

pub mod auth;
pub mod config;
pub mod demo;
pub mod domain;
pub mod grpc;
pub mod kitos;
pub mod metrics;
pub mod net;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;
