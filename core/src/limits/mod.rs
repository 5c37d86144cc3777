//! In-memory counters that bound what one account or one IP may ask for: sign-in attempts
//! (`login`) and the API's token buckets (`buckets`). Below both the services, which count sign-in
//! attempts, and the middleware, which charge the buckets, so neither imports the other.
pub mod buckets;
pub mod login;
